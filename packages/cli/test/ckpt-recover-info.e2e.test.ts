import { rmSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ExampleRun, writeExampleRuns } from "@rlops/run/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as z from "zod";
import { type RecoverInfo, recoverInfoSchema } from "../src/commands/ckpt-recover-info.js";
import { rlops } from "./helpers.js";

let tmp: string;
let runs: ExampleRun[];

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "rlops-recover-info-"));
  runs = await writeExampleRuns(join(tmp, "example"));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const listingSchema = z.object({
  layout: z.string(),
  checkpoints: z.array(z.object({ name: z.string() })),
  recoverInfo: z.array(recoverInfoSchema),
});

function recoverInfo(dir: string) {
  const result = rlops(["ckpt", "list", dir, "--recover-info", "--json"]);
  expect(result.status, result.stderr).toBe(0);
  return listingSchema.parse(JSON.parse(result.stdout));
}

describe("rlops ckpt list --recover-info", () => {
  it("on every layout of the bundled example: one entry per checkpoint; only AReaL's recover slot has one", () => {
    expect(runs.length).toBe(8);
    for (const run of runs) {
      const listing = recoverInfo(run.dir);
      expect(
        listing.recoverInfo.map((r) => r.checkpoint),
        run.name,
      ).toEqual(listing.checkpoints.map((c) => c.name));
      const present = listing.recoverInfo.filter((r) => r.present).map((r) => r.checkpoint);
      expect(present, run.name).toEqual(run.layout === "areal" ? ["default/recover_checkpoint"] : []);
      for (const r of listing.recoverInfo)
        if (!r.present) expect(r.reason.length, `${run.name} ${r.checkpoint}`).toBeGreaterThan(10);
      const text = rlops(["ckpt", "list", run.dir, "--recover-info"]);
      expect(text.status, `${run.name}: ${text.stderr}`).toBe(0);
      expect(text.stdout, run.name).toContain("recover info:");
      expect(text.stdout.split("\n").filter((l) => / {2}\S.*: none \(/.test(l)).length, run.name).toBe(
        listing.recoverInfo.filter((r) => !r.present).length,
      );
    }
  });

  it("AReaL: step, epoch, the saver/evaluator/checkpointer frequencies, stats logger, when it was written", () => {
    const areal = runs.find((r) => r.layout === "areal")!;
    const info = recoverInfo(areal.dir).recoverInfo.find((r) => r.present) as Extract<
      RecoverInfo,
      { present: true }
    >;
    expect(info.step).toEqual({ globalStep: 149, epoch: 1, epochStep: 49, stepsPerEpoch: 100 });
    expect(info.saver).toMatchObject({
      everyEpochs: 1,
      everySteps: 50,
      everySeconds: 3600,
      lastFiredStep: 150,
    });
    expect(info.saver!.lastFiredAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(info.evaluator).not.toBeNull();
    expect(info.checkpointer).not.toBeNull();
    expect(info.statsLogger).toEqual({ lastCommitStep: 149 });
    expect(info.dataloaderBytes).toBeGreaterThan(0);
    expect(Date.parse(info.writtenAt!)).toBeGreaterThan(0);
    expect(info.problems).toEqual([]);
    expect(info.dir).toMatch(/trial_\d+_\d+\/recover_info$/);
    const text = rlops(["ckpt", "list", areal.dir, "--recover-info"]).stdout;
    expect(text).toContain("default/recover_checkpoint: step 149 (epoch 1, epoch step 49 of 100), written ");
    expect(text).toMatch(
      /saver {9}every 1 epoch\(s\) \/ 50 steps \/ 3600 s; 150 steps counted, last fired at step 150/,
    );
    expect(text).toContain("stats logger  last commit step 149");
  });

  it("AReaL with a missing saver_info.json: the listing still prints, the recover info names the problem", () => {
    const areal = runs.find((r) => r.layout === "areal")!;
    const before = recoverInfo(areal.dir).recoverInfo.find((r) => r.present) as Extract<
      RecoverInfo,
      { present: true }
    >;
    rmSync(join(before.dir, "saver_info.json"));
    const result = rlops(["ckpt", "list", areal.dir, "--recover-info", "--json"]);
    expect(result.status).toBe(0);
    const info = listingSchema.parse(JSON.parse(result.stdout)).recoverInfo.find((r) => r.present) as Extract<
      RecoverInfo,
      { present: true }
    >;
    expect(info.saver).toBeNull();
    expect(info.problems).toEqual(["saver_info.json: missing"]);
    expect(info.step?.globalStep).toBe(149);
    const text = rlops(["ckpt", "list", areal.dir, "--recover-info"]).stdout;
    expect(text).toContain("saver         unreadable");
    expect(text).toContain("problem       saver_info.json: missing");
  });
});
