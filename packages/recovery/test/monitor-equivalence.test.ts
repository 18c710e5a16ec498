import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { BreakerConfigInput } from "../src/config.js";
import { createMonitor, type MetricRecord, type Monitor, observeQuiet, slotMonitor } from "../src/monitor.js";
import { metricsOf } from "../src/node-sources.js";
import { configArb } from "./arbitraries.js";
import { createMonitor as createReferenceMonitor } from "./reference/monitor-before.js";

// The monitor (per-rule state bound once, no allocation on a quiet step, reused window entries)
// against its implementation before those changes: same decisions, errors and state, step by step.

const value = fc.oneof(
  { weight: 4, arbitrary: fc.double({ min: -2, max: 2, noNaN: true }) },
  { weight: 3, arbitrary: fc.constantFrom(0, -0, 1, 0.001) },
  { weight: 1, arbitrary: fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY) },
  { weight: 1, arbitrary: fc.constant(null) },
);
const op = fc.oneof(
  {
    weight: 12,
    arbitrary: fc.record({
      kind: fc.constant("observe" as const),
      delta: fc.constantFrom(-3, -1, 0, 1, 1, 1, 1, 2, 4),
      a: fc.option(value, { nil: undefined }),
      b: fc.option(value, { nil: undefined }),
      c: fc.option(value, { nil: undefined }),
      perfect: fc.option(fc.constantFrom(0, 1), { nil: undefined }),
      problem: fc.option(fc.constantFrom("p1", "p2", "p3"), { nil: undefined }),
      mode: fc.constantFrom("observe", "quiet", "slots"),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("restore" as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("save" as const) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("reconfigure" as const),
      shrink: fc.integer({ min: 1, max: 3 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("rollback" as const),
      back: fc.nat(6),
      withState: fc.boolean(),
    }),
  },
);

function outcome<T>(f: () => T): { ok: T } | { error: { code?: unknown; message: string } } {
  try {
    return { ok: f() };
  } catch (error) {
    return { error: { code: (error as { code?: unknown }).code, message: (error as Error).message } };
  }
}

const json = (x: unknown) => JSON.parse(JSON.stringify(x));

function shrinkWindows(config: BreakerConfigInput, by: number): BreakerConfigInput {
  const rules = (config.rules ?? []).map((r) => {
    const out = structuredClone(r) as Record<string, unknown> & { trigger?: unknown };
    const trigger = out.trigger as { window?: { size: number; minObservations?: number } } | undefined;
    if (trigger?.window) {
      trigger.window.size = Math.max(1, trigger.window.size - by);
      if (trigger.window.minObservations !== undefined)
        trigger.window.minObservations = Math.min(trigger.window.minObservations, trigger.window.size);
    }
    if (typeof out.window === "number") out.window = Math.max(3, out.window - by);
    return out;
  });
  return { ...config, rules } as BreakerConfigInput;
}

describe("monitor equivalence with the previous implementation", () => {
  it("same decisions, errors, stats, ledger and snapshots for random configs and operations", () => {
    fc.assert(
      fc.property(configArb, fc.array(op, { maxLength: 70 }), (config, ops) => {
        let now: Monitor = createMonitor(config);
        let before = createReferenceMonitor(config);
        // checkMetrics reads records with metricsOf(config) and feeds slots in slotKeys order.
        expect(slotMonitor(now)!.slotKeys).toStrictEqual(metricsOf(now.config));
        let step = 5;
        let saved: unknown;
        for (const o of ops) {
          if (o.kind === "observe") {
            step = Math.max(0, step + o.delta);
            const metrics: Record<string, number | null> = {};
            for (const k of ["a", "b", "c", "perfect"] as const) if (o[k] !== undefined) metrics[k] = o[k];
            const record: MetricRecord = { step, metrics };
            if (o.problem !== undefined) record.problem = o.problem;
            const expected = outcome(() => before.observe(structuredClone(record)));
            if (o.mode === "observe")
              expect(outcome(() => now.observe(structuredClone(record)))).toStrictEqual(expected);
            else {
              const got = outcome(() => {
                if (o.mode === "quiet") return observeQuiet(now, structuredClone(record));
                const slots = slotMonitor(now)!;
                slots.slotKeys.forEach((key, i) => {
                  slots.setSlot(i, Object.hasOwn(metrics, key) ? metrics[key] : undefined);
                });
                return slots.observeSlots(record.step, record.problem);
              });
              if ("ok" in got && got.ok === null) {
                expect(expected).toStrictEqual({
                  ok: {
                    action: "continue",
                    rule: null,
                    step,
                    firstBadStep: null,
                    reason: "ok",
                    evidence: {},
                  },
                });
              } else expect(got).toStrictEqual(expected);
            }
          } else if (o.kind === "save") {
            saved = json(now.snapshot());
            expect(saved).toStrictEqual(json(before.snapshot()));
          } else if (o.kind === "reconfigure") {
            // Restore into a config with smaller windows: saved windows/histories are longer than allowed.
            const smaller = shrinkWindows(config, o.shrink);
            const a = json(now.snapshot());
            const b = json(before.snapshot());
            now = createMonitor(smaller);
            before = createReferenceMonitor(smaller);
            expect(now.restore(a)).toStrictEqual(before.restore(b));
          } else if (o.kind === "restore") {
            const a = json(now.snapshot());
            const b = json(before.snapshot());
            expect(now.restore(a)).toStrictEqual(before.restore(b));
          } else {
            const toStep = Math.max(0, step - o.back);
            const options = o.withState && saved !== undefined ? { toStep, state: saved } : { toStep };
            expect(outcome(() => now.rollback(structuredClone(options)))).toStrictEqual(
              outcome(() => before.rollback(structuredClone(options))),
            );
            step = toStep;
          }
          expect(now.tripped).toBe(before.tripped);
        }
        expect(now.snapshot()).toStrictEqual(before.snapshot());
        expect(now.stats()).toStrictEqual(before.stats());
        expect(now.ledger()).toStrictEqual(before.ledger());
      }),
      { numRuns: 2000 },
    );
  });
});
