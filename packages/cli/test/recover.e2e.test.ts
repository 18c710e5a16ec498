import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeFixtureRun } from "@rlops/checkpoint-layout/fixtures";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, rlops } from "./helpers.js";

let tmp: string;
let runDir: string;

beforeAll(() => {
  if (!existsSync(BIN))
    throw new Error(
      `${BIN} is missing: run \`pnpm --filter @rlops/recovery --filter @rlops/cli build\` first`,
    );
  tmp = mkdtempSync(join(tmpdir(), "rlops-recover-e2e-"));
  runDir = writeFixtureRun(join(tmp, "grpo"), "hf", {
    steps: [50, 100, 150, 200],
    broken: "missing-optimizer",
    brokenStep: 150,
  }).runDir;
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const ORIGINAL =
  "CUDA_VISIBLE_DEVICES=5,6 torchrun --nproc_per_node=2 --master_port=29600 main_hf_trl_dapo_v2_fsdp.py --output_dir /ckpt --max_steps 300 --checkpoint_path /ckpt/checkpoint-25";

describe("rlops recover plan", () => {
  it("--before-step picks the newest valid checkpoint and prints the exact command", () => {
    const run = rlops(["recover", "plan", runDir, "--before-step", "188", "--command", ORIGINAL, "--json"]);
    expect(run.status, run.stderr).toBe(0);
    const plan = JSON.parse(run.stdout);
    expect(plan.chosen.name).toBe("checkpoint-100");
    expect(
      plan.rejected.find((r: { name: string }) => r.name === "checkpoint-150").reasons.join("; "),
    ).toContain("OPTIMIZER_MISSING");
    // the trainer resumes from the recovery folder's copy, never in place
    const target = `${runDir}-recover-step100`;
    expect(plan.resume.argv.slice(-2)).toEqual(["--checkpoint_path", `${target}/checkpoint-100`]);
    expect(plan.resume.argv).toContain(target); // --output_dir replaced
    expect(plan.story.steps[0].argv.slice(0, 6)).toEqual([
      "rlops",
      "recover",
      "setup",
      runDir,
      "--before-step",
      "188",
    ]);
    expect(plan.resume.command).toMatch(
      /^CUDA_VISIBLE_DEVICES=5,6 torchrun --nproc_per_node=2 --master_port=29600 /,
    );
  });

  it("--from takes a breaker decision (or `breaker check --json` output)", () => {
    const decision = join(tmp, "decision.json");
    writeFileSync(
      decision,
      JSON.stringify({
        verdict: {
          action: "rollback",
          rule: "c",
          step: 187,
          firstBadStep: 178,
          reason: "collapse",
          evidence: {},
        },
      }),
    );
    const run = rlops(["recover", "plan", runDir, "--from", decision]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain("chosen: checkpoint-100 (step 100) -> resumes at step 101");
    expect(run.stdout).toContain("--resume_from_checkpoint");
  });

  it("exits 1 when nothing qualifies and 2 on bad input", () => {
    const none = rlops(["recover", "plan", runDir, "--before-step", "10"]);
    expect(none.status).toBe(1);
    expect(none.stderr).toMatch(/^rlops: NO_CHECKPOINT: /);
    expect(rlops(["recover", "plan", runDir]).status).toBe(2);
    expect(rlops(["recover", "plan", runDir, "--before-step", "x"]).status).toBe(2);
    expect(rlops(["recover", "plan", runDir, "--before-step", "100", "--trainer", "nope"]).status).toBe(2);
    expect(
      rlops(["recover", "plan", runDir, "--before-step", "100", "--command", "python t.py $X"]).status,
    ).toBe(2);
  });
});

describe("rlops recover setup", () => {
  it("--dry-run touches nothing; a real run builds the folder once and refuses to overwrite it", () => {
    const before = readdirSync(tmp).sort();
    const dry = rlops(["recover", "setup", runDir, "--before-step", "188", "--dry-run"]);
    expect(dry.status, dry.stderr).toBe(0);
    expect(dry.stdout).toContain("would do:");
    expect(readdirSync(tmp).sort()).toEqual(before);
    const done = rlops(["recover", "setup", runDir, "--before-step", "188", "--json"]);
    expect(done.status, done.stderr).toBe(0);
    const out = JSON.parse(done.stdout);
    expect(out.setup.target).toBe(`${runDir}-recover-step100`);
    expect(existsSync(join(out.setup.target, "recovery-manifest.json"))).toBe(true);
    const again = rlops(["recover", "setup", runDir, "--before-step", "188"]);
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/^rlops: TARGET_EXISTS: /);
    const outside = rlops([
      "recover",
      "setup",
      runDir,
      "--before-step",
      "188",
      "--target",
      "/tmp/rlops-escape-test",
    ]);
    expect(outside.status).toBe(2);
    expect(outside.stderr).toMatch(/UNSAFE_PATH/);
  });
});
