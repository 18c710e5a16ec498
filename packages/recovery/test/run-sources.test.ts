import { appendFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeFixtureRun } from "@rlops/checkpoint-layout/fixtures";
import { afterAll, describe, expect, it } from "vitest";
import {
  type BreakerConfigInput,
  createMonitor,
  type Decision,
  parseJsonWithNonFinite,
} from "../src/index.js";
import {
  checkMetrics,
  collectRunMetrics,
  discoverMetricSources,
  findRunRoots,
  readMetricRecords,
  type WatchEvent,
  watchMetrics,
} from "../src/node.js";
import { data } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "recovery-run-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const csv = data("trainers/lightning/csv/version_0/metrics.csv");

describe("Lightning metrics.csv", () => {
  it("rows that share a step are merged; step is the key, epoch a metric", async () => {
    const records = [];
    for await (const r of readMetricRecords(csv)) records.push(r);
    const step7 = records.filter((r) => r.step === 7);
    expect(step7).toHaveLength(1);
    expect(Object.keys(step7[0]!.metrics).sort()).toEqual(["epoch", "train_loss", "val_loss"]);
    expect(records.every((r) => !("step" in r.metrics))).toBe(true);
  });

  it("breaker check and the run discovery (report) give the same verdict on rows that share a step", async () => {
    // val_loss only exists in the validation rows, logged at steps that already have a train row.
    const config: BreakerConfigInput = {
      rules: [{ name: "val-high", metric: "val_loss", kind: "above", threshold: 0.001, action: "stop" }],
    };
    const check = await checkMetrics(config, [csv]);
    expect(check.verdict).toMatchObject({ action: "stop", step: 7 });
    const run = join(dir, "lightning-run");
    cpSync(data("trainers/lightning"), run, { recursive: true });
    const { table } = await collectRunMetrics(await discoverMetricSources(run));
    const monitor = createMonitor(config);
    let trip: Decision | null = null;
    for (const record of table.records()) {
      const d = monitor.observe(record);
      if (d.action === "stop" || d.action === "rollback") {
        trip = d;
        break;
      }
    }
    expect(trip).toEqual(check.verdict);
  });
});

describe("nothing watched is not ok", () => {
  const file = join(dir, "collapse.jsonl");
  writeFileSync(
    file,
    Array.from({ length: 50 }, (_, i) =>
      JSON.stringify({ step: i + 1, reward: i < 30 ? 0.5 : 0, loss: 1 }),
    ).join("\n"),
  );
  it("a rule on a metric no record holds is METRIC_NEVER_SEEN, listing the metrics seen", async () => {
    const error = await checkMetrics(
      { rules: [{ name: "collapse", metric: "rewards", kind: "zero", trigger: { consecutive: 10 } }] },
      [file],
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "METRIC_NEVER_SEEN" });
    expect((error as Error).message).toMatch(/"rewards".*metrics seen: loss, reward/);
  });
  it("0 records observed is NO_RECORDS (every line skipped)", async () => {
    const other = join(dir, "no-steps.jsonl");
    writeFileSync(other, '{"reward": 1}\n{"reward": 0}\n');
    await expect(
      checkMetrics({ rules: [{ name: "r", metric: "reward", kind: "zero" }] }, [other]),
    ).rejects.toMatchObject({ code: "NO_RECORDS" });
  });
  it("per-record missing: skip stays, and requireMetrics: false opts out", async () => {
    const ok = await checkMetrics(
      {
        rules: [
          { name: "collapse", metric: "reward", kind: "zero", trigger: { consecutive: 100 } },
          { name: "typo", metric: "rewards", kind: "zero" },
        ],
      },
      [file],
      { requireMetrics: false },
    );
    expect(ok.verdict).toBeNull();
  });
});

describe("parseJsonWithNonFinite", () => {
  it("throws a RecoveryError, not a SyntaxError", () => {
    expect(() => parseJsonWithNonFinite("{nope")).toThrow(
      expect.objectContaining({ code: "INVALID_RECORD" }),
    );
    expect(parseJsonWithNonFinite('{"a": NaN}')).toEqual({ a: Number.NaN });
  });
});

