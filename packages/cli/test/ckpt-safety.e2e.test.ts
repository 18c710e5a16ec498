import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeFixtureRun } from "@rlops/checkpoint-layout/fixtures";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, rlops } from "./helpers.js";

let tmp: string;
const dir = (name: string) => join(tmp, name);
/** The bundled-example shape: checkpoints 100…175, the newest half-written, best 125. */
const example = (name: string) =>
  writeFixtureRun(dir(name), "hf", { steps: [100, 125, 150, 175], broken: "half-written", bestStep: 125 });
const ls = (name: string) => readdirSync(dir(name)).sort();

beforeAll(() => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`pnpm build\` first`);
  tmp = mkdtempSync(join(tmpdir(), "rlops-ckpt-safety-"));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("rlops ckpt prune never leaves the run without a resumable checkpoint (issue 16.2)", () => {
  it("--policy hf --keep-last 1 --apply keeps the newest complete one and says HF would delete it", () => {
    example("hf1");
    const run = rlops(["ckpt", "prune", dir("hf1"), "--policy", "hf", "--keep-last", "1", "--apply"]);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("transformers would delete checkpoint-150");
    expect(ls("hf1")).toEqual(["checkpoint-125", "checkpoint-150", "checkpoint-175", "final_checkpoint"]);
    const latest = rlops(["ckpt", "latest", dir("hf1")]);
    expect(latest.status).toBe(0);
    expect(latest.stdout.trim()).toBe(join(dir("hf1"), "checkpoint-150"));
  });

  it("--policy hf protects trainer_state's best_model_checkpoint without --keep-best (issue 14)", () => {
    writeFixtureRun(dir("best"), "hf", { steps: [100, 200, 300, 400, 500], bestStep: 200 });
    const plan = JSON.parse(
      rlops([
        "ckpt",
        "prune",
        dir("best"),
        "--policy",
        "hf",
        "--keep-last",
        "2",
        "--ordering",
        "numeric",
        "--json",
      ]).stdout,
    );
    expect(plan.delete.map((d: { name: string }) => d.name)).toEqual([
      "checkpoint-100",
      "checkpoint-300",
      "checkpoint-400",
    ]);
    expect(plan.policy.bestModelCheckpoint).toBe(join(dir("best"), "checkpoint-200"));
  });

  it("--keep-last counts complete checkpoints; --protect keeps a rollback target", () => {
    example("safe");
    const plan = JSON.parse(
      rlops(["ckpt", "prune", dir("safe"), "--keep-last", "1", "--protect", "checkpoint-100", "--json"])
        .stdout,
    );
    const keep = Object.fromEntries(
      plan.keep.map((k: { name: string; reason: string }) => [k.name, k.reason]),
    );
    expect(keep["checkpoint-150"]).toBe("newest resumable checkpoint");
    expect(keep["checkpoint-100"]).toBe("protected with --protect");
    expect(keep["checkpoint-125"]).toBe("best checkpoint");
    expect(plan.delete).toEqual([]);
  });

  it("the dry run says how to apply exactly that plan, and keep-last 0 is worded plainly", () => {
    writeFixtureRun(dir("zero"), "hf", { steps: [1, 2, 3] });
    const run = rlops(["ckpt", "prune", dir("zero"), "--keep-last", "0"]);
    expect(run.status).toBe(0);
    expect(run.stdout).not.toContain("0 newest");
    expect(run.stdout).toContain("keep-last is 0, so no checkpoint is kept for recency");
    expect(run.stdout).toContain("dry run: 2 to delete, nothing deleted.");
    expect(run.stdout).toContain(
      `to delete exactly these: rlops ckpt prune ${dir("zero")} --keep-last 0 --json > plan.json && rlops ckpt prune ${dir("zero")} --apply --plan plan.json`,
    );
    expect(ls("zero")).toContain("checkpoint-1");
  });
});

