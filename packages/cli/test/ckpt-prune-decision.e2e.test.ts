import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeExampleRuns } from "@rlops/run/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rlops } from "./helpers.js";

let tmp: string;
let run: string;
let decision: string;

interface Plan {
  delete: { name: string }[];
  keep: { name: string; reason: string; guard?: string }[];
  notes: string[];
  protect: { name?: string; reason: string }[];
}

const plan = (args: string[]): Plan => {
  const result = rlops(["ckpt", "prune", run, "--keep-last", "1", ...args, "--json"]);
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as Plan;
};

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "rlops-prune-decision-"));
  const runs = await writeExampleRuns(join(tmp, "example"));
  run = runs.find((r) => r.name === "arc-dapo")!.dir;
  // the real shape: `rlops breaker check --json` with the starter breaker (what the callbacks write)
  expect(rlops(["init", "--dir", join(tmp, "cfg")]).status).toBe(0);
  const check = rlops(["breaker", "check", "--config", join(tmp, "cfg", "breaker.yaml"), run, "--json"]);
  expect(check.status, check.stderr).toBe(4);
  decision = join(tmp, "decision.json");
  writeFileSync(decision, check.stdout);
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe("rlops ckpt prune and a tripped breaker's rollback target (#13)", () => {
  it("without a decision, --keep-last 1 would delete the rollback target checkpoint-125", () => {
    expect(plan([]).delete.map((d) => d.name)).toContain("checkpoint-125");
  });

  it("--decision <file>: the rollback target is kept, and the plan says why; the apply line carries --decision", () => {
    const p = plan(["--decision", decision]);
    expect(p.delete.map((d) => d.name)).toEqual(["checkpoint-100"]);
    const kept = p.keep.find((k) => k.name === "checkpoint-125")!;
    expect(kept.guard).toBe("protected");
    expect(kept.reason).toMatch(
      /^rollback target of breaker rule "reward-collapse" \(rollback at step 147, first bad step 138; .*decision\.json\)/,
    );
    const text = rlops(["ckpt", "prune", run, "--keep-last", "1", "--decision", decision]);
    expect(text.stdout).toMatch(
      /keep {4}checkpoint-125 +125 +rollback target of breaker rule "reward-collapse"/,
    );
    expect(text.stdout).toContain(`--keep-last 1 --decision ${decision} --json > plan.json`);
  });

  it("a decision written between the dry run and --apply --plan: PLAN_CHANGED, nothing deleted", () => {
    const planFile = join(tmp, "plan-before.json");
    writeFileSync(planFile, JSON.stringify(plan([])));
    mkdirSync(join(run, "rlops"), { recursive: true });
    writeFileSync(join(run, "rlops", "decision.json"), readFileSync(decision, "utf8"));
    const applied = rlops(["ckpt", "prune", run, "--apply", "--plan", planFile]);
    expect(applied.status).toBe(2);
    expect(applied.stderr).toMatch(/^rlops: PLAN_CHANGED: .*checkpoint-125/);
    expect(existsSync(join(run, "checkpoint-100"))).toBe(true);
    expect(existsSync(join(run, "checkpoint-125"))).toBe(true);
    rmSync(join(run, "rlops"), { recursive: true });
  });

  it("<run>/rlops/decision.json is read when present; --apply and --apply --plan never delete the target", () => {
    mkdirSync(join(run, "rlops"), { recursive: true });
    writeFileSync(join(run, "rlops", "decision.json"), JSON.stringify({ verdict: null }));
    const quiet = plan([]);
    expect(quiet.notes.some((n) => /no breaker tripped: no rollback target to protect/.test(n))).toBe(true);
    expect(quiet.delete.map((d) => d.name)).toContain("checkpoint-125");

    writeFileSync(join(run, "rlops", "decision.json"), readFileSync(decision, "utf8"));
    const p = plan([]);
    expect(p.keep.find((k) => k.name === "checkpoint-125")?.guard).toBe("protected");
    const planFile = join(tmp, "plan.json");
    writeFileSync(planFile, JSON.stringify(p));
    const applied = rlops(["ckpt", "prune", run, "--apply", "--plan", planFile]);
    expect(applied.status, applied.stderr).toBe(0);
    expect(existsSync(join(run, "checkpoint-100"))).toBe(false);
    expect(existsSync(join(run, "checkpoint-125"))).toBe(true);
    const again = rlops(["ckpt", "prune", run, "--keep-last", "1", "--apply"]);
    expect(again.status, again.stderr).toBe(0);
    expect(existsSync(join(run, "checkpoint-125"))).toBe(true);
    expect(existsSync(join(run, "checkpoint-150"))).toBe(true);
  });

  it("a file that is not a decision is refused (BAD_DECISION, exit 2) and nothing is deleted", () => {
    const bad = join(tmp, "bad.json");
    writeFileSync(bad, JSON.stringify({ verdict: { action: "explode" } }));
    const result = rlops(["ckpt", "prune", run, "--keep-last", "1", "--decision", bad, "--apply"]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^rlops: BAD_DECISION: --decision .*bad\.json: not a decision \(action: /);
    expect(existsSync(join(run, "checkpoint-125"))).toBe(true);
    const missing = rlops(["ckpt", "prune", run, "--keep-last", "1", "--decision", join(tmp, "nope.json")]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/^rlops: PATH_NOT_FOUND: --decision /);
  });
});
