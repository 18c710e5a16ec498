import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type BreakerConfigInput,
  createMonitor,
  type Decision,
  loadBreakerConfig,
  type MetricRecord,
  RecoveryError,
} from "../src/index.js";

const r = (step: number, metrics: Record<string, number | null>, problem?: string): MetricRecord =>
  problem === undefined ? { step, metrics } : { step, metrics, problem };

function feed(config: BreakerConfigInput, records: MetricRecord[]): Decision[] {
  const m = createMonitor(config);
  return records.map((x) => m.observe(x));
}

describe("consecutive trigger and gap policies", () => {
  const base = (gap: "breakStreak" | "ignoreGap" | "gapCountsAsFailure"): BreakerConfigInput => ({
    rules: [{ name: "z", metric: "x", kind: "zero", trigger: { consecutive: 3 }, gap }],
  });

  it("ignoreGap counts consecutive observations across a gap", () => {
    const d = feed(base("ignoreGap"), [r(1, { x: 0 }), r(2, { x: 0 }), r(5, { x: 0 })]);
    expect(d[2]).toMatchObject({ action: "rollback", step: 5, firstBadStep: 1 });
  });

  it("breakStreak restarts the streak after a gap", () => {
    const d = feed(base("breakStreak"), [
      r(1, { x: 0 }),
      r(2, { x: 0 }),
      r(5, { x: 0 }),
      r(6, { x: 0 }),
      r(7, { x: 0 }),
    ]);
    expect(d.map((x) => x.action)).toEqual(["continue", "continue", "continue", "continue", "rollback"]);
    expect(d[4]).toMatchObject({ step: 7, firstBadStep: 5 });
  });

  it("gapCountsAsFailure counts missing steps as bad", () => {
    const d = feed(base("gapCountsAsFailure"), [r(1, { x: 1 }), r(4, { x: 0 })]);
    expect(d[1]).toMatchObject({ action: "rollback", step: 4, firstBadStep: 2 });
  });

  it("eps widens zero and below/above are strict", () => {
    const cfg: BreakerConfigInput = {
      rules: [
        { name: "z", metric: "x", kind: "zero", eps: 0.01, action: "save" },
        { name: "b", metric: "y", kind: "below", threshold: 0.5, action: "save" },
        { name: "a", metric: "y", kind: "above", threshold: 2, action: "save" },
      ],
    };
    expect(feed(cfg, [r(1, { x: 0.01 })])[0]!.rule).toBe("z");
    expect(feed(cfg, [r(1, { x: 0.0101 })])[0]!.action).toBe("continue");
    expect(feed(cfg, [r(1, { y: 0.5 })])[0]!.action).toBe("continue");
    expect(feed(cfg, [r(1, { y: 0.49 })])[0]!.rule).toBe("b");
    expect(feed(cfg, [r(1, { y: 2 })])[0]!.action).toBe("continue");
    expect(feed(cfg, [r(1, { y: 2.1 })])[0]!.rule).toBe("a");
  });

  it("warmupSteps ignores early steps", () => {
    const d = feed({ rules: [{ name: "z", metric: "x", kind: "zero", warmupSteps: 5 }] }, [
      r(4, { x: 0 }),
      r(5, { x: 0 }),
    ]);
    expect(d.map((x) => x.step + x.action)).toEqual(["4continue", "5rollback"]);
  });
});

describe("window trigger", () => {
  it("trips when the bad fraction reaches the threshold once minObservations are seen", () => {
    const cfg: BreakerConfigInput = {
      rules: [
        {
          name: "w",
          metric: "x",
          kind: "zero",
          trigger: { window: { size: 5, fraction: 0.6, minObservations: 3 } },
        },
      ],
    };
    const d = feed(cfg, [r(1, { x: 0 }), r(2, { x: 0 }), r(3, { x: 1 }), r(4, { x: 1 }), r(5, { x: 0 })]);
    // step 2: 2 observed < 3; step 5: 3 bad of 5 = 60% >= 60%.
    expect(d.map((x) => x.action)).toEqual(["continue", "continue", "continue", "continue", "rollback"]);
    expect(d[4]).toMatchObject({ firstBadStep: 1 });
    expect(d[4]!.evidence).toMatchObject({ bad: 3, observed: 5 });
  });

  it("old observations leave the window", () => {
    const cfg: BreakerConfigInput = {
      rules: [{ name: "w", metric: "x", kind: "zero", trigger: { window: { size: 3, fraction: 1 } } }],
    };
    const d = feed(cfg, [r(1, { x: 1 }), r(2, { x: 0 }), r(3, { x: 0 }), r(4, { x: 0 })]);
    expect(d[3]).toMatchObject({ action: "rollback", firstBadStep: 2 });
  });
});

