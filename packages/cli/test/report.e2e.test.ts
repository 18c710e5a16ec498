import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { loadBreakerConfig } from "@rlops/recovery";
import { loadRewardSpec } from "@rlops/rewards";
import { type Report, reportSchema } from "@rlops/run";
import { type ExampleRun, writeExampleRuns } from "@rlops/run/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const BIN = resolve(import.meta.dirname, "../dist/bin.js");

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function rlops(args: string[], env: Record<string, string> = {}, cwd?: string): Run {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    encoding: "utf8",
    cwd: cwd ?? process.cwd(),
    env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "", ...env },
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Like {@link rlops} without blocking, so independent runs overlap. */
function rlopsAsync(args: string[]): Promise<Run> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (status) => resolvePromise({ status, stdout, stderr }));
  });
}

function reportOf(run: Run): Report {
  return reportSchema.parse(JSON.parse(run.stdout));
}

let tmp: string;
let runs: Record<ExampleRun["name"], ExampleRun>;

beforeAll(async () => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`pnpm --filter @rlops/cli build\` first`);
  tmp = await mkdtemp(join(tmpdir(), "rlops-e2e-"));
  runs = Object.fromEntries((await writeExampleRuns(join(tmp, "example"))).map((r) => [r.name, r]));
});

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe("rlops report on every layout (--json)", () => {
  const results: Record<string, Run> = {};
  beforeAll(async () => {
    const names = ["arc-dapo", "areal-grpo", "staged", "tinker", "step-folders"];
    const done = await Promise.all(names.map((name) => rlopsAsync(["report", runs[name]!.dir, "--json"])));
    names.forEach((name, i) => {
      results[name] = done[i] as Run;
    });
  });

  it("ARC DAPO (hf): collapse at 138 trips at 147, half-written checkpoint-175, resume from checkpoint-125", () => {
    const run = results["arc-dapo"]!;
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const report = reportOf(run);
    expect(report.layout).toBe("hf");
    expect(report.checkpoints.items.map((c) => c.name)).toEqual([
      "checkpoint-100",
      "checkpoint-125",
      "checkpoint-150",
      "checkpoint-175",
    ]);
    const half = report.checkpoints.items.find((c) => c.name === "checkpoint-175")!;
    expect(half.complete).toBe(false);
    expect(half.problems.length).toBeGreaterThan(0);
    expect(report.checkpoints.latestResumable).toBe("checkpoint-150");
    expect(report.metrics.rewardMetric).toBe("reward");
    expect(report.metrics.firstStep).toBe(1);
    expect(report.metrics.lastStep).toBe(175);
    expect(report.metrics.sources.map((s) => s.kind).sort()).toEqual([
      "jsonl",
      "response_logs",
      "trainer_state",
    ]);
    expect(report.breaker.status).toBe("tripped");
    expect(report.breaker.trip).toMatchObject({
      action: "rollback",
      rule: "reward-collapse",
      step: 147,
      firstBadStep: 138,
    });
    expect(report.arc?.totals.steps).toBe(175);
    expect(report.arc?.totals.candidates).toBe(1400);
    expect(report.arc?.totals.perfectProblems).toEqual(["3c9b0459", "6150a2bd"]);
    // After the collapse no candidate has a final answer.
    expect(report.arc?.steps.filter((s) => s.step >= 138).every((s) => s.withGrid === 0)).toBe(true);
    expect(report.nextAction.kind).toBe("resume");
    expect(report.nextAction.checkpoint).toBe("checkpoint-125");
    expect(report.nextAction.command).toContain("138");
    expect(report.disk.checkpointBytes).toBeGreaterThan(0);
  });

  it("--fail-on-trip turns the rollback into exit code 4", () => {
    const run = rlops(["report", runs["arc-dapo"]!.dir, "--json", "--fail-on-trip"]);
    expect(run.status).toBe(4);
    expect(reportOf(run).breaker.trip?.action).toBe("rollback");
  });

  it("AReaL: task reward zero from step 178 trips at 187; resume from recover_checkpoint (step 149) with recover.mode=auto", () => {
    const run = results["areal-grpo"]!;
    expect(run.status).toBe(0);
    const report = reportOf(run);
    expect(report.layout).toBe("areal");
    expect(report.metrics.rewardMetric).toBe("grpo_actor/task_reward/avg");
    expect(report.breaker.trip).toMatchObject({ rule: "reward-collapse", step: 187, firstBadStep: 178 });
    expect(report.checkpoints.items.some((c) => c.name.endsWith("epoch1epochstep49globalstep149"))).toBe(
      true,
    );
    expect(report.nextAction).toMatchObject({ kind: "resume", checkpoint: "default/recover_checkpoint" });
    expect(report.nextAction.command).toMatch(/178/);
    expect(report.nextAction.resume?.argv).toContain("recover.mode=auto");
  });

  it("staged: stages, best and final; the run finished", () => {
    const run = results.staged!;
    expect(run.status).toBe(0);
    const report = reportOf(run);
    expect(report.layout).toBe("staged");
    expect(report.checkpoints.items.map((c) => c.name)).toEqual(
      expect.arrayContaining(["stage_1", "stage_5", "best", "final"].map((n) => expect.stringContaining(n))),
    );
    expect(report.checkpoints.best).toMatch(/best/);
    expect(report.checkpoints.final).toMatch(/final/);
    expect(report.metrics.rewardMetric).toBe("generator/avg_reward");
    expect(report.metrics.steps).toBe(5);
    expect(report.breaker.trip).toBeNull();
  });

  it("tinker: remote checkpoints from checkpoints.jsonl, torn last line reported", () => {
    const run = results.tinker!;
    expect(run.status).toBe(0);
    const report = reportOf(run);
    expect(report.layout).toBe("tinker");
    expect(report.checkpoints.items.every((c) => c.location.startsWith("tinker://"))).toBe(true);
    expect(report.checkpoints.items.map((c) => c.step)).toEqual(expect.arrayContaining([0, 20, 40]));
    expect(report.metrics.rewardMetric).toBe("env/all/reward/total");
    expect(report.metrics.steps).toBe(60);
  });

  it("step folders: ARC early stop after 3 perfect problems is a goal, not a failure (exit 0 even with --fail-on-trip)", () => {
    const run = results["step-folders"]!;
    expect(run.status).toBe(0);
    const report = reportOf(run);
    expect(report.layout).toBe("step-folders");
    expect(report.arc?.totals.perfectProblems.length).toBe(3);
    expect(report.breaker.trip).toMatchObject({ action: "stop", rule: "arc-three-perfect" });
    expect(report.nextAction.kind).toBe("finish");
    expect(report.checkpoints.items.map((c) => c.name)).toEqual(
      expect.arrayContaining(["step_50", "step_100"].map((n) => expect.stringContaining(n))),
    );
  });
});