describe("rlops ckpt prune --apply --plan (issue 16.2)", () => {
  it("applies exactly the given plan; a checkpoint that appeared since is left alone", () => {
    writeFixtureRun(dir("plan"), "hf", { steps: [1, 2, 3, 4] });
    const planFile = join(tmp, "plan.json");
    writeFileSync(planFile, rlops(["ckpt", "prune", dir("plan"), "--keep-last", "2", "--json"]).stdout);
    // a trainer saves checkpoint-5 between the dry run and the apply
    writeFixtureRun(join(tmp, "plan-next"), "hf", { steps: [5], final: false });
    mkdirSync(join(dir("plan"), "checkpoint-5"));
    for (const f of readdirSync(join(tmp, "plan-next", "checkpoint-5")))
      writeFileSync(join(dir("plan"), "checkpoint-5", f), "x");
    const run = rlops(["ckpt", "prune", dir("plan"), "--apply", "--plan", planFile]);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`deleted ${join(dir("plan"), "checkpoint-1")}`);
    expect(run.stdout).toContain(`deleted ${join(dir("plan"), "checkpoint-2")}`);
    expect(ls("plan")).toEqual(["checkpoint-3", "checkpoint-4", "checkpoint-5", "final_checkpoint"]);
  });

  it("refuses with PLAN_CHANGED (exit 2) when a planned deletion changed, deleting nothing", () => {
    writeFixtureRun(dir("changed"), "hf", { steps: [1, 2, 3, 4] });
    const planFile = join(tmp, "changed.json");
    writeFileSync(planFile, rlops(["ckpt", "prune", dir("changed"), "--keep-last", "2", "--json"]).stdout);
    rmSync(join(dir("changed"), "checkpoint-4", "optimizer.pt"));
    const run = rlops(["ckpt", "prune", dir("changed"), "--apply", "--plan", planFile]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/^rlops: PLAN_CHANGED: .*checkpoint-2: planned for deletion, now kept/);
    expect(run.stderr).toContain("hint: run the dry run again");
    expect(ls("changed")).toEqual([
      "checkpoint-1",
      "checkpoint-2",
      "checkpoint-3",
      "checkpoint-4",
      "final_checkpoint",
    ]);
  });

  it("--plan needs --apply, and a file that is not a plan is BAD_FLAG", () => {
    writeFileSync(join(tmp, "junk.json"), '{"hello": 1}');
    expect(rlops(["ckpt", "prune", tmp, "--plan", join(tmp, "junk.json")]).status).toBe(2);
    const bad = rlops(["ckpt", "prune", tmp, "--apply", "--plan", join(tmp, "junk.json")]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^rlops: BAD_FLAG: --plan .*not a prune plan/);
  });
});

describe("rlops ckpt validate <run-dir> (issue 13)", () => {
  it("validates every checkpoint of the run; exit 1 when one is broken", () => {
    writeFixtureRun(dir("val"), "hf", { steps: [2, 4, 6], broken: "missing-optimizer" });
    const run = rlops(["ckpt", "validate", dir("val")]);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain(
      `invalid hf run at ${dir("val")}: validated 4 checkpoint(s), 3 ok, 1 with errors`,
    );
    expect(run.stdout).toContain("invalid checkpoint-6: OPTIMIZER_MISSING");
    const json = JSON.parse(rlops(["ckpt", "validate", dir("val"), "--json"]).stdout);
    expect(json.ok).toBe(false);
    expect(json.invalid).toEqual(["checkpoint-6"]);
    for (const r of json.checkpoints) expect(r.checked.length).toBeGreaterThan(0);
  });

  it("a healthy run is ok (exit 0) and every report says what it checked", () => {
    writeFixtureRun(dir("val-ok"), "hf", { steps: [2, 4] });
    const run = rlops(["ckpt", "validate", dir("val-ok"), "--deep", "--json"]);
    expect(run.status).toBe(0);
    const json = JSON.parse(run.stdout);
    expect(json.ok).toBe(true);
    expect(json.checkpoints).toHaveLength(3);
    for (const r of json.checkpoints) {
      const kinds = r.checked.map((c: { kind: string }) => c.kind);
      expect(kinds[0]).toBe("layout");
      if (r.checkpoint.role === "intermediate")
        expect(kinds).toEqual(expect.arrayContaining(["safetensors", "torch-zip"]));
    }
  });
});

describe("rlops ckpt latest --json (issue 14)", () => {
  it("fills bytes of the chosen checkpoint", () => {
    writeFixtureRun(dir("bytes"), "hf", { steps: [2, 4] });
    const out = JSON.parse(rlops(["ckpt", "latest", dir("bytes"), "--json"]).stdout);
    expect(out.checkpoint.name).toBe("checkpoint-4");
    expect(typeof out.checkpoint.bytes).toBe("number");
    expect(out.checkpoint.bytes).toBeGreaterThan(0);
  });
});
