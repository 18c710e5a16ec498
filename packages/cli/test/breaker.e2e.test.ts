import { spawn } from "node:child_process";
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, rlops } from "./helpers.js";

const DATA = resolve(import.meta.dirname, "../../recovery/test-data");

let tmp: string;
let collapse: string;

beforeAll(() => {
  if (!existsSync(BIN))
    throw new Error(
      `${BIN} is missing: run \`pnpm --filter @rlops/recovery --filter @rlops/cli build\` first`,
    );
  tmp = mkdtempSync(join(tmpdir(), "rlops-breaker-e2e-"));
  collapse = join(tmp, "breaker.yaml");
  writeFileSync(
    collapse,
    [
      "rules:",
      "  - name: reward-collapse",
      "    metric: grpo_actor/task_reward/avg",
      "    kind: zero",
      "    trigger: { consecutive: 10 }",
      "    action: rollback",
      "",
    ].join("\n"),
  );
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("rlops breaker check", () => {
  it("exits 4 (rollback) on the recorded collapse and reports the exact steps", () => {
    const run = rlops(["breaker", "check", "--config", collapse, join(DATA, "areal-collapse.jsonl")]);
    expect(run.status).toBe(4);
    expect(run.stdout).toContain("step 187  rollback reward-collapse");
    expect(run.stdout).toContain("(first bad step 178)");
  });

  it("--json prints the verdict, decisions and state", () => {
    const run = rlops(["breaker", "check", "-c", collapse, join(DATA, "areal-collapse.jsonl"), "--json"]);
    expect(run.status).toBe(4);
    const out = JSON.parse(run.stdout);
    expect(out.verdict).toMatchObject({
      action: "rollback",
      step: 187,
      firstBadStep: 178,
      rule: "reward-collapse",
    });
    expect(out.exitCode).toBe(4);
    expect(out.state.format).toBe("rlops.recovery.monitor");
  });

  it("exits 3 (stop) for early stopping and goals, 0 when nothing trips", () => {
    const es = join(tmp, "es.yaml");
    writeFileSync(
      es,
      "earlyStopping:\n  - { name: es, metric: env/all/reward/total, mode: max, patience: 3, minDelta: 0.005 }\n",
    );
    expect(rlops(["breaker", "check", "-c", es, join(DATA, "tinker-metrics.jsonl")]).status).toBe(3);
    const goal = join(tmp, "goal.json");
    writeFileSync(goal, JSON.stringify({ goals: [{ name: "arc", kind: "perfect", count: 3 }] }));
    const arc = rlops(["breaker", "check", "-c", goal, join(DATA, "arc-responses"), "--json"]);
    expect(arc.status).toBe(3);
    expect(JSON.parse(arc.stdout).verdict).toMatchObject({ step: 22, rule: "arc" });
    const lossCap = join(tmp, "loss-cap.yaml");
    writeFileSync(lossCap, "rules:\n  - { name: loss-cap, metric: loss, kind: above, threshold: 100 }\n");
    const ok = rlops(["breaker", "check", "-c", lossCap, join(DATA, "loss-spike.jsonl")]);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain("verdict: ok");
  });

  it("exits 2 on a bad config, a missing file or a bad flag", () => {
    const bad = join(tmp, "bad.yaml");
    writeFileSync(bad, "rules:\n  - { name: a, metric: m, kind: zero, trigger: { consecutive: 0 } }\n");
    const run = rlops(["breaker", "check", "-c", bad, join(DATA, "areal-collapse.jsonl")]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/^rlops: INVALID_CONFIG: .*rules\[0\]\.trigger/);
    expect(rlops(["breaker", "check", "-c", collapse, join(tmp, "nope.jsonl")]).status).toBe(2);
    expect(
      rlops(["breaker", "check", "-c", collapse, "--format", "csv", join(DATA, "areal-collapse.jsonl")])
        .status,
    ).toBe(2);
    expect(rlops(["breaker", "check", join(DATA, "areal-collapse.jsonl")]).status).toBe(2);
  });
});

describe("rlops breaker check --state / --save-state", () => {
  it("continues from a saved state and reports config drift as a diff", () => {
    const lines = readFileSync(join(DATA, "areal-collapse.jsonl"), "utf8").split("\n").filter(Boolean);
    const first = join(tmp, "first.jsonl");
    const second = join(tmp, "second.jsonl");
    writeFileSync(first, `${lines.slice(0, 182).join("\n")}\n`);
    writeFileSync(second, `${lines.slice(182).join("\n")}\n`);
    const state = join(tmp, "state.json");
    expect(rlops(["breaker", "check", "-c", collapse, first, "--save-state", state]).status).toBe(0);
    const resumed = rlops(["breaker", "check", "-c", collapse, second, "--state", state, "--json"]);
    expect(resumed.status).toBe(4);
    expect(JSON.parse(resumed.stdout).verdict).toMatchObject({ step: 187, firstBadStep: 178 });
    const changed = join(tmp, "changed.yaml");
    writeFileSync(changed, readFileSync(collapse, "utf8").replace("consecutive: 10", "consecutive: 12"));
    const drift = rlops(["breaker", "check", "-c", changed, second, "--state", state]);
    expect(drift.status).toBe(4);
    expect(drift.stdout).toContain("step 189");
    expect(drift.stderr).toContain("rules.reward-collapse.trigger.consecutive: 10 -> 12");
  });
});

describe("rlops breaker watch", () => {
  it("follows a growing file (torn last line included) and exits 4 on the trip", async () => {
    const file = join(tmp, "live.jsonl");
    const lines = readFileSync(join(DATA, "areal-collapse.jsonl"), "utf8").split("\n").filter(Boolean);
    writeFileSync(file, `${lines.slice(0, 180).join("\n")}\n${lines[180]!.slice(0, 20)}`);
    const child = spawn(
      process.execPath,
      [BIN, "breaker", "watch", "-c", collapse, file, "--poll", "50", "--json"],
      {
        env: { ...process.env, NO_COLOR: "1" },
      },
    );
    let stdout = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    const exited = new Promise<number | null>((done) => child.on("exit", (code) => done(code)));
    await new Promise((r) => setTimeout(r, 400));
    expect(stdout).toBe("");
    appendFileSync(file, `${lines[180]!.slice(20)}\n${lines.slice(181, 200).join("\n")}\n`);
    const code = await exited;
    expect(code).toBe(4);
    const decision = JSON.parse(stdout.trim().split("\n").at(-1)!);
    expect(decision).toMatchObject({ action: "rollback", step: 187, firstBadStep: 178 });
  });

  it("exits 0 after --idle-timeout without a decision", () => {
    const file = join(tmp, "quiet.jsonl");
    writeFileSync(file, '{"step": 1, "grpo_actor/task_reward/avg": 0.5}\n');
    const run = rlops(["breaker", "watch", "-c", collapse, file, "--poll", "50", "--idle-timeout", "1"]);
    expect(run.status).toBe(0);
  });
});
