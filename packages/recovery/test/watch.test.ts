import { appendFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { BreakerConfigInput, Decision, SourceDiagnostic } from "../src/index.js";
import { checkMetrics, readMetricRecords, watchMetrics } from "../src/node.js";

const dir = mkdtempSync(join(tmpdir(), "recovery-watch-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const config: BreakerConfigInput = {
  rules: [{ name: "collapse", metric: "r", kind: "zero", trigger: { consecutive: 3 } }],
};
const line = (step: number, r: number) => `${JSON.stringify({ step, r })}\n`;
const tick = () => new Promise((resolve) => setTimeout(resolve, 60));
async function until(condition: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error("timed out waiting for the watcher");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("watchMetrics", () => {
  it("waits for a torn line's newline, follows rotation and emits the trip", async () => {
    const file = join(dir, "metrics.jsonl");
    writeFileSync(file, line(1, 1) + line(2, 0) + line(3, 0).slice(0, 8));
    const controller = new AbortController();
    const seen: Decision[] = [];
    const watching = (async () => {
      for await (const d of watchMetrics(config, file, {
        pollIntervalMs: 20,
        signal: controller.signal,
        includeContinue: true,
      }))
        seen.push(d);
    })();
    await until(() => seen.length >= 2);
    await tick();
    expect(seen.map((d) => d.step)).toEqual([1, 2]);
    appendFileSync(file, line(3, 1).slice(8));
    await until(() => seen.length >= 3);
    expect(seen.map((d) => d.step)).toEqual([1, 2, 3]);
    // rotation: the file is replaced by a new one holding the next steps
    renameSync(file, `${file}.1`);
    writeFileSync(file, line(4, 0) + line(5, 0));
    await until(() => seen.length >= 5);
    expect(seen.map((d) => d.step)).toEqual([1, 2, 3, 4, 5]);
    appendFileSync(file, line(6, 0) + line(7, 0));
    await watching;
    expect(seen.at(-1)).toMatchObject({ action: "rollback", step: 6, firstBadStep: 4 });
    controller.abort();
  });

  it("stops when the signal aborts", async () => {
    const file = join(dir, "idle.jsonl");
    writeFileSync(file, line(1, 1));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const seen: Decision[] = [];
    for await (const d of watchMetrics(config, file, { pollIntervalMs: 20, signal: controller.signal }))
      seen.push(d);
    expect(seen).toEqual([]);
  });

  it("follows a response-log folder as step files appear", async () => {
    const logs = join(dir, "logs", "responses");
    mkdirSync(logs, { recursive: true });
    const write = (step: number, problem: string, perfect: boolean) =>
      writeFileSync(
        join(logs, `step_${String(step).padStart(3, "0")}.json`),
        JSON.stringify({
          step,
          problem_id: problem,
          candidates: [{ accuracy: perfect ? 1 : 0.2, perfect_match: perfect }],
          best_accuracy: perfect ? 1 : 0.2,
        }),
      );
    write(1, "a", true);
    const controller = new AbortController();
    const seen: Decision[] = [];
    const watching = (async () => {
      for await (const d of watchMetrics(
        { goals: [{ name: "g", kind: "perfect", count: 2 }] },
        join(dir, "logs"),
        {
          pollIntervalMs: 20,
          signal: controller.signal,
          format: "responses",
        },
      ))
        seen.push(d);
    })();
    await tick();
    write(2, "a", true);
    await tick();
    expect(seen).toEqual([]);
    write(3, "b", true);
    await watching;
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ action: "stop", rule: "g", step: 3 });
  });
});

describe("readMetricRecords", () => {
  it("reports bad lines and a torn last line without throwing", async () => {
    const file = join(dir, "bad.jsonl");
    writeFileSync(file, `${line(1, 1)}not json\n{"no_step": 1}\n[1]\n\n${line(2, 0)}{"step": 3, "r"`);
    const diagnostics: SourceDiagnostic[] = [];
    const steps: number[] = [];
    for await (const r of readMetricRecords(file, { onDiagnostic: (d) => diagnostics.push(d) }))
      steps.push(r.step);
    expect(steps).toEqual([1, 2]);
    expect(diagnostics.map((d) => [d.code, d.line])).toEqual([
      ["INVALID_JSON", 2],
      ["NO_STEP", 3],
      ["NOT_AN_OBJECT", 4],
      ["TORN_LINE", 7],
    ]);
  });

  it("reads nested metrics, Python NaN/Infinity and a custom step key", async () => {
    const file = join(dir, "nested.jsonl");
    writeFileSync(
      file,
      '{"global_step": 7, "actor": {"reward": {"avg": NaN}}, "loss": -Infinity, "ok": true, "name": "x"}\n',
    );
    const records = [];
    for await (const r of readMetricRecords(file, { stepKey: "global_step" })) records.push(r);
    expect(records).toHaveLength(1);
    expect(records[0]!.step).toBe(7);
    expect(records[0]!.metrics["actor/reward/avg"]).toBeNaN();
    expect(records[0]!.metrics.loss).toBe(Number.NEGATIVE_INFINITY);
    expect(records[0]!.metrics.ok).toBe(1);
    expect(records[0]!.metrics.name).toBeUndefined();
  });

  it("checkMetrics lets a monitor error through unchanged (missing: error)", async () => {
    const file = join(dir, "missing-metric.jsonl");
    writeFileSync(file, '{"step": 1, "other": 2}\n');
    await expect(
      checkMetrics({ rules: [{ name: "z", metric: "r", kind: "zero" }], missing: "error" }, [file]),
    ).rejects.toMatchObject({ code: "MISSING_METRIC" });
  });

  it("throws SOURCE_ERROR for a missing file", async () => {
    await expect(readMetricRecords(join(dir, "missing.jsonl")).next()).rejects.toMatchObject({
      code: "SOURCE_ERROR",
    });
  });
});
