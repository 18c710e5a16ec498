import fc from "fast-check";
import type { BreakerConfigInput } from "../src/config.js";

// fast-check arbitraries shared by the equivalence tests.

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
