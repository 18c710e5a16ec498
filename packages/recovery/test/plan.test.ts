import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { writeFixtureRun } from "@rlops/checkpoint-layout/fixtures";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMonitor, selectResumeCheckpoint } from "../src/index.js";
import {
  LEASE_STALE_MS,
  planResume,
  readRecoveryManifest,
  type SetupStep,
  setupRecovery,
} from "../src/node.js";

const tmp = fileURLToPath(new URL("../.tmp/plan-test", import.meta.url));

function treeDigest(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        const st = statSync(p);
        out[relative(dir, p)] =
          `${createHash("sha256").update(readFileSync(p)).digest("hex")}:${st.mtimeMs}:${st.size}`;
      }
    }
  };
  walk(dir);
  return out;
}

const childBundle = join(tmp, "..", `setup-child-${process.pid}.mjs`);

beforeAll(async () => {
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  // Bundle the child once so each killed process starts in milliseconds.
  await build({
    entryPoints: [fileURLToPath(new URL("./child/setup-child.ts", import.meta.url))],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    conditions: ["@rlops/source"],
    outfile: childBundle,
    logLevel: "silent",
  });
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
  rmSync(childBundle, { force: true });
});

function hfRun(name: string) {
  return writeFixtureRun(join(tmp, name), "hf", {
    steps: [50, 100, 150, 200],
    broken: "missing-optimizer",
    brokenStep: 150,
  });
}

