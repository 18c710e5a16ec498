import { readFileSync } from "node:fs";
import { buildRecoveryResume, recoveryFolderOf, resumeStory } from "@rlops/recovery";
import { describe, expect, it } from "vitest";
import { decideNextAction, type NextActionResumePlan, resumeNeed } from "./next-action.js";
import { finishedBy, runEndStateOf } from "./run-state.js";
import type { Report, ReportCheckpoint } from "./schema.js";

const realState = (name: string) =>
  runEndStateOf(
    JSON.parse(
      readFileSync(
        new URL(`../test/fixtures/hf-end-states/${name}.trainer_state.json`, import.meta.url),
        "utf8",
      ),
    ),
    `checkpoint-6/trainer_state.json`,
  );

function checkpoint(
  name: string,
  step: number | null,
  extra: Partial<ReportCheckpoint> = {},
): ReportCheckpoint {
  return {
    layout: "hf",
    location: `/run/${name}`,
    name,
    step,
    role: "intermediate",
    capabilities: { resume: true, inference: true },
    complete: true,
    problems: [],
    bytes: 100,
    ...extra,
  };
}

function reportWith(parts: Partial<Omit<Report, "nextAction">>): Omit<Report, "nextAction"> {
  return {
    schemaVersion: 1,
    tool: { name: "rlops", version: "test" },
    root: "/run",
    layout: "hf",
    checkpoints: {
      items: [],
      ignored: [],
      count: 1,
      complete: 1,
      resumable: 1,
      latestResumable: null,
      best: null,
      final: null,
    },
    metrics: { sources: [], firstStep: 1, lastStep: 10, steps: 10, rewardMetric: "reward", series: [] },
    breaker: { status: "ok", config: "default", rules: [], decisions: [], trip: null },
    arc: null,
    disk: { totalBytes: 0, checkpointBytes: 0, files: 0, reclaimableBytes: 0 },
    retention: null,
    notes: [],
    ...parts,
  };
}

/** The resume plan as `planResume` gives it, built with recovery's own story functions. */
function planFor(name: string, step: number, beforeStep: number, command?: string[]): NextActionResumePlan {
  const chosen = checkpoint(name, step);
  const recovery = recoveryFolderOf("/run", chosen, "hf");
  const resume = buildRecoveryResume({ trainer: "hf", checkpoint: chosen, recovery, command });
  const story = resumeStory({
    runDir: "/run",
    checkpoint: chosen,
    recovery,
    resume,
    setupFlags: ["--before-step", String(beforeStep)],
  });
  return { checkpoint: name, story, resume };
}

const trip = {
  action: "rollback" as const,
  rule: "reward-collapse",
  step: 147,
  firstBadStep: 138,
  reason: "zero",
};
const tripped = {
  breaker: { status: "tripped" as const, config: "default", rules: [], decisions: [trip], trip },
};

describe("decideNextAction: one resume story", () => {
  it("a trip → 1) rlops recover setup, 2) the trainer from the recovery folder, never the original", () => {
    const next = decideNextAction(reportWith(tripped), { resumePlan: planFor("checkpoint-125", 125, 138) });
    expect(next).toMatchObject({ kind: "resume", checkpoint: "checkpoint-125" });
    expect(next.argv).toEqual(["rlops", "recover", "setup", "/run", "--before-step", "138"]);
    expect(next.steps.map((s) => s.kind)).toEqual(["setup", "resume"]);
    expect(next.resumeFrom).toBe("/run-recover-step125/checkpoint-125");
    expect(next.resume?.argv).toEqual([
      "--resume_from_checkpoint",
      "/run-recover-step125/checkpoint-125",
      "--output_dir",
      "/run-recover-step125",
    ]);
    // the reason names the steps in order and never sends the trainer back to /run/checkpoint-125
    expect(next.reason).toContain("resumes from its copy /run-recover-step125/checkpoint-125");
    expect(next.steps[0]!.title).toMatch(/^build the recovery folder \/run-recover-step125/);
    expect(next.steps[1]!.title).toMatch(/^resume the trainer from \/run-recover-step125\/checkpoint-125/);
    expect(next.reason).not.toContain("/run/checkpoint-125");
  });

  it("with the original command the setup step stays first; the trainer's command is step 2", () => {
    const plan = planFor("checkpoint-125", 125, 138, ["python", "train.py", "--output_dir", "/run"]);
    const next = decideNextAction(reportWith(tripped), { resumePlan: plan });
    expect(next.argv?.slice(0, 3)).toEqual(["rlops", "recover", "setup"]);
    expect(next.steps[1]!.argv).toEqual([
      "python",
      "train.py",
      "--output_dir",
      "/run-recover-step125",
      "--resume_from_checkpoint",
      "/run-recover-step125/checkpoint-125",
    ]);
  });

  it("a trip with nothing to resume from → investigate, with planResume's reason", () => {
    const next = decideNextAction(reportWith(tripped), {
      resumePlan: null,
      resumeProblem: "NO_CHECKPOINT: none",
    });
    expect(next.kind).toBe("investigate");
    expect(next.reason).toContain("NO_CHECKPOINT");
    expect(next.argv).toEqual(["rlops", "ckpt", "list", "/run", "--before-step", "138"]);
  });
});

