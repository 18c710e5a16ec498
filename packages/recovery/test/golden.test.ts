import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkTraceResult, driveMonitor, inputsOf, type ObservePath } from "./golden/drive.js";
import { asTraced, type CheckTrace, decodeTrace, GOLDEN, type MonitorTrace } from "./golden/trace.js";

// Replays the golden traces (test/golden/README.md) against the current monitor: every decision,
// error, restore report and snapshot digest, through each observe path, and checkMetrics on JSONL.

function load<T>(file: string): T[] {
  const text = readFileSync(join(import.meta.dirname, "golden", file), "utf8");
  return text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => decodeTrace<T>(line));
}

const monitorTraces = load<MonitorTrace>(GOLDEN.monitor.file);
const checkTraces = load<CheckTrace>(GOLDEN.check.file);

describe("golden monitor traces", () => {
  it("holds the recorded number of traces, with trips, errors and rollbacks among them", () => {
    expect(monitorTraces).toHaveLength(GOLDEN.monitor.traces);
    const outs = monitorTraces.flatMap((t) => t.ops.flatMap((op) => ("observe" in op ? [op.out] : [])));
    const actions = new Set(outs.map((o) => (typeof o === "string" ? o : "error" in o ? "error" : o.action)));
    expect([...actions].sort()).toStrictEqual([
      "continue",
      "error",
      "latched",
      "ok",
      "rollback",
      "save",
      "stop",
    ]);
  });

  for (const path of ["observe", "quiet", "slots"] as const satisfies readonly ObservePath[])
    it(`replays every trace through the ${path} path`, () => {
      for (const trace of monitorTraces) {
        const replayed = asTraced(driveMonitor(trace.id, trace.config, inputsOf(trace), path));
        expect(replayed, trace.id).toStrictEqual(trace);
      }
    });
});

describe("golden checkMetrics traces", () => {
  const dir = mkdtempSync(join(tmpdir(), "rlops-golden-check-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("holds the recorded number of traces, with decisions, diagnostics and errors among them", () => {
    expect(checkTraces).toHaveLength(GOLDEN.check.traces);
    expect(checkTraces.some((t) => "error" in t.result)).toBe(true);
    expect(
      checkTraces.some((t) => "decisions" in t.result && (t.result.decisions as unknown[]).length > 0),
    ).toBe(true);
  });

  it("gives the recorded decisions, state, stats and diagnostics on every recorded JSONL text", async () => {
    const file = join(dir, "metrics.jsonl");
    for (const trace of checkTraces) {
      writeFileSync(file, trace.text);
      expect(asTraced(await checkTraceResult(trace.config, file)), trace.id).toStrictEqual(trace.result);
    }
  });
});