describe("planResume", () => {
  it("picks the newest complete, resumable checkpoint before the first bad step, with reasons", async () => {
    const run = hfRun("plan-hf");
    const plan = await planResume(run.runDir, {
      beforeStep: 188,
      command:
        "CUDA_VISIBLE_DEVICES=5,6 torchrun --nproc_per_node=2 train.py --output_dir /x --checkpoint_path /x/checkpoint-1",
    });
    expect(plan.chosen.name).toBe("checkpoint-100");
    expect(plan.nextStep).toBe(101);
    // checkpoint-layout's selector: candidates at or after the bound (200, the stepless final) are left out
    expect(plan.rejected.map((r) => r.name)).toEqual(["checkpoint-150"]);
    expect(plan.rejected[0]!.reasons.join("; ")).toContain("OPTIMIZER_MISSING");
    expect(plan.fallbacks.map((f) => f.step)).toEqual([50]);
    // the trainer resumes from the recovery folder, never in place over the post-collapse checkpoints
    const target = `${run.runDir}-recover-step100`;
    expect(plan.recovery).toEqual({ target, checkpointPath: `${target}/checkpoint-100` });
    expect(plan.resume.argv.slice(-4)).toEqual([
      "--output_dir",
      target,
      "--checkpoint_path",
      `${target}/checkpoint-100`,
    ]);
    expect(plan.story.steps.map((s) => s.kind)).toEqual(["setup", "resume"]);
    expect(plan.story.steps[0]!.argv).toEqual([
      "rlops",
      "recover",
      "setup",
      run.runDir,
      "--before-step",
      "188",
      "--command",
      "CUDA_VISIBLE_DEVICES=5,6 torchrun --nproc_per_node=2 train.py --output_dir /x --checkpoint_path /x/checkpoint-1",
    ]);
    expect(plan.story.resumeFrom).toBe(`${target}/checkpoint-100`);
    expect(plan.resume.argv.slice(0, 3)).toEqual([
      "CUDA_VISIBLE_DEVICES=5,6",
      "torchrun",
      "--nproc_per_node=2",
    ]);
  });

  it("uses a decision's first bad step and warns about retention", async () => {
    const run = hfRun("plan-decision");
    const m = createMonitor({
      rules: [{ name: "c", metric: "r", kind: "zero", trigger: { consecutive: 10 } }],
    });
    let decision = m.observe({ step: 1, metrics: { r: 1 } });
    for (let s = 160; s <= 169; s++) decision = m.observe({ step: s, metrics: { r: 0 } });
    expect(decision).toMatchObject({ action: "rollback", firstBadStep: 160 });
    const plan = await planResume(run.runDir, {
      fromDecision: JSON.parse(JSON.stringify(decision)),
      retention: { keepLast: 3 },
    });
    expect(plan.beforeStep).toBe(160);
    expect(plan.chosen.name).toBe("checkpoint-100");
    expect(plan.warnings.some((w) => w.includes("retention keeps the newest 3"))).toBe(true);
  });

  it("flags a resume that would train 0 steps (step >= max_steps in trainer_state.json)", async () => {
    const run = hfRun("plan-zero");
    const plan = await planResume(run.runDir, { beforeStep: 1000 });
    expect(plan.chosen.name).toBe("checkpoint-200");
    expect(plan.warnings.some((w) => w.includes("would train 0 steps"))).toBe(true);
  });

  it("AReaL: the recover slot, experiment and trial from the path, recover.mode=auto", async () => {
    const run = writeFixtureRun(join(tmp, "plan-areal"), "areal");
    const plan = await planResume(run.runDir, { beforeStep: 1000 });
    expect(plan.trainer).toBe("areal");
    expect(plan.chosen.role).toBe("recover");
    const step = plan.chosen.step;
    expect(plan.resume.argv).toEqual([
      "experiment_name=gsm8k-grpo",
      `trial_name=trial0-recover-step${step}`,
      "recover.mode=auto",
    ]);
    expect(plan.recovery?.checkpointPath).toMatch(/trial0-recover-step\d+\/default\/recover_checkpoint$/);
  });

  it("Tinker: resumes from the state URI", async () => {
    const run = writeFixtureRun(join(tmp, "plan-tinker"), "tinker");
    const plan = await planResume(run.runDir, { beforeStep: 30 });
    expect(plan.chosen.name).toBe("000020");
    expect(plan.resume.code).toMatch(/^training_client\.load_state\("tinker:\/\/.+\/weights\/000020"\)$/);
    await expect(setupRecovery(plan)).rejects.toThrow(/remote Tinker checkpoint/);
  });

  it("fails with NO_CHECKPOINT and every rejection when nothing qualifies", async () => {
    const run = hfRun("plan-none");
    await expect(planResume(run.runDir, { beforeStep: 50 })).rejects.toMatchObject({
      code: "NO_CHECKPOINT",
      details: { beforeStep: 50 },
    });
    expect(() =>
      selectResumeCheckpoint(
        [
          {
            layout: "hf",
            name: "a",
            location: "/a",
            step: 5,
            stepText: "5",
            role: "intermediate",
            complete: true,
            capabilities: { resume: false, inference: true },
            problems: [],
            files: [],
            bytes: null,
          },
        ],
        {
          beforeStep: 10,
        },
      ),
    ).toThrow(/no complete, resumable checkpoint before step 10/);
  });
});

