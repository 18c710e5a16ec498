import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import type { MetricRecord } from "../../src/monitor.js";
import { configArb, metricLinesArb, monitorOpArb } from "../arbitraries.js";
import { checkTraceResult, driveMonitor, type MonitorInput } from "./drive.js";
import { type CheckTrace, encodeTrace, GOLDEN } from "./trace.js";

// Regenerates test/golden/*.jsonl from the current monitor (see README.md next to this file):
//   pnpm --filter @rlops/recovery exec tsx --conditions=@rlops/source test/golden/generate.ts
// Only regenerate for an intended behaviour change, and review the diff of the traces.

const here = dirname(fileURLToPath(import.meta.url));

/** The monitor inputs of generated operations (steps move by each observe's delta). */
function toInputs(
  ops: readonly (typeof monitorOpArb extends fc.Arbitrary<infer T> ? T : never)[],
): MonitorInput[] {
  let step = 5;
  return ops.map((o): MonitorInput => {
    if (o.kind === "observe") {
      step = Math.max(0, step + o.delta);
      const metrics: Record<string, number | null> = {};
      for (const k of ["a", "b", "c", "perfect"] as const) if (o[k] !== undefined) metrics[k] = o[k];
      const record: MetricRecord = { step, metrics };
      if (o.problem !== undefined) record.problem = o.problem;
      return { kind: "observe", record };
    }
    if (o.kind === "reconfigure") return { kind: "reconfigure", shrink: o.shrink };
    if (o.kind === "rollback") {
      step = Math.max(0, step - o.back);
      return { kind: "rollback", toStep: step, withSaved: o.withState };
    }
    return { kind: o.kind };
  });
}

function writeMonitorTraces(): number {
  const { file, seed, traces, minOps, maxOps } = GOLDEN.monitor;
  const samples = fc.sample(
    fc.tuple(configArb, fc.array(monitorOpArb, { minLength: minOps, maxLength: maxOps })),
    {
      seed,
      numRuns: traces,
    },
  );
  const lines = samples.map(([config, ops], i) =>
    encodeTrace(driveMonitor(`m${i}`, config, toInputs(ops), "observe")),
  );
  writeFileSync(join(here, file), `${lines.join("\n")}\n`);
  return lines.length;
}

async function writeCheckTraces(): Promise<number> {
  const { file, seed, traces } = GOLDEN.check;
  const samples = fc.sample(fc.tuple(configArb, metricLinesArb), { seed, numRuns: traces });
  const dir = mkdtempSync(join(tmpdir(), "rlops-golden-"));
  const lines: string[] = [];
  try {
    for (const [i, [config, text]] of samples.entries()) {
      const path = join(dir, "metrics.jsonl");
      writeFileSync(path, text);
      const result = await checkTraceResult(config, path);
      const trace: CheckTrace = { id: `c${i}`, config, text, result };
      lines.push(encodeTrace(trace));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  writeFileSync(join(here, file), `${lines.join("\n")}\n`);
  return lines.length;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const m = writeMonitorTraces();
  const c = await writeCheckTraces();
  console.log(`wrote ${m} monitor traces and ${c} check traces to ${here}`);
}
