import { createHash } from "node:crypto";
import type { BreakerConfigInput } from "../../src/config.js";
import {
  createMonitor,
  type MetricRecord,
  type Monitor,
  observeQuiet,
  slotMonitor,
} from "../../src/monitor.js";
import { checkMetrics } from "../../src/node.js";
import type { Decision } from "../../src/state.js";
import { shrinkWindows } from "../arbitraries.js";
import {
  type CheckTrace,
  encodeTrace,
  type MonitorTrace,
  type ObserveOut,
  outcome,
  SNAPSHOT_EVERY,
  type TraceOp,
} from "./trace.js";

// One driver for recording and replaying monitor traces: the generator runs it once (plain
// `observe`) and writes what it returns; the replay test runs it on the recorded inputs with every
// observe path (plain, quiet, slots) and compares the whole trace.

/** An operation to run (the input half of a {@link TraceOp}). */
export type MonitorInput =
  | { kind: "observe"; record: MetricRecord }
  | { kind: "save" }
  | { kind: "restore" }
  /** A new monitor of the trace config with every window `shrink` smaller, restored from the state. */
  | { kind: "reconfigure"; shrink: number }
  | { kind: "rollback"; toStep: number; withSaved: boolean };

/** How records reach the monitor: `observe`, the quiet path, or the metric slots (the fast path). */
export type ObservePath = "observe" | "quiet" | "slots";

const json = (x: unknown) => JSON.parse(JSON.stringify(x));

function observeBy(monitor: Monitor, record: MetricRecord, path: ObservePath): Decision | null {
  if (path === "observe") return monitor.observe(record);
  if (path === "quiet") return observeQuiet(monitor, record);
  const slots = slotMonitor(monitor);
  if (slots === null) throw new Error("no slot interface");
  const { metrics } = record;
  slots.slotKeys.forEach((key, i) => {
    slots.setSlot(i, Object.hasOwn(metrics, key) ? metrics[key] : undefined);
  });
  return slots.observeSlots(record.step, record.problem);
}

/** A snapshot without its config (the normalized config of the trace; left out to keep the files small). */
function withoutConfig(snapshot: unknown): unknown {
  const { config: _config, ...rest } = snapshot as Record<string, unknown>;
  return rest;
}

/** A short digest of a snapshot without its config: intermediate snapshots are recorded as digests. */
function snapshotDigest(snapshot: unknown): string {
  return createHash("sha256")
    .update(encodeTrace(withoutConfig(snapshot)))
    .digest("hex")
    .slice(0, 16);
}

function isPlainContinue(d: Decision): boolean {
  return (
    d.action === "continue" &&
    d.rule === null &&
    d.firstBadStep === null &&
    d.reason === "ok" &&
    Object.keys(d.evidence).length === 0
  );
}

/** Runs `inputs` on a fresh monitor of `config` and returns the trace of what it answered. */
export function driveMonitor(
  id: string,
  config: BreakerConfigInput,
  inputs: readonly MonitorInput[],
  path: ObservePath,
): MonitorTrace {
  let monitor = createMonitor(config);
  let saved: unknown;
  const ops: TraceOp[] = [];
  let latched: string | null = null;
  const pushSnapshot = (i: number) => {
    if ((i + 1) % SNAPSHOT_EVERY === 0) ops.push({ snapshot: snapshotDigest(monitor.snapshot()) });
  };
  for (const [i, input] of inputs.entries()) {
    if (input.kind === "observe") {
      const result = outcome(() => observeBy(monitor, structuredClone(input.record), path));
      let out: ObserveOut = result;
      if ("ok" in result) {
        const text = result.ok === null ? null : JSON.stringify(result.ok);
        out =
          result.ok === null || isPlainContinue(result.ok) ? "ok" : text === latched ? "latched" : result.ok;
        latched = monitor.tripped ? text : null;
      } else latched = null;
      ops.push({ observe: input.record, out, tripped: monitor.tripped });
      pushSnapshot(i);
      continue;
    }
    latched = null;
    if (input.kind === "save") {
      saved = json(monitor.snapshot());
      ops.push({ save: snapshotDigest(saved) });
    } else if (input.kind === "restore") {
      ops.push({ restore: monitor.restore(json(monitor.snapshot())) });
    } else if (input.kind === "reconfigure") {
      const state = json(monitor.snapshot());
      monitor = createMonitor(shrinkWindows(config, input.shrink));
      ops.push({ reconfigure: input.shrink, report: monitor.restore(state) });
    } else {
      const options =
        input.withSaved && saved !== undefined
          ? { toStep: input.toStep, state: structuredClone(saved) }
          : { toStep: input.toStep };
      const result = outcome(() => {
        monitor.rollback(options);
        return null;
      });
      ops.push({
        rollback: { toStep: input.toStep, withSaved: input.withSaved },
        out: result,
        tripped: monitor.tripped,
      });
    }
    pushSnapshot(i);
  }
  return {
    id,
    config,
    ops,
    final: { snapshot: withoutConfig(monitor.snapshot()), stats: monitor.stats(), ledger: monitor.ledger() },
  };
}

/** The inputs a recorded trace was made from. */
export function inputsOf(trace: MonitorTrace): MonitorInput[] {
  const inputs: MonitorInput[] = [];
  for (const op of trace.ops) {
    if ("observe" in op) inputs.push({ kind: "observe", record: op.observe });
    else if ("save" in op) inputs.push({ kind: "save" });
    else if ("restore" in op) inputs.push({ kind: "restore" });
    else if ("reconfigure" in op) inputs.push({ kind: "reconfigure", shrink: op.reconfigure });
    else if ("rollback" in op) inputs.push({ kind: "rollback", ...op.rollback });
  }
  return inputs;
}

/** What a check trace records of `checkMetrics(config, [path])` (diagnostics without the file name). */
export async function checkTraceResult(
  config: CheckTrace["config"],
  path: string,
): Promise<CheckTrace["result"]> {
  try {
    const r = await checkMetrics(config, [path], { requireMetrics: false });
    return {
      decisions: r.decisions,
      state: withoutConfig(r.state),
      stats: r.stats,
      diagnostics: r.diagnostics.map(({ file: _file, ...d }) => d),
    };
  } catch (error) {
    const failed = outcome(() => {
      throw error;
    });
    return "error" in failed ? failed : { error: { message: String(error) } };
  }
}