describe("non-finite, missing and null values", () => {
  it("nonFinite: fail counts NaN as a bad observation; ignore skips it", () => {
    const mk = (nonFinite: "fail" | "ignore"): BreakerConfigInput => ({
      rules: [{ name: "z", metric: "x", kind: "zero", trigger: { consecutive: 2 }, nonFinite }],
    });
    expect(feed(mk("fail"), [r(1, { x: 0 }), r(2, { x: Number.NaN })])[1]).toMatchObject({
      action: "rollback",
    });
    expect(
      feed(mk("ignore"), [r(1, { x: 0 }), r(2, { x: Number.NaN }), r(3, { x: 0 })]).map((d) => d.action),
    ).toEqual(["continue", "continue", "rollback"]);
  });

  it("null reads as NaN by default and as missing with nullValues: missing", () => {
    const cfg = { rules: [{ name: "n", metric: "loss", kind: "nonfinite" as const }] };
    expect(feed(cfg, [r(1, { loss: null })])[0]!.action).toBe("rollback");
    expect(feed({ ...cfg, nullValues: "missing" }, [r(1, { loss: null })])[0]!.action).toBe("continue");
  });

  it("missing metrics are skipped without breaking a streak, or throw with missing: error", () => {
    const cfg: BreakerConfigInput = {
      rules: [{ name: "z", metric: "x", kind: "zero", trigger: { consecutive: 2 } }],
    };
    const m = createMonitor(cfg);
    m.observe(r(1, { x: 0 }));
    m.observe(r(2, { other: 1 }));
    expect(m.observe(r(3, { x: 0 }))).toMatchObject({ action: "rollback", firstBadStep: 1 });
    expect(m.stats().missing).toBe(1);
    const strict = createMonitor({ ...cfg, missing: "error" });
    expect(() => strict.observe(r(1, { other: 1 }))).toThrow(
      expect.objectContaining({ code: "MISSING_METRIC" }),
    );
  });
});

describe("duplicates and out-of-order steps", () => {
  const cfg = (steps: Record<string, string>): BreakerConfigInput =>
    ({
      rules: [{ name: "z", metric: "x", kind: "zero", trigger: { consecutive: 2 } }],
      steps,
    }) as BreakerConfigInput;

  it("first wins by default: a duplicated step is ignored", () => {
    const m = createMonitor(cfg({}));
    m.observe(r(1, { x: 0 }));
    expect(m.observe(r(1, { x: 0 })).reason).toContain("duplicate");
    expect(m.observe(r(2, { x: 1 })).action).toBe("continue");
    expect(m.stats().duplicates).toBe(1);
  });

  it("last wins replaces the previous record of that step", () => {
    const m = createMonitor(cfg({ duplicates: "last" }));
    m.observe(r(1, { x: 0 }));
    m.observe(r(2, { x: 1 }));
    expect(m.observe(r(2, { x: 0 }))).toMatchObject({ action: "rollback", step: 2, firstBadStep: 1 });
  });

  it("out-of-order steps are ignored, rewound or rejected", () => {
    const ignore = createMonitor(cfg({}));
    ignore.observe(r(5, { x: 0 }));
    expect(ignore.observe(r(3, { x: 0 })).evidence.outOfOrder).toBe(true);
    expect(ignore.stats().outOfOrder).toBe(1);
    const rewind = createMonitor(cfg({ outOfOrder: "rewind" }));
    rewind.observe(r(5, { x: 0 }));
    expect(rewind.observe(r(3, { x: 0 })).action).toBe("continue");
    expect(rewind.observe(r(4, { x: 0 }))).toMatchObject({ action: "rollback", firstBadStep: 3 });
    const strict = createMonitor(cfg({ outOfOrder: "error", duplicates: "error" }));
    strict.observe(r(5, { x: 1 }));
    expect(() => strict.observe(r(4, { x: 1 }))).toThrow(expect.objectContaining({ code: "OUT_OF_ORDER" }));
    expect(() => strict.observe(r(5, { x: 1 }))).toThrow(expect.objectContaining({ code: "OUT_OF_ORDER" }));
  });

  it("rejects records without an integer step", () => {
    const m = createMonitor(cfg({}));
    expect(() => m.observe({ step: 1.5, metrics: {} })).toThrow(
      expect.objectContaining({ code: "INVALID_RECORD" }),
    );
  });
});