describe("rlops report on the fixture-built layouts (--json)", () => {
  const results: Record<string, Run> = {};
  beforeAll(async () => {
    const names = ["lightning", "deepspeed", "dcp"];
    const done = await Promise.all(names.map((name) => rlopsAsync(["report", runs[name]!.dir, "--json"])));
    names.forEach((name, i) => {
      results[name] = done[i] as Run;
    });
  });

  it("lightning: NaN loss at 1010 trips at once; resume from the step-800 checkpoint", () => {
    const report = reportOf(results.lightning!);
    expect(results.lightning!.status).toBe(0);
    expect(report.layout).toBe("lightning");
    expect(report.breaker.trip).toMatchObject({ rule: "loss-nonfinite", step: 1010, firstBadStep: 1010 });
    expect(report.nextAction.kind).toBe("resume");
    expect(report.nextAction.checkpoint).toMatch(/epoch=1-step=800\.ckpt$/);
    // NaN observations stay visible in the series as nulls.
    const loss = report.metrics.series.find((s) => s.name === "train_loss")!;
    expect(loss.points.find((p) => p[0] === 1010)?.[1]).toBeNull();
  });

  it("deepspeed: a loss spike from 250 trips at 252; half-written global_step300 is not resumable", () => {
    const report = reportOf(results.deepspeed!);
    expect(report.layout).toBe("deepspeed");
    expect(report.checkpoints.items.find((c) => c.name === "global_step300")?.complete).toBe(false);
    expect(report.breaker.trip).toMatchObject({ rule: "loss-spike", step: 252, firstBadStep: 250 });
    expect(report.nextAction).toMatchObject({ kind: "resume", checkpoint: "global_step200" });
  });

  it("dcp: healthy run, keep training", () => {
    const report = reportOf(results.dcp!);
    expect(report.layout).toBe("dcp");
    expect(report.breaker.status).toBe("ok");
    expect(report.nextAction.kind).toBe("continue");
    expect(report.nextAction.argv).toEqual(["rlops", "report", report.root, "--fail-on-trip"]);
  });
});

