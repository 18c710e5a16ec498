import { describe, expect, it } from "vitest";
import {
  type BrokenCase,
  buildSafetensors,
  buildTorchFile,
  buildZip,
  fixtureFiles,
} from "../src/fixtures.js";
import { crc32, Sha256 } from "../src/hash.js";
import {
  checkSafetensors,
  checkTorchZip,
  createMemoryStorage,
  MANIFEST_NAME,
  validateCheckpoint,
  writeManifest,
} from "../src/index.js";

const enc = new TextEncoder();

function safetensorsFrom(header: string, dataBytes: number, pad = 0): Uint8Array {
  const h = enc.encode(header + " ".repeat(pad));
  const out = new Uint8Array(8 + h.length + dataBytes);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  return out;
}

// reference §1.7: the exact 232-byte file written by safetensors.numpy.save
const REF_HEADER =
  '{"__metadata__":{"format":"pt"},"lm_head.weight":{"dtype":"F32","shape":[3,2],"data_offsets":[0,24]},"model.embed_tokens.weight":{"dtype":"F16","shape":[4,2],"data_offsets":[24,40]}}';

async function check(bytes: Uint8Array) {
  const storage = createMemoryStorage({ "/f.safetensors": bytes });
  return checkSafetensors(storage, "/f.safetensors");
}

describe("safetensors header rules (tensor.rs)", () => {
  it("accepts the reference file: 8 + 184 + 40 = 232 bytes, header padded with two spaces", async () => {
    const bytes = safetensorsFrom(REF_HEADER, 40, 2);
    expect(bytes.length).toBe(232);
    expect([...bytes.subarray(0, 8)]).toEqual([0xb8, 0, 0, 0, 0, 0, 0, 0]);
    const rep = await check(bytes);
    expect(rep.problems).toEqual([]);
    expect(rep.ok).toBe(true);
    expect(rep.headerSize).toBe(184);
    expect(rep.dataBytes).toBe(40);
    expect(rep.metadata).toEqual({ format: "pt" });
    expect(rep.tensors.map((t) => [t.name, t.dtype, t.begin, t.end])).toEqual([
      ["lm_head.weight", "F32", 0, 24],
      ["model.embed_tokens.weight", "F16", 24, 40],
    ]);
  });

  const cases: Array<[string, Uint8Array, string]> = [
    ["file shorter than 8 bytes", new Uint8Array(5), "SAFETENSORS_TRUNCATED"],
    [
      "truncated data (MetadataIncompleteBuffer)",
      safetensorsFrom(REF_HEADER, 39, 2),
      "SAFETENSORS_TRUNCATED",
    ],
    ["trailing bytes after the data", safetensorsFrom(REF_HEADER, 41, 2), "SAFETENSORS_LENGTH_MISMATCH"],
    [
      "header longer than the file",
      (() => {
        const b = safetensorsFrom(REF_HEADER, 40, 2);
        new DataView(b.buffer).setBigUint64(0, 5000n, true);
        return b;
      })(),
      "SAFETENSORS_TRUNCATED",
    ],
    [
      "header length above 100 000 000",
      (() => {
        const b = safetensorsFrom(REF_HEADER, 40, 2);
        new DataView(b.buffer).setBigUint64(0, 100_000_001n, true);
        return b;
      })(),
      "SAFETENSORS_HEADER_TOO_LARGE",
    ],
    ["header not starting with {", safetensorsFrom(` ${REF_HEADER}`, 40, 1), "SAFETENSORS_HEADER_INVALID"],
    [
      "duplicate tensor names",
      safetensorsFrom(
        '{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}',
        2,
      ),
      "SAFETENSORS_HEADER_INVALID",
    ],
    [
      "non-string __metadata__ value",
      safetensorsFrom('{"__metadata__":{"n":1},"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}', 1),
      "SAFETENSORS_HEADER_INVALID",
    ],
    [
      "unknown dtype",
      safetensorsFrom('{"a":{"dtype":"F128","shape":[1],"data_offsets":[0,16]}}', 16),
      "SAFETENSORS_HEADER_INVALID",
    ],
    [
      "hole between tensors (InvalidOffset)",
      safetensorsFrom(
        '{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"U8","shape":[2],"data_offsets":[4,6]}}',
        6,
      ),
      "SAFETENSORS_BAD_OFFSETS",
    ],
    [
      "not starting at 0",
      safetensorsFrom('{"a":{"dtype":"U8","shape":[2],"data_offsets":[2,4]}}', 4),
      "SAFETENSORS_BAD_OFFSETS",
    ],
    [
      "size not numel × bits / 8",
      safetensorsFrom('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}', 4),
      "SAFETENSORS_BAD_SIZE",
    ],
    [
      "sub-byte dtype off a byte boundary (MisalignedSlice)",
      safetensorsFrom('{"a":{"dtype":"F4","shape":[3],"data_offsets":[0,2]}}', 2),
      "SAFETENSORS_BAD_SIZE",
    ],
    [
      "invalid UTF-8",
      (() => {
        const b = safetensorsFrom('{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}', 1);
        b[10] = 0xff;
        return b;
      })(),
      "SAFETENSORS_HEADER_INVALID",
    ],
  ];
  for (const [label, bytes, code] of cases) {
    it(`rejects ${label} with ${code}`, async () => {
      const rep = await check(bytes);
      expect(rep.ok).toBe(false);
      expect(rep.problems[0]?.code).toBe(code);
      expect(rep.problems[0]?.file).toBe("/f.safetensors");
    });
  }

  it("accepts empty and 0-rank tensors and sub-byte dtypes on a byte boundary", async () => {
    const rep = await check(
      safetensorsFrom(
        '{"e":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},"s":{"dtype":"F32","shape":[],"data_offsets":[0,4]},"f4":{"dtype":"F4","shape":[4],"data_offsets":[4,6]}}',
        6,
      ),
    );
    expect(rep.problems).toEqual([]);
    expect(rep.ok).toBe(true);
  });

  it("round-trips files written by the fixture builder", async () => {
    const rep = await check(buildSafetensors([{ name: "w", dtype: "BF16", shape: [3, 5] }]));
    expect(rep.ok).toBe(true);
    expect(rep.headerSize % 8).toBe(0);
  });
});