describe("setupRecovery", () => {
  it("dry run touches nothing and lists the operations", async () => {
    const run = hfRun("setup-dry");
    const before = treeDigest(tmp);
    const plan = await planResume(run.runDir, {
      beforeStep: 188,
      command: "python train.py --output_dir /o",
    });
    const result = await setupRecovery(plan, { dryRun: true });
    expect(result.actions.at(-1)).toMatch(
      /^rename .*\.rlops-recovery-tmp-.* -> .*setup-dry-recover-step100$/,
    );
    expect(existsSync(result.target)).toBe(false);
    expect(treeDigest(tmp)).toEqual(before);
  });

  it("builds a verified copy with a manifest and points the command at it", async () => {
    const run = hfRun("setup-ok");
    const before = treeDigest(run.runDir);
    const plan = await planResume(run.runDir, {
      beforeStep: 188,
      command: "python train.py --output_dir /o",
    });
    const result = await setupRecovery(plan);
    expect(result.target).toBe(`${run.runDir}-recover-step100`);
    const manifest = await readRecoveryManifest(result.target);
    expect(manifest.sourceCheckpoint).toMatchObject({ name: "checkpoint-100", step: 100 });
    expect(manifest.files.length).toBeGreaterThan(3);
    for (const f of manifest.files) {
      const data = readFileSync(join(result.target, f.path));
      expect(createHash("sha256").update(data).digest("hex")).toBe(f.sha256);
    }
    expect(result.resume.argv).toEqual([
      "python",
      "train.py",
      "--output_dir",
      result.target,
      "--resume_from_checkpoint",
      join(result.target, "checkpoint-100"),
    ]);
    expect(treeDigest(run.runDir)).toEqual(before);
    await expect(setupRecovery(plan)).rejects.toMatchObject({ code: "TARGET_EXISTS" });
  });

  it("refuses targets outside the root or inside the source, and symlinks pointing outside", async () => {
    const run = hfRun("setup-unsafe");
    const plan = await planResume(run.runDir, { beforeStep: 188 });
    await expect(setupRecovery(plan, { target: "/tmp/elsewhere-recovery" })).rejects.toMatchObject({
      code: "UNSAFE_PATH",
    });
    await expect(setupRecovery(plan, { target: join(run.runDir, "recovered") })).rejects.toMatchObject({
      code: "UNSAFE_PATH",
    });
    await expect(setupRecovery(plan, { target: join(tmp, "..", "..", "escape") })).rejects.toMatchObject({
      code: "UNSAFE_PATH",
    });
    writeFileSync(join(tmp, "secret.txt"), "outside");
    symlinkSync(join(tmp, "secret.txt"), join(run.runDir, "checkpoint-100", "leak.bin"));
    await expect(setupRecovery(plan)).rejects.toMatchObject({
      code: "UNSAFE_PATH",
      message: /points outside the run/,
    });
    expect(existsSync(`${run.runDir}-recover-step100`)).toBe(false);
  });

  it("AReaL: builds a new trial with recover_checkpoint and recover_info", async () => {
    const run = writeFixtureRun(join(tmp, "setup-areal"), "areal");
    const plan = await planResume(run.runDir, { beforeStep: 1000 });
    const result = await setupRecovery(plan);
    expect(result.target).toMatch(/trial0-recover-step\d+$/);
    expect(existsSync(join(result.target, "default", "recover_checkpoint"))).toBe(true);
    expect(existsSync(join(result.target, "recover_info", "step_info.json"))).toBe(true);
    expect(result.resume.argv).toContain(`trial_name=${result.target.split("/").at(-1)}`);
  });
});

describe("setupRecovery fault injection (kill -9 between steps)", () => {
  const steps: [SetupStep, number][] = [
    ["preflight", 1],
    ["temp-created", 1],
    ["file-copied", 1],
    ["file-copied", 3],
    ["copied", 1],
    ["verified", 1],
    ["manifest-written", 1],
    ["renamed", 1],
  ];
  it.each(steps)(
    "killed after %s #%i: old state or complete new state, source unchanged",
    async (step, nth) => {
      const run = hfRun(`fault-${step}-${nth}`);
      const plan = await planResume(run.runDir, { beforeStep: 188 });
      const planFile = join(tmp, `plan-${step}-${nth}.json`);
      writeFileSync(planFile, JSON.stringify(plan));
      const before = treeDigest(run.runDir);
      const child = spawnSync(process.execPath, [childBundle, planFile, step, String(nth)], {
        encoding: "utf8",
      });
      expect(child.signal, child.stderr).toBe("SIGKILL");
      expect(treeDigest(run.runDir)).toEqual(before);
      const target = `${run.runDir}-recover-step100`;
      // the killed setup's lease is fresh: a new setup leaves its temporary folder alone …
      const leftovers = () => readdirSync(tmp).filter((n) => n.includes(".rlops-recovery-tmp-"));
      const left = leftovers();
      expect(left.length).toBe(step === "preflight" || step === "renamed" ? 0 : 2); // folder + lease
      // … until the lease is older than the stale bound (no heartbeat: its process is gone)
      const old = new Date(Date.now() - LEASE_STALE_MS - 60_000);
      for (const name of left) utimesSync(join(tmp, name), old, old);
      if (step === "renamed") {
        const manifest = await readRecoveryManifest(target);
        expect(manifest.files.length).toBeGreaterThan(0);
        await expect(setupRecovery(plan)).rejects.toMatchObject({ code: "TARGET_EXISTS" });
      } else {
        expect(existsSync(target)).toBe(false);
        const result = await setupRecovery(plan);
        expect(result.cleaned.length).toBe(step === "preflight" ? 0 : 1);
        expect(result.story.steps[0]).toMatchObject({ kind: "setup", done: true });
        expect((await readRecoveryManifest(target)).sourceCheckpoint.step).toBe(100);
      }
      expect(readdirSync(tmp).filter((n) => n.includes(".rlops-recovery-tmp-"))).toEqual([]);
      expect(treeDigest(run.runDir)).toEqual(before);
    },
  );
});

