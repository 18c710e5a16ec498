import { fromZodError, scanYamlText } from "@rlops/errors";
import { parse as parseYaml } from "yaml";
import * as z from "zod";
import { RecoveryError } from "./errors.js";

/** Deepest nesting a breaker config text may have (checked before the YAML parser runs). */
const MAX_CONFIG_DEPTH = 64;
/** Largest breaker config text accepted (characters). */
const MAX_CONFIG_CHARS = 1024 * 1024;

const positiveInt = z.number().int().positive();
const nonNegativeInt = z.number().int().nonnegative();

/** `consecutive: N` — trips on the N-th consecutive bad observation (`>= N`, like cockatiel). */
const consecutiveTriggerSchema = z.object({ consecutive: positiveInt }).strict();

/**
 * `window: {size, fraction, minObservations}` — count-based window over the last `size` observations;
 * trips when `bad / observed >= fraction` and at least `minObservations` (default `size`) were observed.
 */
const windowTriggerSchema = z
  .object({
    window: z
      .object({
        size: positiveInt,
        fraction: z.number().gt(0).lte(1),
        minObservations: positiveInt.optional(),
      })
      .strict()
      .refine((w) => w.minObservations === undefined || w.minObservations <= w.size, {
        message: "minObservations must be <= size",
        path: ["minObservations"],
      }),
  })
  .strict();

/** A rule's trigger: consecutive bad steps, or a bad fraction over a window of observations. */
export const triggerSchema = z.union([consecutiveTriggerSchema, windowTriggerSchema]);

const gapPolicySchema = z.enum(["breakStreak", "ignoreGap", "gapCountsAsFailure"]);
const missingPolicySchema = z.enum(["skip", "error"]);

const ruleCommon = {
  /** Unique rule name, used in decisions and state. */
  name: z.string().min(1),
  /** Metric key as it appears in the record, e.g. `grpo_actor/task_reward/avg`. */
  metric: z.string().min(1),
  /** What a trip asks for. */
  action: z.enum(["stop", "rollback", "save"]).default("rollback"),
  trigger: triggerSchema.default({ consecutive: 1 }),
  /** Records whose step is below this are ignored by the rule. */
  warmupSteps: nonNegativeInt.default(0),
  /** NaN/±Infinity: trip at once (own reason), count as a bad observation, or ignore like a missing value. */
  nonFinite: z.enum(["trip", "fail", "ignore"]).default("trip"),
  /** Overrides the config-level `missing` policy for this rule. */
  missing: missingPolicySchema.optional(),
  /** Overrides the config-level `steps.gap` policy for this rule. */
  gap: gapPolicySchema.optional(),
};

const zeroRuleSchema = z
  .object({ ...ruleCommon, kind: z.literal("zero"), eps: z.number().nonnegative().default(0) })
  .strict();
const belowRuleSchema = z.object({ ...ruleCommon, kind: z.literal("below"), threshold: z.number() }).strict();
const aboveRuleSchema = z.object({ ...ruleCommon, kind: z.literal("above"), threshold: z.number() }).strict();
const nonFiniteRuleSchema = z.object({ ...ruleCommon, kind: z.literal("nonfinite") }).strict();
const spikeRuleSchema = z
  .object({
    ...ruleCommon,
    kind: z.literal("spike"),
    /** Number of accepted (non-spike, finite) values the median/MAD are computed over. */
    window: z.number().int().min(3).default(100),
    /** Robust z-score `(x - median) / (1.4826 * MAD)` above which a value is a spike. */
    threshold: z.number().positive().default(6),
    /** `up` flags only values above the median, `down` only below, `both` either way. */
    direction: z.enum(["up", "down", "both"]).default("up"),
    /** Accepted values needed before the detector can flag anything. */
    minObservations: z.number().int().min(3).default(10),
  })
  .strict();

/** A breaker rule on one metric (`zero`, `below`, `above`, `nonfinite`, `spike`) with its trigger. */
export const ruleSchema = z.discriminatedUnion("kind", [
  zeroRuleSchema,
  belowRuleSchema,
  aboveRuleSchema,
  nonFiniteRuleSchema,
  spikeRuleSchema,
]);

/**
 * Early stopping. `flavor: "lightning"` (default) reproduces Lightning's `EarlyStopping` exactly;
 * `flavor: "hf"` reproduces transformers' `EarlyStoppingCallback` + Trainer best-metric update.
 */
export const earlyStoppingSchema = z
  .object({
    name: z.string().min(1),
    metric: z.string().min(1),
    mode: z.enum(["min", "max"]).default("min"),
    patience: nonNegativeInt.default(3),
    minDelta: z.number().nonnegative().default(0),
    stoppingThreshold: z.number().optional(),
    divergenceThreshold: z.number().optional(),
    checkFinite: z.boolean().default(true),
    warmupSteps: nonNegativeInt.default(0),
    missing: missingPolicySchema.optional(),
    flavor: z.enum(["lightning", "hf"]).default("lightning"),
  })
  .strict()
  .refine(
    (es) =>
      es.flavor !== "hf" || (es.stoppingThreshold === undefined && es.divergenceThreshold === undefined),
    {
      message: 'stoppingThreshold and divergenceThreshold are Lightning features; flavor "hf" has none',
      path: ["flavor"],
    },
  );

/** Goal rule: stop after `count` perfect solutions (across distinct problems by default). */
export const goalSchema = z
  .object({
    name: z.string().min(1),
    kind: z.literal("perfect"),
    count: positiveInt.default(3),
    /** Metric whose value > 0 marks a perfect solution at that step. */
    metric: z.string().min(1).default("perfect"),
    /** Count distinct `record.problem` values (true) or perfect steps (false). */
    distinct: z.boolean().default(true),
  })
  .strict();

