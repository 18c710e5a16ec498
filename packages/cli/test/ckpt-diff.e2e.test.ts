import { readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ExampleRun, writeExampleRuns } from "@rlops/run/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CkptDiff, ckptDiffSchema } from "../src/commands/ckpt-diff-model.js";
import { rlops } from "./helpers.js";

let tmp: string;
let runs: ExampleRun[];
const run = (name: string) => runs.find((r) => r.name === name)!;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "rlops-diff-"));
  runs = await writeExampleRuns(join(tmp, "example"));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

function diff(args: string[]): CkptDiff {
  const result = rlops(["ckpt", "diff", ...args, "--json"]);
  expect(result.status, result.stderr).toBe(0);
  return ckptDiffSchema.parse(JSON.parse(result.stdout));
}

interface Listed {
  checkpoints: { name: string; step: number | null }[];
}

describe("rlops ckpt diff", () => {
  it("on every layout of the bundled example: the oldest and newest stepped checkpoints, --json and text", () => {
    expect(runs.length).toBe(8);
    for (const r of runs) {
      const listing = JSON.parse(rlops(["ckpt", "list", r.dir, "--json"]).stdout) as Listed;
      const stepped = listing.checkpoints.filter((c) => c.step !== null);
      const [a, b] = [stepped[0]!, stepped[stepped.length - 1]!];
      const d = diff(["--run", r.dir, a.name, b.name]);
      expect(d.a.layout, r.name).toBe(r.layout);
      expect(d.a.name, r.name).toBe(a.name);
      expect(d.b.name, r.name).toBe(b.name);
      expect(d.stepDelta, r.name).toBe(b.step! - a.step!);
      expect(d.files.listed, r.name).toBe(r.layout !== "tinker");
      const text = rlops(["ckpt", "diff", "--run", r.dir, a.name, b.name]);
      expect(text.status, `${r.name}: ${text.stderr}`).toBe(0);
      expect(text.stdout, r.name).toContain(`A  ${a.name}  (${r.layout}, step ${a.step}`);
      expect(text.stdout, r.name).toContain(`step +${b.step! - a.step!}`);
    }
  });

  it("hf: checkpoint paths, trainer_state metrics side by side, the broken one's missing files", () => {
    const dir = run("arc-dapo").dir;
    const d = diff([join(dir, "checkpoint-100"), join(dir, "checkpoint-175")]);
    expect(d.a.complete).toBe(true);
    expect(d.b.complete).toBe(false);
    expect(d.b.problems).toContain("TRAINER_STATE_MISSING");
    expect(d.files.removed.map((f) => f.path)).toContain("trainer_state.json");
    expect(d.metricSources.a).toMatch(/trainer_state\.json/);
    const reward = d.metrics.find((m) => m.key === "reward")!;
    expect(reward.a).toBeTypeOf("number");
    expect(reward.b).toBeNull();
    const both = diff([join(dir, "checkpoint-100"), join(dir, "checkpoint-150")]);
    const loss = both.metrics.find((m) => m.key === "loss")!;
    expect(loss.delta).toBeCloseTo(loss.b! - loss.a!, 12);
  });

  it("staged: metrics.json side by side, changed content of equal size found by sha256", () => {
    const d = diff(["--run", run("staged").dir, "stage_1", "stage_5"]);
    expect(d.metricSources).toEqual({ a: "metrics.json", b: "metrics.json" });
    const reward = d.metrics.find((m) => m.key === "generator.avg_reward")!;
    expect([reward.a, reward.b]).toEqual([0.31, 0.58]);
    const metrics = d.files.changed.find((f) => f.path === "metrics.json");
    expect(metrics).toBeDefined();
    expect(metrics!.by).toBe(metrics!.a.size === metrics!.b.size ? "sha256" : "size");
  });

  it("tinker: by step, with the record's metrics and both URIs", () => {
    const d = diff(["--run", run("tinker").dir, "20", "40"]);
    expect([d.a.name, d.b.name]).toEqual(["000020", "000040"]);
    expect(d.metrics.find((m) => m.key === "batch")).toEqual({ key: "batch", a: 20, b: 40, delta: 20 });
    const state = d.metadata.find((m) => m.key === "uri.state")!;
    expect(state.a).toMatch(/^tinker:.*weights\/000020$/);
    expect(state.b).toMatch(/^tinker:.*weights\/000040$/);
  });

  it("lightning: the .ckpt's global step; an ambiguous step is refused with the names", () => {
    const dir = run("lightning").dir;
    const d = diff(["--run", dir, "400", "800"]);
    expect(d.metrics.find((m) => m.key === "global_step")).toMatchObject({ a: 400, b: 800 });
    expect(d.metadata.some((m) => m.key === "lightning_version")).toBe(true);
    const ambiguous = rlops(["ckpt", "diff", "--run", dir, "400", "1200"]);
    expect(ambiguous.status).toBe(2);
    expect(ambiguous.stderr).toMatch(/^rlops: BAD_ARGUMENT: .*2 checkpoints at step 1200: .*last\.ckpt/);
    const missing = rlops(["ckpt", "diff", "--run", dir, "400", "999"]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/^rlops: NO_CHECKPOINT: /);
  });

  it("config keys and manifests: an edited adapter_config.json, compared by the manifests' sha256", () => {
    const dir = run("arc-dapo").dir;
    const [a, b] = [join(dir, "checkpoint-100"), join(dir, "checkpoint-125")];
    const config = join(b, "adapter_config.json");
    const adapter = JSON.parse(readFileSync(config, "utf8")) as Record<string, unknown>;
    writeFileSync(config, JSON.stringify({ ...adapter, r: 999, lora_dropout_new: 0.1 }));
    for (const p of [a, b]) expect(rlops(["ckpt", "validate", p, "--write-manifest"]).status).toBe(0);
    const d = diff([a, b]);
    expect(d.a.manifest && d.b.manifest).toBe(true);
    expect(d.files.compared).toBe("sha256");
    const cfg = d.configs.find((c) => c.file === "adapter_config.json")!;
    expect(cfg.changed).toContainEqual({ key: "r", a: adapter.r, b: 999 });
    expect(cfg.added).toEqual([{ key: "lora_dropout_new", value: 0.1 }]);
    expect(d.files.changed.map((f) => f.path)).toContain("adapter_config.json");
    const text = rlops(["ckpt", "diff", a, b]).stdout;
    expect(text).toContain(`~ r: ${JSON.stringify(adapter.r)} → 999`);
    expect(text).toContain("compared by sha256 (manifests)");
  });
});