describe("selectResumeCheckpoint (checkpoint-layout's selector)", () => {
  const ckpt = (step: number | null, resume: boolean, inference = true) => ({
    layout: "hf" as const,
    name: step === null ? "final" : `checkpoint-${step}`,
    location: step === null ? "/run/final" : `/run/checkpoint-${step}`,
    step,
    stepText: step === null ? null : String(step),
    role: "intermediate" as const,
    complete: true,
    capabilities: { resume, inference },
    problems: [],
    files: [],
    bytes: null,
  });
  const listing = [ckpt(null, true), ckpt(40, true), ckpt(30, false), ckpt(20, true), ckpt(10, false)];

  it("the newest resumable one below the bound, newer ones rejected with reasons, older ones as fallbacks", () => {
    const s = selectResumeCheckpoint(listing, { beforeStep: 40 });
    expect(s.chosen.name).toBe("checkpoint-20");
    expect(s.rejected).toStrictEqual([
      {
        name: "checkpoint-30",
        location: "/run/checkpoint-30",
        step: 30,
        reasons: ["NOT_RESUMABLE: holds no resumable training state (weights only)"],
      },
    ]);
    expect(s.fallbacks).toStrictEqual([]);
    expect(selectResumeCheckpoint(listing, { beforeStep: 41 }).fallbacks.map((f) => f.step)).toStrictEqual([
      20,
    ]);
  });

  it("weights only when allowed and nothing resumable qualifies (warned); the newest usable fallbacks", () => {
    const s = selectResumeCheckpoint(listing, { beforeStep: 20, allowWeightsOnly: true });
    expect(s.chosen.name).toBe("checkpoint-10");
    expect(s.rejected).toStrictEqual([]);
    expect(s.warnings.some((w) => w.includes("holds weights only"))).toBe(true);
    expect(
      selectResumeCheckpoint(listing, { beforeStep: 41, allowWeightsOnly: true }).fallbacks,
    ).toStrictEqual([
      { name: "checkpoint-30", location: "/run/checkpoint-30", step: 30 },
      { name: "checkpoint-20", location: "/run/checkpoint-20", step: 20 },
      { name: "checkpoint-10", location: "/run/checkpoint-10", step: 10 },
    ]);
    expect(() => selectResumeCheckpoint(listing, { beforeStep: 20 })).toThrow(
      /no complete, resumable checkpoint before step 20 \(1 rejected\)/,
    );
  });

  it("warns about checkpoints skipped inside the decision's bad window", () => {
    const decision = { action: "rollback", rule: "r", step: 45, firstBadStep: 30, reason: "x", evidence: {} };
    const s = selectResumeCheckpoint(listing, { fromDecision: decision });
    expect(s.beforeStep).toBe(30);
    expect(s.chosen.name).toBe("checkpoint-20");
    expect(s.warnings).toContain("2 checkpoint(s) inside the bad window 30..45 were skipped");
  });
});
