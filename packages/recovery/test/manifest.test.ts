import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { manifestSchema as baseManifestSchema, type Manifest } from "@rlops/checkpoint-layout";
import { afterAll, describe, expect, it } from "vitest";
import { manifestSchema, readRecoveryManifest } from "../src/node.js";

const tmp = fileURLToPath(new URL("../.tmp/manifest-test", import.meta.url));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const SHA = "a".repeat(64);
const base = {
  format: "rlops.recovery.manifest",
  version: 1,
  library: "0.0.0-dev",
  sourceRun: "/runs/a",
  sourceCheckpoint: { name: "checkpoint-4", location: "/runs/a/checkpoint-4", step: 4 },
  target: "/runs/a-recover-step4",
  checkpointPath: "/runs/a-recover-step4/checkpoint-4",
  mode: "copy",
  decision: null,
  warnings: [],
  resume: { argv: ["python", "train.py"], command: "python train.py", complete: true },
};

function writeManifestFile(name: string, value: unknown): string {
  const dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "recovery-manifest.json"), JSON.stringify(value));
  return dir;
}

describe("recovery manifest", () => {
  it("is checkpoint-layout's manifest extended: the same file fields, parsed by the base schema too", async () => {
    const dir = writeManifestFile("current", {
      ...base,
      files: [{ path: "checkpoint-4/model.safetensors", size: 10, sha256: SHA }],
    });
    const manifest = await readRecoveryManifest(dir);
    const shared: Manifest = manifest;
    expect(baseManifestSchema.parse(shared).files).toEqual([
      { path: "checkpoint-4/model.safetensors", size: 10, sha256: SHA },
    ]);
    expect(Object.keys(manifestSchema.shape)).toEqual(
      expect.arrayContaining(Object.keys(baseManifestSchema.shape)),
    );
  });

  it("reads manifests written by the previous recovery (`bytes` for `size`)", async () => {
    const dir = writeManifestFile("legacy", {
      ...base,
      files: [
        { path: "checkpoint-4/model.safetensors", bytes: 10, sha256: SHA },
        { path: "checkpoint-4/trainer_state.json", bytes: 3, sha256: null },
      ],
    });
    expect((await readRecoveryManifest(dir)).files).toEqual([
      { path: "checkpoint-4/model.safetensors", size: 10, sha256: SHA },
      { path: "checkpoint-4/trainer_state.json", size: 3, sha256: null },
    ]);
  });

  it("still rejects an entry with neither size nor bytes, naming the field", async () => {
    const dir = writeManifestFile("bad", { ...base, files: [{ path: "x", sha256: null }] });
    await expect(readRecoveryManifest(dir)).rejects.toMatchObject({
      code: "VERIFY_FAILED",
      message: expect.stringContaining("files[0].size"),
    });
  });
});