describe("torch zip archives", () => {
  const run = async (bytes: Uint8Array, verifyCrc = true) =>
    checkTorchZip(createMemoryStorage({ "/optimizer.pt": bytes }), "/optimizer.pt", { verifyCrc });

  it("accepts a torch.save-style archive and counts its entries", async () => {
    const rep = await run(buildTorchFile("optimizer", 5000));
    expect(rep.problems).toEqual([]);
    expect(rep.ok).toBe(true);
    expect(rep.entries).toBe(5);
  });

  it("detects a half-truncated archive (no end record)", async () => {
    const full = buildTorchFile("optimizer", 5000);
    const rep = await run(full.subarray(0, full.length / 2));
    expect(rep.problems[0]?.code).toBe("ZIP_INVALID");
  });

  it("detects a flipped data byte by CRC-32, only when CRCs are verified", async () => {
    const bytes = new Uint8Array(buildTorchFile("optimizer", 5000));
    const at = 30 + "optimizer/data.pkl".length + 10;
    bytes[at] = bytes[at]! ^ 0xff;
    expect((await run(bytes)).problems[0]?.code).toBe("ZIP_CRC_MISMATCH");
    expect((await run(bytes, false)).ok).toBe(true);
  });

  it("requires data.pkl to end with the pickle STOP opcode", async () => {
    const pkl = enc.encode("\x80\x02N");
    const rep = await run(buildZip([{ name: "x/data.pkl", data: pkl }]));
    expect(rep.problems[0]?.code).toBe("PICKLE_NO_STOP");
    const none = await run(buildZip([{ name: "x/other", data: pkl }]));
    expect(none.problems[0]?.code).toBe("ZIP_NOT_TORCH");
  });

  it("reads zip64 end records", async () => {
    const base = buildTorchFile("optimizer", 100);
    // rewrite the classic EOCD with 0xFFFF/0xFFFFFFFF markers and put a zip64 record + locator before it
    const eocdAt = base.length - 22;
    const dv = new DataView(base.buffer, base.byteOffset);
    const count = dv.getUint16(eocdAt + 10, true);
    const cdSize = dv.getUint32(eocdAt + 12, true);
    const cdOff = dv.getUint32(eocdAt + 16, true);
    const head = base.subarray(0, eocdAt);
    const z64 = new Uint8Array(56);
    const z = new DataView(z64.buffer);
    z.setUint32(0, 0x06064b50, true);
    z.setBigUint64(4, 44n, true);
    z.setBigUint64(24, BigInt(count), true);
    z.setBigUint64(32, BigInt(count), true);
    z.setBigUint64(40, BigInt(cdSize), true);
    z.setBigUint64(48, BigInt(cdOff), true);
    const loc = new Uint8Array(20);
    const l = new DataView(loc.buffer);
    l.setUint32(0, 0x07064b50, true);
    l.setBigUint64(8, BigInt(head.length), true);
    l.setUint32(16, 1, true);
    const eocd = new Uint8Array(22);
    const e = new DataView(eocd.buffer);
    e.setUint32(0, 0x06054b50, true);
    e.setUint16(8, 0xffff, true);
    e.setUint16(10, 0xffff, true);
    e.setUint32(12, 0xffffffff, true);
    e.setUint32(16, 0xffffffff, true);
    const out = new Uint8Array(head.length + 56 + 20 + 22);
    out.set(head, 0);
    out.set(z64, head.length);
    out.set(loc, head.length + 56);
    out.set(eocd, head.length + 76);
    const rep = await run(out);
    expect(rep.problems).toEqual([]);
    expect(rep.entries).toBe(count);
  });
});

