import { formatIssuePath, scanYamlText } from "@rlops/errors";
import { parseDocument } from "yaml";
import * as z from "zod";
import { RewardsError } from "./errors.js";
import { KIND_NAMES, KINDS } from "./kinds/index.js";
import { groupSizeSchema } from "./limits.js";

/** Largest spec text accepted by {@link loadRewardSpec} (1 MiB). */
export const MAX_SPEC_BYTES = 1024 * 1024;
/** Deepest nesting accepted in a spec (flow brackets plus block indentation levels). */
export const MAX_SPEC_DEPTH = 64;
/** Most YAML alias dereferences accepted in a spec. */
export const MAX_SPEC_ALIASES = 100;

const idSchema = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/, "expected an id of letters, digits, `_`, `.` or `-` (max 64)");

const stringOrList = z.union([z.string(), z.array(z.string()).min(1)]);

/** Filter deciding which samples a reward applies to; others get `null` (not applicable). */
const appliesToSchema = z
  .strictObject({
    dataSource: stringOrList.optional(),
    task: stringOrList.optional(),
    /** Any other sample field: `{field: value or values}`. */
    fields: z
      .record(
        z.string(),
        z.union([
          z.string(),
          z.number(),
          z.boolean(),
          z.array(z.union([z.string(), z.number(), z.boolean()])),
        ]),
      )
      .optional(),
  })
  .refine((a) => a.dataSource !== undefined || a.task !== undefined || a.fields !== undefined, {
    message: "appliesTo needs dataSource, task or fields",
  });

/** One reward entry of a spec. */
const rewardEntrySchema = z.strictObject({
  id: idSchema,
  kind: z.enum(KIND_NAMES),
  params: z.record(z.string(), z.unknown()).default({}),
  /** Weight in the aggregate; 0 = logged metric only. */
  weight: z.number().finite().default(1),
  appliesTo: appliesToSchema.optional(),
  /** Per-sample time budget; exceeding it applies `onError`. */
  timeoutMs: z.number().int().positive().optional(),
  /** On failure: `fail` (throw), `null` (not applicable) or a fixed value. */
  onError: z.union([z.literal("fail"), z.null(), z.number().finite()]).default("fail"),
});

/** DAPO dynamic-sampling filter. */
const groupFilterSchema = z.discriminatedUnion("kind", [
  /** verl recipe: keep iff population std > 0 or the group has one sample. */
  z.strictObject({ kind: z.literal("verl"), metric: z.string().default("reward") }),
  /** slime: keep iff unbiased std > threshold (1e-6). */
  z.strictObject({
    kind: z.literal("slime"),
    metric: z.string().default("reward"),
    threshold: z.number().nonnegative().default(1e-6),
  }),
  /** OpenRLHF: keep iff lower < mean < upper (open interval). */
  z.strictObject({
    kind: z.literal("openrlhf"),
    metric: z.string().default("reward"),
    lower: z.number().default(0),
    upper: z.number().default(1),
  }),
  /** Tinker: keep iff not all equal; if every group is constant, keep the first one. */
  z.strictObject({ kind: z.literal("tinker"), metric: z.string().default("reward") }),
  /** Band-pass (verl PR #6155): keep iff lower ≤ mean ≤ upper. */
  z.strictObject({
    kind: z.literal("band"),
    metric: z.string().default("reward"),
    lower: z.number(),
    upper: z.number(),
  }),
]);

/** Group statistics (advantages) settings. */
export const groupSchema = z.strictObject({
  /** Consecutive samples per group (TRL `num_generations`); omit to group by each sample's `group` field. */
  size: groupSizeSchema.optional(),
  /** Std level: `group` (TRL default), `batch` (LitePPO) or `none` (Dr.GRPO). */
  scale: z.enum(["group", "batch", "none"]).default("group"),
  /** `sample` (Bessel, n−1: TRL/verl/OpenRLHF) or `population` (n). */
  std: z.enum(["sample", "population"]).default("sample"),
  /** Added to σ: 1e-4 TRL, 1e-6 verl/slime, 1e-9 OpenRLHF, 1e-5 AReaL. */
  epsilon: z.number().nonnegative().default(1e-4),
  /** Group of one valid reward: `zero` advantage (TRL) or `passthrough` μ=0, σ=1 (verl). */
  singleton: z.enum(["zero", "passthrough"]).default("zero"),
  estimator: z.enum(["grpo", "rloo", "reinforce-baseline", "mean-centered"]).default("grpo"),
  multiObjective: z.enum(["sum-then-normalize", "normalize-then-sum"]).default("sum-then-normalize"),
  filter: groupFilterSchema.optional(),
  /** Emit the best/worst preference pair of each group (weight = reward difference). */
  pairs: z.boolean().default(false),
});