describe("rlops report: terminal output, HTML, errors", () => {
  it("prints the summary with the next action and its command; NO_COLOR means no ANSI", () => {
    const run = rlops(["report", runs["arc-dapo"]!.dir]);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("Checkpoints");
    expect(run.stdout).toContain("Next action");
    expect(run.stdout).toMatch(/\$ rlops recover|\$ \S+/);
    expect(run.stdout).not.toContain("\u001b[");
  });

  it("FORCE_COLOR=1 colours the output", () => {
    const run = rlops(["report", runs["arc-dapo"]!.dir], { NO_COLOR: "", FORCE_COLOR: "1" });
    expect(run.stdout).toContain("\u001b[");
  });

  it("--html writes one self-contained file with SVG charts", async () => {
    const out = join(tmp, "r.html");
    const run = rlops(["report", runs["arc-dapo"]!.dir, "--html", out]);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`HTML report: ${out}`);
    const html = await readFile(out, "utf8");
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect((html.match(/<svg /g) ?? []).length).toBeGreaterThanOrEqual(4);
    expect(html).not.toMatch(/<script[^>]*src=|<link[^>]*href=|https?:\/\/(?!www\.w3\.org)/);
  });

  it("with no run-dir writes the bundled example and reports on it with an HTML file", async () => {
    const cwd = join(tmp, "cwd");
    await mkdir(cwd, { recursive: true });
    const run = rlops(["report"], {}, cwd);
    expect(run.status).toBe(0);
    expect(run.stderr).toContain("bundled example written to");
    expect(run.stdout).toContain("arc-dapo");
    const htmlPath = join(cwd, ".rlops-example", "report.html");
    expect(run.stdout).toContain(`HTML report: ${htmlPath}`);
    expect(existsSync(htmlPath)).toBe(true);
  });

  it("a missing run directory is bad input: exit 2, one error line", () => {
    const run = rlops(["report", join(tmp, "nope"), "--json"]);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/^rlops: PATH_NOT_FOUND: .*nope: no such directory\n/);
  });

  it("an empty run directory is nothing found: exit 1", async () => {
    const empty = join(tmp, "empty");
    await mkdir(empty, { recursive: true });
    const run = rlops(["report", empty, "--json"]);
    expect(run.status).toBe(1);
    expect(reportOf(run).checkpoints.count).toBe(0);
  });

  it("an invalid --breaker config is bad input naming the path", async () => {
    const bad = join(tmp, "bad-breaker.yaml");
    await writeFile(
      bad,
      "version: 1\nrules:\n  - name: x\n    kind: zero\n    metric: reward\n    trigger: { consecutive: 0 }\n",
    );
    const run = rlops(["report", runs["arc-dapo"]!.dir, "--breaker", bad]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/^rlops: INVALID_CONFIG: .*rules\[0\]\.trigger/);
  });

  it("a custom --breaker config is used", async () => {
    const config = join(tmp, "breaker.yaml");
    await writeFile(
      config,
      "version: 1\nrules:\n  - name: low-reward\n    kind: below\n    metric: reward\n    threshold: 0.05\n    trigger: { consecutive: 3 }\n    action: stop\n",
    );
    const run = rlops(["report", runs["arc-dapo"]!.dir, "--breaker", config, "--json", "--fail-on-trip"]);
    expect(run.status).toBe(3);
    const report = reportOf(run);
    expect(report.breaker.config).toBe(config);
    expect(report.breaker.trip).toMatchObject({
      rule: "low-reward",
      action: "stop",
      step: 140,
      firstBadStep: 138,
    });
  });

  it("--command keeps the recovery step first; the trainer's full command resumes from the recovery folder", () => {
    const original = "torchrun --nproc_per_node=2 train.py --output_dir /data/ckpts --max_steps 500";
    const run = rlops(["report", runs["arc-dapo"]!.dir, "--json", "--command", original]);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const next = reportOf(run).nextAction;
    expect(next.resume?.complete).toBe(true);
    const dir = runs["arc-dapo"]!.dir;
    const target = `${dir}-recover-step125`;
    expect(next.argv).toEqual([
      "rlops",
      "recover",
      "setup",
      dir,
      "--before-step",
      "138",
      "--command",
      original,
    ]);
    expect(next.steps.map((s) => s.kind)).toEqual(["setup", "resume"]);
    expect(next.steps[1]!.argv.slice(0, 3)).toEqual(["torchrun", "--nproc_per_node=2", "train.py"]);
    expect(next.steps[1]!.argv).toContain(`${target}/checkpoint-125`);
    expect(next.steps[1]!.argv).not.toContain(join(dir, "checkpoint-125"));
    expect(next.steps[1]!.command).toBe(next.resume?.command);
    expect(next.resumeFrom).toBe(`${target}/checkpoint-125`);
    // recover plan and recover setup --dry-run tell the same story
    const plan = JSON.parse(
      rlops(["recover", "plan", dir, "--before-step", "138", "--command", original, "--json"]).stdout,
    );
    expect(plan.story.steps).toEqual(next.steps);
    const setup = JSON.parse(
      rlops(["recover", "setup", dir, "--before-step", "138", "--command", original, "--dry-run", "--json"])
        .stdout,
    );
    expect(setup.setup.story.steps).toEqual(next.steps);
    expect(setup.setup.resume.command).toBe(next.resume?.command);
  });

  it("an unknown option is bad input (exit 2)", () => {
    expect(rlops(["report", "--bogus"]).status).toBe(2);
  });
});

