// Issue 13/14/12 cases for where metrics come from and what the breaker says about them, against
// the built binary.
import { spawn } from "node:child_process";
import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, rlops } from "./helpers.js";

const DATA = resolve(import.meta.dirname, "../../recovery/test-data");
let tmp: string;
let typo: string;
let collapse: string;
let example: string;

beforeAll(() => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`pnpm build\` first`);
  tmp = mkdtempSync(join(tmpdir(), "rlops-metrics-e2e-"));
  typo = join(tmp, "typo.yaml");
  writeFileSync(
    typo,
    "rules:\n  - { name: collapse, metric: rewards, kind: zero, trigger: { consecutive: 10 } }\n",
  );
  collapse = join(tmp, "collapse.yaml");
  writeFileSync(
    collapse,
    "rules:\n  - { name: collapse, metric: reward, kind: zero, trigger: { consecutive: 3 } }\n",
  );
  example = join(tmp, "example");
  rlops(["report", "--example-dir", example, "--json"]);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function spawnRlops(args: string[]) {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: "1" } });
  const out = { stdout: "", stderr: "" };
  child.stdout.on("data", (c) => {
    out.stdout += c;
  });
  child.stderr.on("data", (c) => {
    out.stderr += c;
  });
  const exited = new Promise<number | null>((done) => child.on("exit", (code) => done(code)));
  return { child, out, exited };
}
async function until(condition: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("the breaker never says ok when it watched nothing", () => {
  it("a typo in a rule's metric is METRIC_NEVER_SEEN (exit 2) naming it and the metrics seen", () => {
    const run = rlops(["breaker", "check", "-c", typo, join(example, "arc-dapo", "logs", "metrics.jsonl")]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(
      /^rlops: METRIC_NEVER_SEEN: rule "collapse" reads "rewards".*metrics seen: .*reward/,
    );
    expect(run.stdout).toBe("");
    const report = rlops(["report", join(example, "arc-dapo"), "--breaker", typo, "--no-progress"]);
    expect(report.status).toBe(2);
    expect(report.stderr).toMatch(/^rlops: METRIC_NEVER_SEEN: /);
  });

  it("every line skipped (metrics.csv read as JSONL before) or no record at all is an error, not ok", () => {
    const empty = join(tmp, "nothing.jsonl");
    writeFileSync(empty, '{"reward": 1}\n');
    const run = rlops(["breaker", "check", "-c", collapse, empty]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/^rlops: NO_RECORDS: /);
  });

  it("breaker check <run-dir> uses the report's discovery: TensorBoard events under runs/", () => {
    const run = join(tmp, "tb-run");
    mkdirSync(join(run, "runs"), { recursive: true });
    cpSync(join(DATA, "trainers", "summarywriter"), join(run, "runs", "x"), { recursive: true });
    const check = rlops(["breaker", "check", "-c", collapse, run, "--json"]);
    expect(check.status).toBe(4);
    expect(JSON.parse(check.stdout).verdict).toMatchObject({
      action: "rollback",
      step: 17,
      firstBadStep: 15,
    });
    const report = rlops(["report", run, "--breaker", collapse, "--json", "--no-progress"]);
    expect(JSON.parse(report.stdout).breaker.trip).toEqual(JSON.parse(check.stdout).verdict);
    expect(JSON.parse(report.stdout).metrics.sources[0]).toMatchObject({ kind: "tensorboard", records: 20 });
  });

  it("Lightning rows that share a step: breaker check metrics.csv and report --breaker agree", () => {
    const run = join(tmp, "lightning-run");
    cpSync(join(DATA, "trainers", "lightning"), run, { recursive: true });
    const val = join(tmp, "val.yaml");
    writeFileSync(
      val,
      "rules:\n  - { name: val-high, metric: val_loss, kind: above, threshold: 0.001, action: stop }\n",
    );
    const check = rlops([
      "breaker",
      "check",
      "-c",
      val,
      join(run, "csv", "version_0", "metrics.csv"),
      "--json",
    ]);
    expect(check.status).toBe(3);
    const report = rlops(["report", run, "--breaker", val, "--json", "--no-progress"]);
    expect(JSON.parse(report.stdout).breaker.trip).toEqual(JSON.parse(check.stdout).verdict);
  });

  it("HF Trainer run: the report's metric steps are the TensorBoard steps, not the checkpoint's", () => {
    const run = join(tmp, "hf-run");
    cpSync(join(DATA, "trainers", "hf-trainer"), run, { recursive: true });
    const report = JSON.parse(rlops(["report", run, "--json", "--no-progress"]).stdout);
    expect([report.metrics.firstStep, report.metrics.lastStep, report.metrics.steps]).toEqual([1, 12, 12]);
    const names = report.metrics.series.map((s: { name: string }) => s.name);
    expect(names).toContain("eval_loss");
    expect(names).not.toContain("train/loss");
    expect(names).not.toContain("step");
  });
});

describe("a folder of several runs is listed, never merged", () => {
  it("report <dir> exits 2 with MULTIPLE_RUNS listing the runs; --all reports each", () => {
    const run = rlops(["report", example, "--no-progress"]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(
      /^rlops: MULTIPLE_RUNS: .* holds 8 runs: arc-dapo \(hf, 4 checkpoints\), .*; pass one, or --all/,
    );
    const all = rlops(["report", example, "--all", "--json", "--no-progress"]);
    const roots = JSON.parse(all.stdout).runs.map((r: { root: string }) => r.root);
    expect(roots).toHaveLength(8);
    expect(roots).toContain(join(example, "arc-dapo"));
    const check = rlops(["breaker", "check", "-c", collapse, example]);
    expect(check.status).toBe(2);
    expect(check.stderr).toMatch(/^rlops: MULTIPLE_RUNS: /);
  });
});

describe("rlops breaker watch", () => {
  it("says what it follows, waits for a file that does not exist yet, prints heartbeats, trips", async () => {
    const file = join(tmp, "later", "metrics.jsonl");
    const w = spawnRlops(["breaker", "watch", "-c", collapse, file, "--poll", "50", "--heartbeat", "200ms"]);
    await until(() => w.out.stderr.includes("waiting for"));
    expect(w.out.stderr).toContain(`rlops: waiting for ${file} (does not exist yet)`);
    mkdirSync(join(tmp, "later"));
    writeFileSync(file, `${JSON.stringify({ step: 1, reward: 1 })}\n`);
    await until(() => /watching .*: 1 steps observed, last step 1, no trip/.test(w.out.stderr));
    expect(w.out.stderr).toContain(`rlops: following ${file}`);
    appendFileSync(file, `${[2, 3, 4, 5].map((step) => JSON.stringify({ step, reward: 0 })).join("\n")}\n`);
    expect(await w.exited).toBe(4);
    expect(w.out.stdout).toMatch(/step 4 +rollback collapse/);
  });

  it("--quiet prints no status lines; a run folder is followed through discovery", async () => {
    const run = join(tmp, "watch-run");
    mkdirSync(join(run, "rlops"), { recursive: true });
    const file = join(run, "rlops", "metrics.jsonl");
    writeFileSync(file, `${[1, 2, 3].map((step) => JSON.stringify({ step, reward: 0 })).join("\n")}\n`);
    const quiet = rlops(["breaker", "watch", "-c", collapse, run, "--poll", "50", "--quiet"]);
    expect(quiet.status).toBe(4);
    expect(quiet.stderr).toBe("");
    const loud = rlops(["breaker", "watch", "-c", collapse, run, "--poll", "50"]);
    expect(loud.stderr).toContain(`rlops: following ${file} (tinker)`);
  });
});

describe("text and HTML report metrics", () => {
  it("GRPO's kl, entropy, completions/* and clip_ratio/* are in the text report; no step series", () => {
    const run = join(tmp, "grpo");
    mkdirSync(run);
    const rows = Array.from({ length: 30 }, (_, i) => ({
      step: i + 1,
      loss: 0.1,
      grad_norm: 0.5,
      learning_rate: 1e-6,
      reward: 0.5,
      reward_std: 0.1,
      kl: 0.01 * i,
      entropy: 1.2,
      "completions/mean_length": 100 + i,
      "completions/clipped_ratio": 0,
      "clip_ratio/region_mean": 0.01,
      "clip_ratio/high_max": 0.02,
      epoch: i / 30,
    }));
    writeFileSync(join(run, "metrics.jsonl"), rows.map((r) => JSON.stringify(r)).join("\n"));
    const text = rlops(["report", run, "--no-progress"]).stdout;
    for (const name of ["kl", "entropy", "completions/mean_length", "clip_ratio/region_mean"])
      expect(text).toMatch(new RegExp(`\\n  ${name.replace("/", "\\/")} `));
    const json = JSON.parse(rlops(["report", run, "--json", "--no-progress"]).stdout);
    expect(json.metrics.series.map((s: { name: string }) => s.name)).not.toContain("step");
  });

  it("the Lightning example's first chart is the loss, not a 'Reward' chart of epoch", () => {
    const html = join(tmp, "lightning.html");
    rlops(["report", join(example, "lightning"), "--html", html, "--no-progress"]);
    const text = readFileSync(html, "utf8");
    expect(text).not.toContain("Reward per step");
    // the first chart is the loss group (the interactive report groups charts; `epoch` is a custom chart)
    expect(/<figure class="chart" id="chart-([a-z-]+)"/.exec(text)?.[1]).toBe("loss");
    expect(text).not.toMatch(/data-group="reward"[^>]*>\s*<figcaption><span class="title">[^<]*epoch/);
    expect(readdirSync(tmp)).toContain("lightning.html");
  });
});