describe("run discovery", () => {
  it("finds TensorBoard events, metrics.csv, JSONL and the newest trainer_state.json", async () => {
    const run = join(dir, "hf-run");
    cpSync(data("trainers/hf-trainer"), run, { recursive: true });
    mkdirSync(join(run, "rlops"));
    writeFileSync(join(run, "rlops", "metrics.jsonl"), `${JSON.stringify({ step: 13, reward: 1 })}\n`);
    const sources = await discoverMetricSources(run);
    expect(sources.map((s) => s.kind)).toEqual(["tinker", "trainer-state", "tensorboard"]);
    const { table } = await collectRunMetrics(sources);
    expect(table.sortedSteps()).toEqual(Array.from({ length: 13 }, (_, i) => i + 1));
    expect(table.names()).toContain("eval_loss");
    expect(table.names()).not.toContain("step");
  });

  it("a folder of several runs lists them; a run folder is one run", async () => {
    const runs = join(dir, "many");
    writeFixtureRun(join(runs, "a"), "hf", { steps: [10, 20] });
    writeFixtureRun(join(runs, "b"), "hf", { steps: [5] });
    mkdirSync(join(runs, "c"));
    writeFileSync(join(runs, "c", "metrics.jsonl"), `${JSON.stringify({ step: 1, reward: 1 })}\n`);
    const roots = await findRunRoots(runs);
    expect(roots.map((r) => [r.name, r.layout, r.checkpoints > 0])).toEqual([
      ["a", "hf", true],
      ["b", "hf", true],
      ["c", null, false],
    ]);
    expect((await findRunRoots(join(runs, "a"))).map((r) => r.name)).toEqual(["a"]);
  });
});

const line = (step: number, r: number) => `${JSON.stringify({ step, r })}\n`;
async function until(condition: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error("timed out waiting for the watcher");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("watchMetrics identity", () => {
  const config: BreakerConfigInput = {
    rules: [{ name: "collapse", metric: "r", kind: "zero", trigger: { consecutive: 3 } }],
  };
  it("truncate + refill past the old offset within one poll + steps restarted: a new run, not duplicates", async () => {
    const file = join(dir, "rotated.jsonl");
    writeFileSync(file, line(1, 1) + line(2, 1) + line(3, 1));
    const controller = new AbortController();
    const events: WatchEvent[] = [];
    const decisions: Decision[] = [];
    const watching = (async () => {
      for await (const d of watchMetrics(config, file, {
        pollIntervalMs: 200,
        signal: controller.signal,
        includeContinue: true,
        onEvent: (e) => events.push(e),
      }))
        decisions.push(d);
    })();
    await until(() => decisions.length >= 3);
    appendFileSync(file, line(4, 1));
    await until(() => decisions.length >= 4);
    // copytruncate: truncated, then refilled past the old offset before the next poll.
    truncateSync(file, 0);
    appendFileSync(file, line(1, 0) + line(2, 0) + line(3, 0) + line(4, 0) + line(5, 0));
    await watching;
    expect(events.some((e) => e.kind === "reset" && e.reason === "rewritten")).toBe(true);
    expect(events.find((e) => e.kind === "restart")).toMatchObject({
      step: 1,
      previousStep: 4,
      newRun: true,
    });
    expect(decisions.at(-1)).toMatchObject({ action: "rollback", step: 3, firstBadStep: 1 });
    controller.abort();
  });

  it("waits for a file that does not exist yet, saying so", async () => {
    const file = join(dir, "later", "metrics.jsonl");
    const controller = new AbortController();
    const events: WatchEvent[] = [];
    const decisions: Decision[] = [];
    const watching = (async () => {
      for await (const d of watchMetrics(config, file, {
        pollIntervalMs: 20,
        signal: controller.signal,
        onEvent: (e) => events.push(e),
      }))
        decisions.push(d);
    })();
    await until(() => events.length > 0);
    expect(events[0]).toMatchObject({ kind: "waiting", reason: "does not exist yet" });
    mkdirSync(join(dir, "later"));
    writeFileSync(file, line(1, 0) + line(2, 0) + line(3, 0) + line(4, 1));
    await watching;
    expect(events.find((e) => e.kind === "following")).toMatchObject({ path: file, format: "tinker" });
    expect(decisions.at(-1)).toMatchObject({ action: "rollback", step: 3 });
  });

  it("follows a growing TensorBoard events file in a run folder", async () => {
    const run = join(dir, "tb-live");
    mkdirSync(join(run, "runs", "x"), { recursive: true });
    const { event, frames, simpleValue } = await import("./tfrecord-writer.js");
    const file = join(run, "runs", "x", "events.out.tfevents.1.host.1.0");
    const controller = new AbortController();
    const events: WatchEvent[] = [];
    const decisions: Decision[] = [];
    const watching = (async () => {
      for await (const d of watchMetrics(config, run, {
        pollIntervalMs: 20,
        signal: controller.signal,
        onEvent: (e) => events.push(e),
      }))
        decisions.push(d);
    })();
    await until(() => events.some((e) => e.kind === "waiting"));
    const bytes = frames([1, 2, 3, 4].map((s) => event(s, [simpleValue("r", s === 1 ? 1 : 0)])));
    writeFileSync(file, bytes.subarray(0, 30)); // torn: a frame in the middle of being written
    await until(() => events.some((e) => e.kind === "following"));
    appendFileSync(file, bytes.subarray(30));
    await watching;
    expect(decisions.at(-1)).toMatchObject({ action: "rollback", step: 4, firstBadStep: 2 });
  });
});