describe("early stopping", () => {
  const es = (extra: Record<string, unknown>): BreakerConfigInput =>
    ({ earlyStopping: [{ name: "es", metric: "m", ...extra }] }) as BreakerConfigInput;
  const values = (cfg: BreakerConfigInput, xs: number[]) =>
    feed(
      cfg,
      xs.map((v, i) => r(i, { m: v })),
    );

  it("an improvement of exactly minDelta is not an improvement (Lightning)", () => {
    const d = values(es({ mode: "min", patience: 1, minDelta: 0.5 }), [1, 0.5]);
    expect(d[1]).toMatchObject({ action: "stop", firstBadStep: 1 });
    expect(values(es({ mode: "min", patience: 1, minDelta: 0.5 }), [1, 0.49])[1]!.action).toBe("continue");
  });

  it("stoppingThreshold, divergenceThreshold and checkFinite in Lightning's order", () => {
    expect(values(es({ mode: "max", stoppingThreshold: 0.9 }), [0.5, 0.95])[1]!.evidence.reasonCode).toBe(
      "STOPPING_THRESHOLD",
    );
    expect(values(es({ mode: "max", stoppingThreshold: 0.9 }), [0.9])[0]!.action).toBe("continue");
    expect(values(es({ mode: "min", divergenceThreshold: 10 }), [1, 11])[1]!.evidence.reasonCode).toBe(
      "DIVERGENCE_THRESHOLD",
    );
    expect(values(es({ mode: "min" }), [1, Number.NaN])[1]!.evidence.reasonCode).toBe("NON_FINITE_METRIC");
    // checkFinite off: NaN is a non-improvement
    const d = values(es({ mode: "min", checkFinite: false, patience: 2 }), [1, Number.NaN, Number.NaN]);
    expect(d.map((x) => x.action)).toEqual(["continue", "continue", "stop"]);
  });

  it("best only moves on a real improvement (Lightning) but on any improvement in HF", () => {
    // slow drift by 0.004 per check, threshold 0.005
    const xs = [0.5, 0.504, 0.508, 0.512, 0.516];
    const lightning = values(es({ mode: "max", patience: 3, minDelta: 0.005 }), xs);
    const hf = values(es({ mode: "max", patience: 3, minDelta: 0.005, flavor: "hf" }), xs);
    // Lightning: 0.508 - 0.005 > 0.5 → improvement at step 2; wait resets; no stop.
    expect(lightning.map((x) => x.action)).toEqual([
      "continue",
      "continue",
      "continue",
      "continue",
      "continue",
    ]);
    // HF: best ratchets forward each eval, every eval counts as no improvement → stop at the 3rd.
    expect(hf.map((x) => x.action)).toEqual(["continue", "continue", "continue", "stop", "stop"]);
    expect(hf[3]).toMatchObject({ step: 3, firstBadStep: 1 });
  });

  it("patience 0 stops at the first non-improvement", () => {
    expect(values(es({ mode: "min", patience: 0 }), [1, 1])[1]!.action).toBe("stop");
  });
});

