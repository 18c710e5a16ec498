import fc from "fast-check";
import type { BreakerConfigInput } from "../src/config.js";

// fast-check arbitraries shared by the property tests and the golden-trace generator.

const metricNames = ["a", "b", "c", "x/y"] as const;
const metric = fc.constantFrom(...metricNames);
const trigger = fc.oneof(
  fc.record({ consecutive: fc.integer({ min: 1, max: 4 }) }),
  fc
    .record({
      size: fc.integer({ min: 1, max: 6 }),
      fraction: fc.constantFrom(0.2, 0.5, 1),
      min: fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }),
    })
    .map(({ size, fraction, min }) => ({
      window: { size, fraction, ...(min === undefined ? {} : { minObservations: Math.min(min, size) }) },
    })),
);
const common = fc.record(
  {
    metric,
    action: fc.constantFrom("stop", "rollback", "save"),
    trigger,
    warmupSteps: fc.integer({ min: 0, max: 3 }),
    nonFinite: fc.constantFrom("trip", "fail", "ignore"),
    missing: fc.constantFrom("skip", "error"),
    gap: fc.constantFrom("breakStreak", "ignoreGap", "gapCountsAsFailure"),
  },
  { requiredKeys: ["metric", "trigger"] },
);
const rule = fc.oneof(
  fc
    .tuple(common, fc.double({ min: 0, max: 0.5, noNaN: true }))
    .map(([c, eps]) => ({ ...c, kind: "zero", eps })),
  fc
    .tuple(common, fc.double({ min: -1, max: 1, noNaN: true }))
    .map(([c, t]) => ({ ...c, kind: "below", threshold: t })),
  fc
    .tuple(common, fc.double({ min: -1, max: 1, noNaN: true }))
    .map(([c, t]) => ({ ...c, kind: "above", threshold: t })),
  common.map((c) => ({ ...c, kind: "nonfinite" })),
  fc
    .tuple(
      common,
      fc.integer({ min: 3, max: 8 }),
      fc.integer({ min: 3, max: 5 }),
      fc.constantFrom(1, 3, 6),
      fc.constantFrom("up", "down", "both"),
    )
    .map(([c, window, minObservations, threshold, direction]) => ({
      ...c,
      kind: "spike",
      window,
      minObservations,
      threshold,
      direction,
    })),
);
const earlyStopping = fc.oneof(
  fc.record(
    {
      metric,
      mode: fc.constantFrom("min", "max"),
      patience: fc.integer({ min: 0, max: 4 }),
      minDelta: fc.constantFrom(0, 0.01, 0.5),
      stoppingThreshold: fc.constantFrom(-1.5, 1.5),
      divergenceThreshold: fc.constantFrom(-1.8, 1.8),
      checkFinite: fc.boolean(),
      warmupSteps: fc.integer({ min: 0, max: 3 }),
      missing: fc.constantFrom("skip", "error"),
      flavor: fc.constant("lightning"),
    },
    { requiredKeys: ["metric"] },
  ),
  fc.record(
    {
      metric,
      mode: fc.constantFrom("min", "max"),
      patience: fc.integer({ min: 0, max: 4 }),
      minDelta: fc.constantFrom(0, 0.01, 0.5),
      flavor: fc.constant("hf"),
    },
    { requiredKeys: ["metric", "flavor"] },
  ),
);
/** Random breaker configs over metrics a, b, c, x/y (and perfect for goals); names r0, r1, … */
export const configArb = fc
  .record({
    rules: fc.array(rule, { maxLength: 4 }),
    earlyStopping: fc.array(earlyStopping, { maxLength: 2 }),
    goals: fc.array(
      fc.record(
        {
          count: fc.integer({ min: 1, max: 3 }),
          distinct: fc.boolean(),
          metric: fc.constantFrom("perfect", "a"),
        },
        { requiredKeys: [] },
      ),
      { maxLength: 1 },
    ),
    best: fc.array(
      fc.record(
        { metric, mode: fc.constantFrom("min", "max"), minDelta: fc.constantFrom(0, 0.1) },
        { requiredKeys: ["metric"] },
      ),
      { maxLength: 2 },
    ),
    steps: fc.record({
      duplicates: fc.constantFrom("first", "last", "error"),
      outOfOrder: fc.constantFrom("ignore", "rewind", "error"),
      gap: fc.constantFrom("breakStreak", "ignoreGap", "gapCountsAsFailure"),
    }),
    missing: fc.constantFrom("skip", "skip", "error"),
    nullValues: fc.constantFrom("nan", "missing"),
    probation: fc.record({
      steps: fc.integer({ min: 1, max: 5 }),
      maxFailFraction: fc.constantFrom(0, 0.25, 1),
    }),
    escalation: fc.record({ maxRollbacks: fc.integer({ min: 0, max: 2 }) }),
  })
  .filter((c) => c.rules.length + c.earlyStopping.length + c.goals.length + c.best.length > 0)
  .map((c) => {
    let n = 0;
    const named = <T extends object>(xs: T[], kind?: string) =>
      xs.map((x) => ({ ...x, name: `r${n++}`, ...(kind ? { kind } : {}) }));
    return {
      ...c,
      rules: named(c.rules),
      earlyStopping: named(c.earlyStopping),
      goals: named(c.goals, "perfect"),
      best: named(c.best),
    } as BreakerConfigInput;
  });

