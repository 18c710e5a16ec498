import { mkdtempSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeFixtureRun } from "../src/fixtures.js";
import {
  applyRetention,
  createNodeStorage,
  detectLayout,
  latestCheckpoint,
  listCheckpoints,
  planRetention,
  validateCheckpoint,
  writeManifest,
} from "../src/node.js";

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "rlops-ckpt-node-"));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("@rlops/checkpoint-layout/node on the local file system", () => {
  it("writeFixtureRun + listCheckpoints/latestCheckpoint with the default storage", async () => {
    const dir = join(tmp, "hf");
    const run = writeFixtureRun(dir, "hf", {
      steps: [10, 20, 30],
      broken: "truncated-safetensors",
      sharded: true,
    });
    expect(run.checkpoints).toEqual(["checkpoint-10", "checkpoint-20", "checkpoint-30", "final_checkpoint"]);
    expect(run.broken).toEqual([{ case: "truncated-safetensors", target: "checkpoint-30" }]);
    expect((await detectLayout(dir)).layout).toBe("hf");
    const listing = await listCheckpoints(dir);
    expect(listing.checkpoints.map((c) => c.complete)).toEqual([true, true, false, true]);
    expect(listing.checkpoints[0]!.bytes).toBeGreaterThan(1000);
    expect(listing.checkpoints[0]!.mtimeMs).toBeGreaterThan(0);
    const latest = await latestCheckpoint(dir);
    expect(latest.location).toBe(join(dir, "checkpoint-20"));
    expect(latest.rejected.map((r) => r.name)).toEqual(["final_checkpoint", "checkpoint-30"]);
  });

  it("follows symlinks (Lightning save_last='link') and validates deeply", async () => {
    const dir = join(tmp, "lightning");
    writeFixtureRun(dir, "lightning");
    const ckpts = join(dir, "lightning_logs", "version_0", "checkpoints");
    rmSync(join(ckpts, "last.ckpt"));
    symlinkSync(join(ckpts, "epoch=1-step=12.ckpt"), join(ckpts, "last.ckpt"));
    const listing = await listCheckpoints(dir);
    const last = listing.checkpoints.find((c) => c.name.endsWith("last.ckpt"))!;
    expect(last.complete).toBe(true);
    const report = await validateCheckpoint(join(ckpts, "last.ckpt"), { deep: true });
    expect(report.ok).toBe(true);
  });

  it("manifest write/verify and retention apply on disk", async () => {
    const dir = join(tmp, "prune");
    writeFixtureRun(dir, "hf", { steps: [1, 2, 3, 4], final: false });
    const manifest = await writeManifest(join(dir, "checkpoint-4"));
    expect(manifest.files.length).toBeGreaterThan(5);
    expect((await validateCheckpoint(join(dir, "checkpoint-4"), { deep: true })).ok).toBe(true);
    const listing = await listCheckpoints(dir, { storage: createNodeStorage() });
    const plan = planRetention(listing.checkpoints, { kind: "hf", saveTotalLimit: 2, ordering: "numeric" });
    expect(plan.delete.every((d) => typeof d.mtimeMs === "number")).toBe(true);
    const result = await applyRetention(plan);
    expect(result.deleted).toEqual([join(dir, "checkpoint-1"), join(dir, "checkpoint-2")]);
    expect(readdirSync(dir).sort()).toEqual(["checkpoint-3", "checkpoint-4"]);
  });

  it("maps file-system errors to typed errors", async () => {
    await expect(listCheckpoints(join(tmp, "missing"))).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(createNodeStorage().readText(join(tmp, "missing.txt"))).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    await expect(createNodeStorage().list(join(tmp, "missing"))).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});