describe("probation, escalation and the trip ledger", () => {
  const cfg: BreakerConfigInput = {
    rules: [{ name: "collapse", metric: "r", kind: "zero", trigger: { consecutive: 3 } }],
    probation: { steps: 4, maxFailFraction: 0.25 },
    escalation: { maxRollbacks: 2 },
  };

  it("a repeat trip asks for an older checkpoint, then aborts after the cap", () => {
    const m = createMonitor(cfg);
    for (let s = 1; s <= 10; s++) m.observe(r(s, { r: 1 }));
    let d: Decision = m.observe(r(11, { r: 0 }));
    m.observe(r(12, { r: 0 }));
    d = m.observe(r(13, { r: 0 }));
    expect(d).toMatchObject({ action: "rollback", firstBadStep: 11 });
    expect(d.evidence.resume).toEqual({ beforeStep: 11, skipRange: [11, 13] });
    expect(m.observe(r(14, { r: 0 }))).toBe(d);
    m.rollback({ toStep: 8 });
    // probation: 2 bad steps of 4 > 25% → rollback again, before the checkpoint at 8
    m.observe(r(9, { r: 0 }));
    d = m.observe(r(10, { r: 0 }));
    expect(d).toMatchObject({ action: "rollback", rule: "collapse", step: 10, firstBadStep: 9 });
    expect(d.reason).toContain("probation failed");
    expect(d.evidence.resume).toEqual({ beforeStep: 8, skipRange: [9, 10] });
    m.rollback({ toStep: 5 });
    for (let s = 6; s <= 9; s++) expect(m.observe(r(s, { r: 1 })).action).toBe("continue");
    expect(m.ledger().probationsPassed).toBe(1);
    m.observe(r(10, { r: 0 }));
    m.observe(r(11, { r: 0 }));
    d = m.observe(r(12, { r: 0 }));
    expect(d.action).toBe("stop");
    expect(d.reason).toContain("rollback cap reached");
    const ledger = m.ledger();
    expect(ledger.rollbacks).toBe(2);
    expect(ledger.trips.map((t) => [t.action, t.step, t.rolledBackTo])).toEqual([
      ["rollback", 13, 8],
      ["rollback", 10, 5],
      ["stop", 12, null],
    ]);
  });

  it("the ledger survives a rollback to an older detector snapshot", () => {
    const m = createMonitor(cfg);
    for (let s = 1; s <= 5; s++) m.observe(r(s, { r: 1 }));
    const atFive = JSON.parse(JSON.stringify(m.snapshot()));
    m.observe(r(6, { r: 0 }));
    m.observe(r(7, { r: 0 }));
    m.observe(r(8, { r: 0 }));
    m.rollback({ toStep: 5, state: atFive });
    expect(m.tripped).toBe(false);
    expect(m.ledger().rollbacks).toBe(1);
    expect(() => m.rollback({ toStep: 3, state: m.snapshot() })).toThrow(
      expect.objectContaining({ code: "INVALID_STATE" }),
    );
  });
});