/** The reward spec, version 1. */
export const rewardSpecSchema = z
  .strictObject({
    version: z.literal(1),
    name: z.string().min(1),
    description: z.string().optional(),
    rewards: z.array(rewardEntrySchema).min(1),
    /** `sum`: weighted nansum (TRL); `mean`: weighted mean over applicable rewards. All-null row → null. */
    aggregation: z.enum(["sum", "mean"]).default("sum"),
    /**
     * ProRL stop-properly penalty (OpenRLHF `stop_properly_penalty_coef`) for truncated samples
     * (`truncated: true` or `finishReason: "length"`): `coef ≥ 0` multiplies the reward, `coef < 0` replaces it.
     */
    stopProperly: z.strictObject({ coef: z.number() }).optional(),
    /** AReaL-style transform applied before clipping: `(r + bias) · scale`. */
    transform: z.strictObject({ bias: z.number().default(0), scale: z.number().default(1) }).optional(),
    clip: z
      .strictObject({ min: z.number().optional(), max: z.number().optional() })
      .refine((c) => c.min === undefined || c.max === undefined || c.min <= c.max, {
        message: "clip.min must be <= clip.max",
      })
      .optional(),
    group: groupSchema.optional(),
  })
  .superRefine((spec, ctx) => {
    const seen = new Set<string>();
    spec.rewards.forEach((r, i) => {
      if (seen.has(r.id))
        ctx.addIssue({ code: "custom", path: ["rewards", i, "id"], message: `duplicate id "${r.id}"` });
      seen.add(r.id);
    });
  });

/** A validated reward spec (params of each reward parsed by its kind's schema). */
export type RewardSpec = z.infer<typeof rewardSpecSchema>;
/** A spec as written (input to {@link loadRewardSpec}). */
export type RewardSpecInput = z.input<typeof rewardSpecSchema>;
/** One reward of a spec. */
export type RewardEntry = RewardSpec["rewards"][number];
/** Group settings of a spec, defaults applied. */
export type GroupConfig = z.infer<typeof groupSchema>;
/** A DAPO filter config. */
export type GroupFilter = z.infer<typeof groupFilterSchema>;

function specError(
  issues: readonly z.core.$ZodIssue[],
  prefix: readonly PropertyKey[],
  cause: unknown,
): RewardsError {
  const first = issues[0]!;
  const path = formatIssuePath([...prefix, ...first.path]);
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : "";
  return new RewardsError({
    code: "SPEC_INVALID",
    message: `${path}: ${first.message}${more}`,
    details: {
      path,
      issues: issues.map((i) => ({ path: formatIssuePath([...prefix, ...i.path]), message: i.message })),
    },
    cause,
  });
}

function utf8Length(text: string): number {
  // UTF-8 bytes without allocating: ≥ text.length, so a long string is refused before counting.
  if (text.length > MAX_SPEC_BYTES) return text.length;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

function parseText(text: string): unknown {
  const bytes = utf8Length(text);
  if (bytes > MAX_SPEC_BYTES)
    throw new RewardsError({
      code: "SPEC_TOO_LARGE",
      message: `reward spec is ${bytes} bytes; the limit is ${MAX_SPEC_BYTES}`,
      details: { bytes, limit: MAX_SPEC_BYTES },
    });
  const scan = scanYamlText(text, MAX_SPEC_DEPTH);
  if (scan?.problem === "too-deep")
    throw new RewardsError({
      code: "SPEC_TOO_DEEP",
      message: `reward spec nests deeper than ${MAX_SPEC_DEPTH} levels (line ${scan.line}); a reward spec needs fewer than 10`,
      details: { line: scan.line, limit: MAX_SPEC_DEPTH },
    });
  if (scan?.problem === "stray-indicator")
    throw new RewardsError({
      code: "SPEC_PARSE",
      message: `reward spec is not valid YAML/JSON at line ${scan.line}: unexpected ${JSON.stringify(scan.char)}`,
      details: { line: scan.line },
    });
  // Every parser call stays inside the typed error path: nothing the yaml library throws escapes raw.
  try {
    const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false, logLevel: "error" });
    if (doc.errors.length > 0) {
      const e = doc.errors[0]!;
      throw new RewardsError({
        code: "SPEC_PARSE",
        message: `reward spec is not valid YAML/JSON at line ${e.linePos?.[0]?.line ?? "?"}: ${String(e.message).split("\n")[0]}`,
        cause: e,
      });
    }
    return doc.toJS({ maxAliasCount: MAX_SPEC_ALIASES });
  } catch (cause) {
    if (RewardsError.isInstance(cause)) throw cause;
    const message = (cause as Error)?.message ?? String(cause);
    if (cause instanceof RangeError)
      throw new RewardsError({
        code: "SPEC_TOO_DEEP",
        message: `reward spec nests too deeply for the YAML parser (${message})`,
        details: { limit: MAX_SPEC_DEPTH },
        cause,
      });
    if (/alias/i.test(message))
      throw new RewardsError({
        code: "SPEC_ALIAS_LIMIT",
        message: `reward spec expands too many YAML aliases (limit ${MAX_SPEC_ALIASES}); refusing a possible alias bomb`,
        cause,
      });
    throw new RewardsError({
      code: "SPEC_PARSE",
      message: `reward spec could not be read: ${message}`,
      cause,
    });
  }
}

