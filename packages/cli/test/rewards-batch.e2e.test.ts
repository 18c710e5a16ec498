// `rlops rewards score` computes group statistics over whole optimizer batches, equal to TRL's and
// verl's own computations (packages/rewards/vectors/batch, see its SOURCE.md).
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { rlops } from "./helpers.js";

const DIR = resolve(import.meta.dirname, "../../rewards/vectors/batch");
const INPUT = join(DIR, "input.jsonl");
const expected = JSON.parse(readFileSync(join(DIR, "expected.json"), "utf8")) as {
  cases: {
    name: string;
    spec: unknown;
    batchSize: number | null;
    batches: { rewards: (number | null)[]; advantages: number[]; metrics?: Record<string, number | null> }[];
  }[];
};
const TOL = 1e-6;
const tmp = mkdtempSync(join(tmpdir(), "rlops-batch-"));

function near(actual: unknown, want: number | null, where: string): void {
  if (want === null) return void expect(actual ?? null, where).toBeNull();
  expect(Math.abs((actual as number) - want), `${where}: ${actual} vs ${want}`).toBeLessThanOrEqual(TOL);
}

describe("rlops rewards score: batch statistics equal TRL / verl", () => {
  expected.cases.forEach((c, n) => {
    it(c.name, () => {
      const spec = join(tmp, `spec-${n}.json`);
      writeFileSync(spec, JSON.stringify(c.spec));
      const args = ["rewards", "score", "--spec", spec, "--input", INPUT, "--summary"];
      if (c.batchSize !== null) args.push("--batch-size", String(c.batchSize));
      const run = rlops(args);
      expect(run.stderr).toBe("");
      expect(run.status).toBe(0);
      const lines = run.stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
      // each batch: its records, then its summary
      let at = 0;
      c.batches.forEach((b, k) => {
        const records = lines.slice(at, at + b.advantages.length);
        records.forEach((r, i) => {
          near(r.advantage, b.advantages[i]!, `${c.name} batch ${k} ${r.id}.advantage`);
          near(r.reward, b.rewards[i]!, `${c.name} batch ${k} ${r.id}.reward`);
        });
        const summary = lines[at + b.advantages.length].summary;
        expect(summary).toMatchObject({ batch: k, records: b.advantages.length, filteredGroups: 0 });
        if (b.metrics) for (const [key, v] of Object.entries(b.metrics)) near(summary.metrics[key], v, key);
        at += b.advantages.length + 1;
      });
      expect(lines).toHaveLength(at);
    });
  });
  it("--summary <file> writes the summaries there; stdout holds only results", () => {
    const spec = join(tmp, "spec-file.json");
    writeFileSync(spec, JSON.stringify(expected.cases[3]!.spec));
    const file = join(tmp, "summary.jsonl");
    const run = rlops([
      "rewards",
      "score",
      "--spec",
      spec,
      "--input",
      INPUT,
      "--batch-size",
      "12",
      "--summary",
      file,
    ]);
    expect(run.status).toBe(0);
    expect(run.stdout.trim().split("\n")).toHaveLength(24);
    const summaries = readFileSync(file, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l).summary);
    expect(summaries.map((s) => s.first)).toEqual([0, 12]);
    near(summaries[1].metrics.reward, expected.cases[3]!.batches[1]!.metrics!.reward!, "reward");
  });
  it("--batch-size that is not a multiple of the group size is bad input", () => {
    const spec = join(tmp, "spec-bad.json");
    writeFileSync(spec, JSON.stringify(expected.cases[0]!.spec));
    const run = rlops(["rewards", "score", "--spec", spec, "--input", INPUT, "--batch-size", "6"]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/^rlops: INVALID_OPTIONS: batch size 6 is not a multiple of the group size 4/);
  });
});