describe("state: versioned JSON, restore and config drift", () => {
  const full: BreakerConfigInput = {
    rules: [
      { name: "zero", metric: "a", kind: "zero", trigger: { consecutive: 4 } },
      {
        name: "win",
        metric: "a",
        kind: "below",
        threshold: 0.2,
        trigger: { window: { size: 6, fraction: 0.8 } },
      },
      { name: "nan", metric: "b", kind: "nonfinite", nonFinite: "fail", trigger: { consecutive: 2 } },
      {
        name: "spike",
        metric: "b",
        kind: "spike",
        window: 8,
        minObservations: 4,
        threshold: 4,
        action: "save",
      },
    ],
    earlyStopping: [{ name: "es", metric: "c", mode: "min", patience: 6, minDelta: 0.01 }],
    goals: [{ name: "goal", kind: "perfect", count: 4 }],
    best: [{ name: "best", metric: "c", mode: "min" }],
    steps: { duplicates: "last", outOfOrder: "rewind", gap: "gapCountsAsFailure" },
  };
  const value = fc.oneof(
    { weight: 4, arbitrary: fc.double({ min: -2, max: 2, noNaN: true }) },
    { weight: 3, arbitrary: fc.constant(0) },
    { weight: 1, arbitrary: fc.constant(Number.NaN) },
    { weight: 1, arbitrary: fc.constant(null) },
  );
  const recordArb = fc.record({
    delta: fc.integer({ min: -2, max: 3 }),
    a: fc.option(value, { nil: undefined }),
    b: fc.option(value, { nil: undefined }),
    c: fc.option(value, { nil: undefined }),
    perfect: fc.option(fc.constantFrom(0, 1), { nil: undefined }),
    problem: fc.constantFrom("p1", "p2", "p3", "p4", "p5"),
  });
  const build = (xs: (typeof recordArb extends fc.Arbitrary<infer T> ? T : never)[]): MetricRecord[] => {
    let step = 10;
    return xs.map((x) => {
      step = Math.max(0, step + x.delta);
      const metrics: Record<string, number | null> = {};
      for (const k of ["a", "b", "c", "perfect"] as const) if (x[k] !== undefined) metrics[k] = x[k];
      return { step, metrics, problem: x.problem };
    });
  };

  it("feeding two halves around a save/restore gives the same decisions as feeding all at once", () => {
    fc.assert(
      fc.property(fc.array(recordArb, { minLength: 1, maxLength: 80 }), fc.nat(), (xs, cut) => {
        const records = build(xs);
        const k = cut % (records.length + 1);
        const whole = createMonitor(full);
        const expected = records.map((x) => whole.observe(x));
        const first = createMonitor(full);
        const got = records.slice(0, k).map((x) => first.observe(x));
        const saved = JSON.parse(JSON.stringify(first.snapshot()));
        const second = createMonitor(full, { state: saved });
        got.push(...records.slice(k).map((x) => second.observe(x)));
        expect(JSON.parse(JSON.stringify(got))).toEqual(JSON.parse(JSON.stringify(expected)));
        expect(second.snapshot()).toEqual(whole.snapshot());
      }),
      { numRuns: 200 },
    );
  });

  it("reports config changes on restore as a diff and keeps the current config", () => {
    const m = createMonitor(full);
    m.observe(r(1, { a: 0 }));
    const changed = loadBreakerConfig(full);
    const zero = changed.rules[0]!;
    if ("consecutive" in zero.trigger) zero.trigger.consecutive = 9;
    const { threshold: _dropped, ...win } = changed.rules[1] as Extract<
      (typeof changed.rules)[number],
      { kind: "below" }
    >;
    changed.rules[1] = { ...win, kind: "zero", eps: 0 };
    const next = createMonitor(changed);
    const report = next.restore(m.snapshot());
    expect(report.configDiff).toContainEqual({ path: "rules.zero.trigger.consecutive", before: 4, after: 9 });
    expect(report.resetRules).toEqual(["win"]);
    expect(next.config.rules[0]!.trigger).toEqual({ consecutive: 9 });
    expect(next.snapshot().detector.rules.zero!.trigger.streak).toBe(1);
  });

  it("rejects unknown versions and malformed state with INVALID_STATE", () => {
    const m = createMonitor(full);
    const snap = m.snapshot();
    expect(() => m.restore({ ...snap, version: 2 })).toThrow(/unsupported version 2/);
    expect(() => m.restore("{")).toThrow(expect.objectContaining({ code: "INVALID_STATE" }));
    expect(() => m.restore({ ...snap, detector: { lastStep: "x" } })).toThrow(RecoveryError);
  });
});

describe("config validation", () => {
  it("names the offending path", () => {
    expect(() =>
      loadBreakerConfig({ rules: [{ name: "a", metric: "m", kind: "zero", trigger: { consecutive: 0 } }] }),
    ).toThrow(/rules\[0\]\.trigger/);
    expect(() =>
      loadBreakerConfig({
        rules: [
          { name: "a", metric: "m", kind: "zero" },
          { name: "a", metric: "n", kind: "nonfinite" },
        ],
      }),
    ).toThrow(/duplicate rule name "a"/);
    expect(() => loadBreakerConfig("rules: [")).toThrow(expect.objectContaining({ code: "INVALID_CONFIG" }));
    expect(() => loadBreakerConfig({})).toThrow(/no rule/);
    expect(() =>
      loadBreakerConfig({ earlyStopping: [{ name: "e", metric: "m", flavor: "hf", stoppingThreshold: 1 }] }),
    ).toThrow(/Lightning features/);
  });
});