/** Save-best rule: a `save` decision whenever the metric strictly improves by more than `minDelta`. */
export const bestSchema = z
  .object({
    name: z.string().min(1),
    metric: z.string().min(1),
    mode: z.enum(["min", "max"]).default("max"),
    minDelta: z.number().nonnegative().default(0),
  })
  .strict();

/** Full breaker config (YAML or JSON). */
export const breakerConfigSchema = z
  .object({
    version: z.literal(1).default(1),
    rules: z.array(ruleSchema).default([]),
    earlyStopping: z.array(earlyStoppingSchema).default([]),
    goals: z.array(goalSchema).default([]),
    best: z.array(bestSchema).default([]),
    steps: z
      .object({
        /** Same step seen again: keep the first record, replace with the last, or throw. */
        duplicates: z.enum(["first", "last", "error"]).default("first"),
        /** A step lower than the last one: drop it, treat it as a resume (reset detectors), or throw. */
        outOfOrder: z.enum(["ignore", "rewind", "error"]).default("ignore"),
        gap: gapPolicySchema.default("ignoreGap"),
      })
      .strict()
      .default({ duplicates: "first", outOfOrder: "ignore", gap: "ignoreGap" }),
    missing: missingPolicySchema.default("skip"),
    /** How a `null` metric value is read: as NaN (JSON cannot hold NaN) or as missing. */
    nullValues: z.enum(["nan", "missing"]).default("nan"),
    probation: z
      .object({ steps: positiveInt.default(20), maxFailFraction: z.number().min(0).max(1).default(0.25) })
      .strict()
      .default({ steps: 20, maxFailFraction: 0.25 }),
    escalation: z
      .object({ maxRollbacks: nonNegativeInt.default(3) })
      .strict()
      .default({ maxRollbacks: 3 }),
  })
  .strict()
  .superRefine((config, ctx) => {
    const seen = new Set<string>();
    const groups = [
      ["rules", config.rules],
      ["earlyStopping", config.earlyStopping],
      ["goals", config.goals],
      ["best", config.best],
    ] as const;
    for (const [group, list] of groups) {
      list.forEach((entry, index) => {
        if (seen.has(entry.name))
          ctx.addIssue({
            code: "custom",
            message: `duplicate rule name "${entry.name}"`,
            path: [group, index, "name"],
          });
        seen.add(entry.name);
      });
    }
    if (seen.size === 0) ctx.addIssue({ code: "custom", message: "config defines no rule", path: [] });
  });

/** Breaker config as accepted (before defaults). */
export type BreakerConfigInput = z.input<typeof breakerConfigSchema>;
/** Breaker config with every default filled in. */
export type BreakerConfig = z.output<typeof breakerConfigSchema>;
/** One breaker rule (defaults filled in). */
export type Rule = z.output<typeof ruleSchema>;
/** A rule's trigger. */
export type Trigger = z.output<typeof triggerSchema>;
/** One early-stopping rule. */
export type EarlyStoppingRule = z.output<typeof earlyStoppingSchema>;
/** One goal rule. */
export type GoalRule = z.output<typeof goalSchema>;
/** One save-best rule. */
export type BestRule = z.output<typeof bestSchema>;

/**
 * Parses and validates a breaker config from YAML/JSON text or an object, filling in defaults.
 * Throws `RecoveryError` `INVALID_CONFIG` naming the offending path, and `CONFIG_TOO_DEEP` for text
 * nested deeper than `MAX_CONFIG_DEPTH` (64) levels (or longer than `MAX_CONFIG_CHARS`),
 * checked before the YAML parser runs. Never throws anything but a `RecoveryError`.
 */
export function loadBreakerConfig(input: string | unknown, source = "breaker config"): BreakerConfig {
  let raw: unknown = input;
  if (typeof input === "string") {
    if (input.length > MAX_CONFIG_CHARS)
      throw new RecoveryError({
        code: "CONFIG_TOO_DEEP",
        message: `${source}: ${input.length} characters, more than ${MAX_CONFIG_CHARS} (a breaker config is a few KB)`,
      });
    const scan = scanYamlText(input, MAX_CONFIG_DEPTH);
    if (scan?.problem === "too-deep")
      throw new RecoveryError({
        code: "CONFIG_TOO_DEEP",
        message: `${source}: nested ${scan.depth} levels deep (line ${scan.line}), more than ${MAX_CONFIG_DEPTH}`,
        details: { depth: scan.depth, line: scan.line, max: MAX_CONFIG_DEPTH },
      });
    if (scan?.problem === "stray-indicator")
      throw new RecoveryError({
        code: "INVALID_CONFIG",
        message: `${source}: not valid YAML/JSON: unexpected ${JSON.stringify(scan.char)} at line ${scan.line}`,
        details: { line: scan.line },
      });
    try {
      raw = parseYaml(input, { maxAliasCount: 100, prettyErrors: false, logLevel: "error" });
    } catch (cause) {
      throw new RecoveryError({
        code: "INVALID_CONFIG",
        message: `${source}: not valid YAML/JSON: ${(cause as Error).message.split("\n")[0]}`,
        cause,
      });
    }
  }
  let result: ReturnType<typeof breakerConfigSchema.safeParse>;
  try {
    result = breakerConfigSchema.safeParse(raw ?? {});
  } catch (cause) {
    throw new RecoveryError({
      code: "INVALID_CONFIG",
      message: `${source}: cannot be validated (${(cause as Error).message.split("\n")[0]})`,
      cause,
    });
  }
  if (!result.success) throw fromZodError(RecoveryError, "INVALID_CONFIG", result.error, { where: source });
  return result.data;
}