/**
 * Loads and validates a reward spec from YAML/JSON text or an object. Each reward's `params` are
 * parsed by its kind's schema (defaults applied). Text nesting deeper than {@link MAX_SPEC_DEPTH} is
 * refused before parsing. Throws `RewardsError` with `SPEC_PARSE`, `SPEC_TOO_LARGE`, `SPEC_TOO_DEEP`,
 * `SPEC_ALIAS_LIMIT`, `UNKNOWN_KIND` or `SPEC_INVALID` (message names the path).
 */
export function loadRewardSpec(input: string | unknown): RewardSpec {
  const raw = typeof input === "string" ? parseText(input) : input;
  if (raw && typeof raw === "object" && Array.isArray((raw as { rewards?: unknown }).rewards)) {
    (raw as { rewards: unknown[] }).rewards.forEach((r, i) => {
      const kind = r && typeof r === "object" ? (r as { kind?: unknown }).kind : undefined;
      if (typeof kind === "string" && !KINDS.has(kind))
        throw new RewardsError({
          code: "UNKNOWN_KIND",
          message: `rewards[${i}].kind: unknown kind "${kind}" (built-in kinds: ${KIND_NAMES.join(", ")})`,
          details: { path: `rewards[${i}].kind`, kind },
        });
    });
  }
  const parsed = rewardSpecSchema.safeParse(raw);
  if (!parsed.success) throw specError(parsed.error.issues, [], parsed.error);
  const spec = parsed.data;
  const ids = new Set<string>();
  spec.rewards.forEach((r, i) => {
    const kind = KINDS.get(r.kind)!;
    const p = kind.params.safeParse(r.params);
    if (!p.success) throw specError(p.error.issues, ["rewards", i, "params"], p.error);
    r.params = p.data as Record<string, unknown>;
    for (const ref of kind.references?.(p.data as never) ?? []) {
      if (!ids.has(ref))
        throw new RewardsError({
          code: "SPEC_INVALID",
          message: `rewards[${i}].params.correct.reward: "${ref}" must name a reward listed before "${r.id}"`,
          details: { path: `rewards[${i}].params.correct.reward` },
        });
    }
    ids.add(r.id);
  });
  const filter = spec.group?.filter;
  if (
    filter &&
    filter.metric !== "reward" &&
    !ids.has(filter.metric) &&
    !ids.has(filter.metric.split(".")[0]!)
  )
    throw new RewardsError({
      code: "SPEC_INVALID",
      message: `group.filter.metric: "${filter.metric}" is neither "reward" nor a reward id`,
      details: { path: "group.filter.metric" },
    });
  return spec;
}

/** The JSON Schema (draft 2020-12) of the reward spec, as committed in `reward-spec.schema.json`. */
export function rewardSpecJsonSchema(): Record<string, unknown> {
  const base = z.toJSONSchema(rewardSpecSchema, { io: "input", unrepresentable: "any" }) as Record<
    string,
    unknown
  >;
  const props = base.properties as Record<string, Record<string, unknown>>;
  const items = props.rewards!.items as Record<string, unknown>;
  items.allOf = [...KINDS].map(([name, kind]) => {
    const params = z.toJSONSchema(kind.params as z.ZodType, {
      io: "input",
      unrepresentable: "any",
    }) as Record<string, unknown>;
    delete params.$schema;
    // JSON Schema's `if`/`then` keywords; this object is data, never awaited.
    // biome-ignore lint/suspicious/noThenProperty: JSON Schema keyword
    return { if: { properties: { kind: { const: name } } }, then: { properties: { params } } };
  });
  return { ...base, $id: "https://rlops.dev/schemas/reward-spec.v1.json", title: "rlops reward spec v1" };
}