const value = fc.oneof(
  { weight: 4, arbitrary: fc.double({ min: -2, max: 2, noNaN: true }) },
  { weight: 3, arbitrary: fc.constantFrom(0, -0, 1, 0.001) },
  { weight: 1, arbitrary: fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY) },
  { weight: 1, arbitrary: fc.constant(null) },
);
/** One monitor operation: observe (plain, quiet or slot path), save, restore, reconfigure, rollback. */
export const monitorOpArb = fc.oneof(
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

/** The config with every window `by` smaller (saved windows then exceed the allowed size). */
export function shrinkWindows(config: BreakerConfigInput, by: number): BreakerConfigInput {
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

// Metric lines for the monitor: mostly increasing steps, some duplicates, rewinds and gaps.
const metricValue = fc.oneof(
  { weight: 6, arbitrary: fc.double({ min: -2, max: 2, noNaN: true }).map((x) => JSON.stringify(x)) },
  { weight: 3, arbitrary: fc.constantFrom("0", "-0", "1", "0.001", "null", "true", "false") },
  {
    weight: 1,
    arbitrary: fc.constantFrom("NaN", "Infinity", "-Infinity", '"NaN"', '"-inf"', '"x"', '{"y":0}', "[0]"),
  },
);
/** JSONL metric text for the monitor: mostly increasing steps, some duplicates, rewinds, gaps and junk. */
export const metricLinesArb = fc
  .array(
    fc.record(
      {
        delta: fc.constantFrom(-2, 0, 1, 1, 1, 1, 3),
        a: metricValue,
        b: metricValue,
        c: metricValue,
        "x/y": metricValue,
        x: fc.constantFrom('{"y":0}', '{"y":NaN}', '{"y":1.5}', "1"),
        perfect: fc.constantFrom("0", "1"),
        problem_id: fc.constantFrom('"p1"', '"p2"', "3"),
        junk: fc.constantFrom("", "not json", "[1]", '{"a":1}'),
      },
      { requiredKeys: ["delta"] },
    ),
    { maxLength: 120 },
  )
  .map((rows) => {
    let step = 3;
    return rows
      .map(({ delta, junk, ...fields }) => {
        if (junk !== undefined) return junk;
        step = Math.max(0, step + delta);
        const parts = Object.entries(fields).map(([k, v]) => `${JSON.stringify(k)}:${v}`);
        return `{"step":${step}${parts.map((p) => `,${p}`).join("")}}`;
      })
      .join("\n");
  });
