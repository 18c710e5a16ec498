import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { reportSchema } from "@rlops/run";
import { type ExampleRun, writeExampleRuns } from "@rlops/run/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN } from "./helpers.js";

function rlops(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "", COLUMNS: "", ...env },
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

let tmp: string;
let runs: Record<string, ExampleRun>;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "rlops-compare-"));
  runs = Object.fromEntries((await writeExampleRuns(join(tmp, "example"))).map((r) => [r.name, r]));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe("rlops report fits the terminal", () => {
  for (const name of ["arc-dapo", "lightning", "areal-grpo"])
    it(`${name}: every line within COLUMNS=80, and 80 when piped without COLUMNS`, () => {
      for (const env of [{ COLUMNS: "80" }, {}] as Record<string, string>[]) {
        const run = rlops(["report", runs[name]!.dir, "--no-progress"], env);
        expect(run.status, run.stderr).toBe(0);
        // a single shell argument longer than the width (a long absolute path in a command) stands alone
        // on its line: splitting it would break copy and paste
        const long = run.stdout.split("\n").filter((l) => [...l].length > 80 && !/^\s*\S+( \\)?$/.test(l));
        expect(long).toEqual([]);
      }
      const wide = rlops(["report", runs[name]!.dir, "--no-progress"], { COLUMNS: "200" });
      expect(Math.max(...wide.stdout.split("\n").map((l) => [...l].length))).toBeGreaterThan(80);
    });

  it("shows problems with paths relative to the run root", () => {
    const run = rlops(["report", runs["arc-dapo"]!.dir, "--no-progress"], { COLUMNS: "300" });
    const problems = run.stdout.split("\n").filter((l) => l.includes("TRAINER_STATE_MISSING"));
    expect(problems.length).toBeGreaterThan(0);
    for (const line of problems) expect(line).not.toContain(runs["arc-dapo"]!.dir);
  });
});

describe("rlops report RUN_A RUN_B", () => {
  it("prints one row per run and step-aligned metrics, JSON of every report, and the comparison HTML", async () => {
    const a = runs["arc-dapo"]!.dir;
    const b = runs["areal-grpo"]!.dir;
    const html = join(tmp, "compare.html");
    const run = rlops(["report", a, b, "--no-progress", "--html", html], { COLUMNS: "100" });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/2 runs compared/);
    const rows = run.stdout.split("\n");
    const header = rows.findIndex((l) => l.includes("RUN") && l.includes("BREAKER"));
    expect(rows[header + 1]).toMatch(/^ {2}arc-dapo +hf +1–175 .*rollback by reward-collapse at step 147/);
    expect(rows[header + 2]).toMatch(
      /^ {2}areal-grpo +areal +0–187 .*rollback by reward-collapse at step 187/,
    );
    expect(run.stdout).toContain("$ rlops recover setup");
    // One sparkline per run per metric, the same number of cells (aligned by step).
    const reward = rows.findIndex((l) => l.trim() === "reward");
    expect(reward).toBeGreaterThan(0);
    expect(rows[reward + 1]).toMatch(/^ {4}arc-dapo {4}[▁-█]+ +0$/);
    expect(rows[reward + 2]).toMatch(/^ {4}areal-grpo +absent$/);
    for (const l of rows) expect([...l].length).toBeLessThanOrEqual(100);
    const page = await readFile(html, "utf8");
    expect(page).toContain('id="comparison"');
    expect(page).toContain("chart-compare-reward");

    const json = JSON.parse(rlops(["report", a, b, "--json", "--no-progress"]).stdout) as { runs: unknown[] };
    expect(json.runs).toHaveLength(2);
    for (const r of json.runs) reportSchema.parse(r);
    expect(rlops(["report", a, b, "--fail-on-trip", "--no-progress", "--json"]).status).toBe(4);
  });
});