describe("rlops init", () => {
  it("writes reward-spec.yaml and breaker.yaml that validate against the schemas", async () => {
    const dir = join(tmp, "init");
    const run = rlops(["init", "--dir", dir, "--reward-metric", "grpo_actor/task_reward/avg"]);
    expect(run.status).toBe(0);
    const spec = loadRewardSpec(await readFile(join(dir, "reward-spec.yaml"), "utf8"));
    expect(spec.rewards.map((r) => r.kind)).toEqual(["arc.grid", "harmony.channels", "length.overlong"]);
    const text = await readFile(join(dir, "breaker.yaml"), "utf8");
    expect(text).toMatch(/^# /);
    const breaker = loadBreakerConfig(text);
    expect(breaker.rules[0]).toMatchObject({
      kind: "zero",
      metric: "grpo_actor/task_reward/avg",
      trigger: { consecutive: 10 },
    });
    expect(breaker.goals[0]).toMatchObject({ kind: "perfect", count: 3 });
  });

  it("refuses to overwrite without --force (exit 2), overwrites with it", () => {
    const dir = join(tmp, "init");
    const again = rlops(["init", "--dir", dir]);
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(
      /^rlops: FILE_EXISTS: .*reward-spec\.yaml already exists\nhint: pass --force/,
    );
    const forced = rlops(["init", "--dir", dir, "--force", "--json"]);
    expect(forced.status).toBe(0);
    expect(JSON.parse(forced.stdout).written).toHaveLength(2);
  });

  it("the breaker.yaml written works with rlops report --breaker", () => {
    const run = rlops([
      "report",
      runs["arc-dapo"]!.dir,
      "--breaker",
      join(tmp, "init", "breaker.yaml"),
      "--json",
    ]);
    expect(run.status).toBe(0);
    expect(reportOf(run).breaker.rules).toContain("reward-collapse");
  });
});

describe("help and version", () => {
  it("--version prints the package version", async () => {
    const pkg = JSON.parse(await readFile(resolve(import.meta.dirname, "../package.json"), "utf8")) as {
      version: string;
    };
    const run = rlops(["--version"]);
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toBe(pkg.version);
  });

  it.each([["report"], ["init"]])("rlops %s --help shows examples", (name) => {
    const run = rlops([name, "--help"]);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`Usage: rlops ${name}`);
    expect(run.stdout).toContain("Examples:");
    expect(run.stdout).toContain(`$ rlops ${name}`);
  });

  it("rlops --help lists the commands and the exit codes", () => {
    const run = rlops(["--help"]);
    expect(run.status).toBe(0);
    for (const name of ["report", "init"]) expect(run.stdout).toContain(name);
    expect(run.stdout).toContain("Exit codes:");
  });
});
