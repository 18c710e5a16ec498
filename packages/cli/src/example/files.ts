/**
 * Small, valid binary files for the example runs: safetensors with real headers and torch-style zip
 * archives (stored entries, CRC-32, central directory), so integrity checks have something real to check.
 */

const encoder = new TextEncoder();

/** A tensor description for {@link safetensorsBytes}: F32 values only (enough for tiny fixtures). */
export interface TinyTensor {
  name: string;
  shape: number[];
}

/** Builds a valid `.safetensors` file: 8-byte little-endian header length, JSON header, F32 data. */
export function safetensorsBytes(tensors: TinyTensor[], seed = 1): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: { format: "pt" } };
  let offset = 0;
  for (const tensor of tensors) {
    const bytes = tensor.shape.reduce((a, b) => a * b, 1) * 4;
    header[tensor.name] = { dtype: "F32", shape: tensor.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  // The format pads the header with spaces to an 8-byte boundary.
  while ((json.length + 8) % 8 !== 0) json += " ";
  const headerBytes = encoder.encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let state = seed >>> 0;
  for (let i = 8 + headerBytes.length; i + 4 <= out.length; i += 4) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    view.setFloat32(i, (state / 0xffffffff - 0.5) * 0.02, true);
  }
  return out;
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (IEEE) of `data`, as zip archives store it. */
export function crc32(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) crc = (CRC_TABLE[(crc ^ byte) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/**
 * Builds a zip archive with stored (uncompressed) entries, the container format of `torch.save`
 * (`archive/data.pkl`, `archive/version`, `archive/data/0` …).
 */
export function zipBytes(entries: { name: string; data: Uint8Array }[]): Uint8Array {
  const locals: Uint8Array[] = [];
  const centrals: Uint8Array[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = encoder.encode(entry.name);
    const crc = crc32(entry.data);
    const local = new Uint8Array(30 + name.length + entry.data.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 20, true);
    lv.setUint32(14, crc, true);
    lv.setUint32(18, entry.data.length, true);
    lv.setUint32(22, entry.data.length, true);
    lv.setUint16(26, name.length, true);
    local.set(name, 30);
    local.set(entry.data, 30 + name.length);
    const central = new Uint8Array(46 + name.length);
    const cv = new DataView(central.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, 20, true);
    cv.setUint16(6, 20, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, entry.data.length, true);
    cv.setUint32(24, entry.data.length, true);
    cv.setUint16(28, name.length, true);
    cv.setUint32(42, offset, true);
    central.set(name, 46);
    locals.push(local);
    centrals.push(central);
    offset += local.length;
  }
  const centralSize = centrals.reduce((a, c) => a + c.length, 0);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, entries.length, true);
  ev.setUint16(10, entries.length, true);
  ev.setUint32(12, centralSize, true);
  ev.setUint32(16, offset, true);
  const out = new Uint8Array(offset + centralSize + 22);
  let at = 0;
  for (const part of [...locals, ...centrals, end]) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** A small torch-style archive (what `torch.save` writes for `optimizer.pt`, `rng_state.pth` …). */
export function torchArchive(label: string, payloadBytes: number, seed = 7): Uint8Array {
  const payload = new Uint8Array(payloadBytes);
  let state = seed >>> 0;
  for (let i = 0; i < payload.length; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    payload[i] = state >>> 24;
  }
  // A protocol-2 pickle of the label string: PROTO 2, BINUNICODE, STOP.
  const text = encoder.encode(label);
  const pickle = new Uint8Array(2 + 5 + text.length + 1);
  pickle.set([0x80, 0x02, 0x58], 0);
  new DataView(pickle.buffer).setUint32(3, text.length, true);
  pickle.set(text, 7);
  pickle[pickle.length - 1] = 0x2e;
  return zipBytes([
    { name: "archive/data.pkl", data: pickle },
    { name: "archive/byteorder", data: encoder.encode("little") },
    { name: "archive/data/0", data: payload },
    { name: "archive/version", data: encoder.encode("3\n") },
  ]);
}