describe("decideNextAction: real end states", () => {
  const items = [checkpoint("checkpoint-2", 2), checkpoint("checkpoint-4", 4), checkpoint("checkpoint-6", 6)];
  const base = reportWith({ checkpoints: { ...reportWith({}).checkpoints, items, count: 3 } });

  it("HF max_steps reached (real trainer_state.json) → finish with the final checkpoint, not 'Keep training'", () => {
    const endState = realState("max-steps");
    expect(finishedBy(endState)?.kind).toBe("max_steps");
    const next = decideNextAction(base, { endState });
    expect(next).toMatchObject({ kind: "finish", checkpoint: "checkpoint-6" });
    expect(next.reason).toContain("max_steps 6");
    expect(resumeNeed(base, { endState })).toBeNull();
  });

  it("HF early stop (EarlyStoppingCallback in stateful_callbacks) → finish with the best checkpoint", () => {
    const endState = realState("early-stopping");
    expect(endState).toMatchObject({
      earlyStopping: { patience: 2, counter: 2 },
      bestCheckpoint: "checkpoint-2",
    });
    const next = decideNextAction(base, { endState });
    expect(next).toMatchObject({ kind: "finish", checkpoint: "checkpoint-2" });
    expect(next.reason).toMatch(/EarlyStoppingCallback/);
    expect(next.title).not.toMatch(/Resume/);
  });

  it("should_training_stop alone (a callback) finishes; an early-stopping breaker rule finishes too", () => {
    const endState = { ...realState("max-steps")!, maxSteps: 100 };
    expect(decideNextAction(base, { endState }).kind).toBe("finish");
    const stop = { action: "stop" as const, rule: "plateau", step: 6, firstBadStep: null, reason: "no gain" };
    const next = decideNextAction(
      reportWith({
        ...base,
        breaker: { status: "tripped", config: "x", rules: [], decisions: [stop], trip: stop },
      }),
      { earlyStoppingRules: ["plateau"] },
    );
    expect(next.kind).toBe("finish");
  });

  it("a crash with a half-written newest checkpoint → resume from the newest complete one", () => {
    const broken = checkpoint("checkpoint-6", 6, {
      complete: false,
      problems: [{ code: "TRUNCATED", message: "model.safetensors is short", severity: "error" }],
    });
    const crashed = reportWith({
      checkpoints: { ...base.checkpoints, items: [items[0]!, items[1]!, broken] },
      retention: { policy: "safe", delete: [{ name: "checkpoint-2", reason: "old", bytes: 5 }] },
    });
    const need = resumeNeed(crashed, {});
    expect(need).toEqual({ beforeStep: 6, broken: "checkpoint-6" });
    const next = decideNextAction(crashed, { resumePlan: planFor("checkpoint-4", 4, 6) });
    expect(next).toMatchObject({ kind: "resume", checkpoint: "checkpoint-4" });
    expect(next.reason).toContain("checkpoint-6 is incomplete (TRUNCATED)");
    expect(next.argv).toEqual(["rlops", "recover", "setup", "/run", "--before-step", "6"]);
  });

  it("prune advice follows the run's save_total_limit and is a dry run with a how-to-apply line", () => {
    const pruning = reportWith({
      retention: { policy: "safe", delete: [{ name: "checkpoint-1", reason: "old", bytes: 5 }] },
    });
    const next = decideNextAction(pruning, { saveTotalLimit: 3 });
    expect(next).toMatchObject({ kind: "prune", checkpoint: "checkpoint-1" });
    expect(next.argv).toEqual([
      "rlops",
      "ckpt",
      "prune",
      "/run",
      "--keep-last",
      "3",
      "--keep-best",
      "--policy",
      "safe",
    ]);
    expect(next.argv).not.toContain("--apply");
    expect(next.apply).toMatch(/--apply/);
    expect(decideNextAction(pruning).argv).toContain("2");
  });

  it("a goal stop → finish; none when a final checkpoint exists; else continue", () => {
    const goal = {
      action: "stop" as const,
      rule: "arc-three-perfect",
      step: 120,
      firstBadStep: null,
      reason: "goal",
    };
    const goalReport = reportWith({
      breaker: { status: "tripped", config: "d", rules: [], decisions: [goal], trip: goal },
    });
    expect(decideNextAction(goalReport, { goalRules: ["arc-three-perfect"] }).kind).toBe("finish");
    const finished = reportWith({});
    finished.checkpoints.final = "final_checkpoint";
    expect(decideNextAction(finished)).toMatchObject({ kind: "none", command: null });
    expect(decideNextAction(reportWith({})).argv).toEqual(["rlops", "report", "/run", "--fail-on-trip"]);
  });
});