describe("hashes", () => {
  it("CRC-32 and SHA-256 match the standard check values", () => {
    expect(crc32(enc.encode("123456789")).toString(16)).toBe("cbf43926");
    expect(new Sha256().update(enc.encode("abc")).hex()).toBe(
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
    expect(new Sha256().hex()).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    const long = enc.encode("a".repeat(1000));
    const h = new Sha256();
    for (let i = 0; i < 1000; i += 7) h.update(long.subarray(i, Math.min(1000, i + 7)));
    expect(h.hex()).toBe("41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3");
  });
});

describe("validateCheckpoint", () => {
  const setup = (broken?: BrokenCase, extra = {}) => {
    const { files } = fixtureFiles("hf", { steps: [2, 4], sharded: true, broken, ...extra }, "/run");
    return createMemoryStorage(Object.fromEntries(files));
  };

  it("passes a complete sharded checkpoint in shallow and deep mode", async () => {
    const storage = setup();
    const shallow = await validateCheckpoint("/run/checkpoint-4", { storage });
    expect(shallow.ok).toBe(true);
    expect(shallow.checkpoint?.name).toBe("checkpoint-4");
    const deep = await validateCheckpoint("/run/checkpoint-4", { storage, deep: true });
    expect(deep.problems.filter((p) => p.severity === "error")).toEqual([]);
    expect(deep.checked.map((c) => c.kind).sort()).toContain("index");
    expect(deep.checked.filter((c) => c.kind === "torch-zip").length).toBe(4);
  });

  it("deep mode catches a corrupted optimizer.pt that shallow mode cannot", async () => {
    const storage = setup("corrupt-zip");
    expect((await validateCheckpoint("/run/checkpoint-4", { storage })).ok).toBe(true);
    const deep = await validateCheckpoint("/run/checkpoint-4", { storage, deep: true });
    expect(deep.ok).toBe(false);
    expect(deep.problems.map((p) => p.code)).toContain("ZIP_CRC_MISMATCH");
  });

  it("checks weight_map ↔ shard headers ↔ total_size", async () => {
    const storage = setup();
    const idx = JSON.parse(await storage.readText("/run/checkpoint-4/model.safetensors.index.json"));
    idx.weight_map["model.extra.weight"] = "model-00002-of-00002.safetensors";
    idx.metadata.total_size += 1;
    await storage.write!("/run/checkpoint-4/model.safetensors.index.json", JSON.stringify(idx));
    const deep = await validateCheckpoint("/run/checkpoint-4", { storage, deep: true });
    const msgs = deep.problems.filter((p) => p.code === "INDEX_MISMATCH").map((p) => p.message);
    expect(
      msgs.some((m) => m.includes('"model.extra.weight" is mapped to model-00002-of-00002.safetensors')),
    ).toBe(true);
  });

  it("deep mode checks metadata files against their schemas", async () => {
    const storage = setup();
    await storage.write!("/run/checkpoint-4/adapter_config.json", '{"r": "four"}');
    const deep = await validateCheckpoint("/run/checkpoint-4", { storage, deep: true });
    const bad = deep.problems.find((p) => p.code === "METADATA_INVALID");
    expect(bad?.message).toContain("/run/checkpoint-4/adapter_config.json: r:");
    expect(deep.checked.find((c) => c.file.endsWith("trainer_state.json"))).toMatchObject({
      kind: "metadata",
      ok: true,
    });
  });

  it("reports a missing shard and a truncated shard", async () => {
    const missing = await validateCheckpoint("/run/checkpoint-4", { storage: setup("missing-shard") });
    expect(missing.problems.map((p) => p.code)).toContain("SHARD_MISSING");
    const trunc = await validateCheckpoint("/run/checkpoint-4", { storage: setup("truncated-safetensors") });
    expect(trunc.problems.map((p) => p.code)).toContain("SAFETENSORS_TRUNCATED");
  });

  it("writes and verifies a sha256 manifest", async () => {
    const storage = setup();
    const manifest = await writeManifest("/run/checkpoint-4", { storage });
    expect(manifest.files.map((f) => f.path)).toContain("trainer_state.json");
    expect(manifest.files.every((f) => /^[0-9a-f]{64}$/.test(f.sha256))).toBe(true);
    expect(await storage.stat(`/run/checkpoint-4/${MANIFEST_NAME}`)).not.toBeNull();
    expect((await validateCheckpoint("/run/checkpoint-4", { storage, deep: true })).ok).toBe(true);
    const bytes = new Uint8Array(await storage.read("/run/checkpoint-4/scheduler.pt"));
    bytes[bytes.length - 30] = bytes[bytes.length - 30]! ^ 1;
    await storage.write!("/run/checkpoint-4/scheduler.pt", bytes);
    await storage.write!("/run/checkpoint-4/extra.txt", "x");
    await storage.remove("/run/checkpoint-4/training_args.bin");
    const codes = (await validateCheckpoint("/run/checkpoint-4", { storage, deep: true })).problems.map(
      (p) => p.code,
    );
    expect(codes).toEqual(
      expect.arrayContaining(["MANIFEST_HASH_MISMATCH", "MANIFEST_EXTRA_FILE", "MANIFEST_FILE_MISSING"]),
    );
  });

  it("validates a single Lightning .ckpt file and unknown paths", async () => {
    const { files } = fixtureFiles("lightning", {}, "/l");
    const storage = createMemoryStorage(Object.fromEntries(files));
    const rep = await validateCheckpoint("/l/lightning_logs/version_0/checkpoints/epoch=1-step=12.ckpt", {
      storage,
      deep: true,
    });
    expect(rep.ok).toBe(true);
    expect(rep.checked).toEqual([
      { file: "/l/lightning_logs/version_0/checkpoints/epoch=1-step=12.ckpt", kind: "layout", ok: true },
      { file: "/l/lightning_logs/version_0/checkpoints/epoch=1-step=12.ckpt", kind: "torch-zip", ok: true },
    ]);
    await expect(validateCheckpoint("/nope", { storage })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("deep mode checks the byte ranges of a DCP .metadata (dcp kind)", async () => {
    const { files } = fixtureFiles("dcp", {}, "/d");
    const storage = createMemoryStorage(Object.fromEntries(files));
    const good = await validateCheckpoint("/d/step-7", { storage, deep: true });
    expect(good.ok).toBe(true);
    expect(good.checked).toContainEqual({ file: "/d/step-7/.metadata", kind: "dcp", ok: true });
    const data = files.get("/d/step-7/__0_0.distcp") as Uint8Array;
    await storage.write!("/d/step-7/__0_0.distcp", data.subarray(0, 128));
    const bad = await validateCheckpoint("/d/step-7", { storage, deep: true, checkpoint: good.checkpoint! });
    expect(bad.checked).toContainEqual({ file: "/d/step-7/.metadata", kind: "dcp", ok: false });
    expect(bad.problems.map((p) => p.code)).toContain("DCP_DATA_TRUNCATED");
  });
});
