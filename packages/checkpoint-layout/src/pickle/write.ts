/**
 * A small protocol-2 pickle writer for fixtures and tests (the reader's inverse for plain data):
 * `null`, booleans, integers (32-bit), floats, strings, arrays (lists), plain objects (dicts with
 * string keys), `{ $class: "module.Name", args?, state? }` (GLOBAL + NEWOBJ + BUILD).
 */
export type PickleSpec =
  | null
  | boolean
  | number
  | string
  | PickleSpec[]
  | { $class: string; args?: PickleSpec[]; state?: PickleSpec }
  | { [key: string]: PickleSpec };

const enc = new TextEncoder();

/** Encodes `value` as a protocol-2 pickle ending in STOP. */
export function writePickle(value: PickleSpec): Uint8Array {
  const out: number[] = [0x80, 2];
  const u32 = (n: number) => out.push(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff);
  const emit = (v: PickleSpec): void => {
    if (v === null) out.push(0x4e);
    else if (v === true) out.push(0x88);
    else if (v === false) out.push(0x89);
    else if (typeof v === "number") {
      if (Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31) {
        out.push(0x4a);
        u32(v);
      } else {
        const b = new DataView(new ArrayBuffer(8));
        b.setFloat64(0, v, false);
        out.push(0x47, ...new Uint8Array(b.buffer));
      }
    } else if (typeof v === "string") {
      const s = enc.encode(v);
      out.push(0x58);
      u32(s.length);
      out.push(...s);
    } else if (Array.isArray(v)) {
      out.push(0x5d);
      if (v.length) {
        out.push(0x28);
        for (const x of v) emit(x);
        out.push(0x65);
      }
    } else if (typeof v.$class === "string") {
      const o = v as { $class: string; args?: PickleSpec[]; state?: PickleSpec };
      const dot = o.$class.lastIndexOf(".");
      out.push(0x63, ...enc.encode(`${o.$class.slice(0, dot)}\n${o.$class.slice(dot + 1)}\n`));
      out.push(0x28);
      for (const a of o.args ?? []) emit(a);
      out.push(0x74, 0x81);
      if (o.state !== undefined) {
        emit(o.state);
        out.push(0x62);
      }
    } else {
      out.push(0x7d);
      const entries = Object.entries(v);
      if (entries.length) {
        out.push(0x28);
        for (const [k, x] of entries) {
          emit(k);
          emit(x);
        }
        out.push(0x75);
      }
    }
  };
  emit(value);
  out.push(0x2e);
  return new Uint8Array(out);
}

/** A torch.distributed.checkpoint `.metadata` pickle naming `items` (data file, offset, length). */
export function dcpMetadataPickle(
  items: Array<{ fqn: string; path: string; offset: number; length: number }>,
): Uint8Array {
  // storage_data keys are MetadataIndex objects: written as a dict via MARK/SETITEMS of objects
  const out = writePickle({
    $class: "torch.distributed.checkpoint.metadata.Metadata",
    state: {
      state_dict_metadata: Object.fromEntries(items.map((i) => [i.fqn, null])),
      storage_data: "__STORAGE__",
    },
  });
  const parts = items.map((i) =>
    writePickle([
      {
        $class: "torch.distributed.checkpoint.metadata.MetadataIndex",
        state: { fqn: i.fqn, offset: null, index: null },
      },
      {
        $class: "torch.distributed.checkpoint.filesystem._StorageInfo",
        state: { relative_path: i.path, offset: i.offset, length: i.length, transform_descriptors: null },
      },
    ]),
  );
  // splice: replace the placeholder string with a dict built from the pairs' bodies
  const marker = writePickle("__STORAGE__").subarray(2, -1);
  const at = indexOf(out, marker);
  const body: number[] = [0x7d];
  if (parts.length) {
    body.push(0x28);
    for (const p of parts) {
      // each part is PROTO 2, EMPTY_LIST, MARK, <key>, <value>, APPENDS, STOP: keep <key><value>
      body.push(...p.subarray(4, p.length - 2));
    }
    body.push(0x75);
  }
  return new Uint8Array([...out.subarray(0, at), ...body, ...out.subarray(at + marker.length)]);
}

function indexOf(hay: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}
