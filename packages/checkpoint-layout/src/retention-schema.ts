import * as z from "zod";
import { LAYOUTS } from "./model.js";

/**
 * Hugging Face `save_total_limit` rotation, reproduced exactly: `version` 4 (late 4.5x: best
 * bubbled up to position len-2, limit raised to 2 for limit 1 + best) or 5 (protected set
 * `{newest, best}`), `ordering` numeric (prefix regex `.*checkpoint-([0-9]+)` on the full path) or
 * mtime (every `checkpoint-*` folder, falling back to numeric when all mtimes lie within 1 s).
 * HF always passes `state.best_model_checkpoint` to its rotation; so must the caller.
 */
const hfRetentionPolicySchema = z.strictObject({
  kind: z.literal("hf"),
  saveTotalLimit: z.number().int(),
  /** Default 5. */
  version: z.union([z.literal(4), z.literal(5)]).optional(),
  /** Default `mtime` (what 5.18.0 and 4.52+ pass to the rotation). */
  ordering: z.enum(["numeric", "mtime"]).optional(),
  /** `best_model_checkpoint` of the newest `trainer_state.json` (a path or a folder name). */
  bestModelCheckpoint: z.string().nullish(),
  /** Also apply the train-end rule (`save_total_limit == 1` + a best: delete every numbered checkpoint but the best). */
  endOfTraining: z.boolean().optional(),
  /**
   * Default true: the newest complete resumable checkpoint is kept even where HF itself would
   * delete it (the plan says so in `overrides`). `false` must be passed explicitly.
   */
  keepNewestResumable: z.boolean().optional(),
});
/** The `hf` policy. */
export type HfRetentionPolicy = z.infer<typeof hfRetentionPolicySchema>;

/** The safe policy: `keepLast` counts complete checkpoints only; the safety set is always kept. */
const safeRetentionPolicySchema = z.strictObject({
  kind: z.literal("safe"),
  /** Keep the K newest complete checkpoints that have a step. */
  keepLast: z.number().int().nonnegative(),
  /** The best checkpoint is always kept; `false` is rejected (kept for compatibility). */
  keepBest: z.boolean().optional(),
  /** Keep every checkpoint whose step is a multiple of N. */
  keepEvery: z.number().int().positive().optional(),
  /** Keep the checkpoint with the best value of this metric (from `metrics`). */
  bestMetric: z.strictObject({ name: z.string(), greaterIsBetter: z.boolean().optional() }).optional(),
  /** Default true; `false` (explicit) lets the newest complete resumable checkpoint go. */
  keepNewestResumable: z.boolean().optional(),
});
/** The `safe` policy. */
export type SafeRetentionPolicy = z.infer<typeof safeRetentionPolicySchema>;

/** Any retention policy. */
export const retentionPolicySchema = z.discriminatedUnion("kind", [
  hfRetentionPolicySchema,
  safeRetentionPolicySchema,
]);
/** Any retention policy. */
export type RetentionPolicy = z.infer<typeof retentionPolicySchema>;

/** A checkpoint no policy may delete (e.g. the rollback target of a tripped breaker), with the reason. */
export const retentionProtectSchema = z.strictObject({
  /** Matched against the candidate's name (relative to the run root)… */
  name: z.string().optional(),
  /** …or its location (path or URI)… */
  location: z.string().optional(),
  /**
   * …or its step (every candidate at that step; a number or exact decimal digits): what a breaker
   * decision gives, e.g. `{step: 150, reason: "rollback target of breaker rule reward_collapse"}`.
   */
  step: z.union([z.number().int().nonnegative(), z.string().regex(/^[0-9]+$/)]).optional(),
  /** Shown in the plan, e.g. `rollback target of breaker rule reward_collapse`. */
  reason: z.string().min(1),
});
/** A protected checkpoint (by name, location or step). */
export type RetentionProtect = z.infer<typeof retentionProtectSchema>;

/** Content identity of a folder: its file names, sizes and mtimes (sha256 over the sorted list). */
const folderFingerprintSchema = z.strictObject({
  files: z.number().int().nonnegative(),
  bytes: z.number().nonnegative(),
  digest: z.string().regex(/^[0-9a-f]{64}$/),
});
/** Content identity of a folder. */
export type FolderFingerprint = z.infer<typeof folderFingerprintSchema>;

/** Why a kept checkpoint guards the run (re-validated before every deletion). */
const retentionGuardSchema = z.enum(["newest-resumable", "best", "protected"]);
/** A guard kind. */
export type RetentionGuard = z.infer<typeof retentionGuardSchema>;

/** One decision of a plan. */
const retentionDecisionSchema = z.strictObject({
  name: z.string(),
  location: z.string(),
  step: z.number().nullable(),
  reason: z.string(),
  /** Modification time when planned; `applyRetention` refuses to delete a folder whose mtime changed. */
  mtimeMs: z.number().optional(),
  /** Content identity when planned; `applyRetention` refuses to delete a folder whose content changed. */
  fingerprint: folderFingerprintSchema.optional(),
  /** On kept checkpoints the run depends on: what it guards. */
  guard: retentionGuardSchema.optional(),
});
/** One decision of a plan. */
export type RetentionDecision = z.infer<typeof retentionDecisionSchema>;

/** A checkpoint the `hf` policy keeps although transformers itself would delete it. */
const retentionOverrideSchema = z.strictObject({
  name: z.string(),
  location: z.string(),
  /** What transformers would have done (`save_total_limit=1 (transformers 5.x rotation, …)`). */
  hf: z.string(),
  /** Why rlops keeps it. */
  keptBecause: z.string(),
});
/** An `hf` override. */
export type RetentionOverride = z.infer<typeof retentionOverrideSchema>;

/**
 * A dry-run retention plan: nothing is deleted until `applyRetention`. This is also the
 * `rlops ckpt prune --json` shape that `--apply --plan plan.json` reads back.
 */
export const retentionPlanSchema = z.object({
  policy: retentionPolicySchema,
  keep: z.array(retentionDecisionSchema),
  delete: z.array(retentionDecisionSchema),
  notes: z.array(z.string()),
  /** Checkpoints the `hf` policy keeps where transformers would delete them. */
  overrides: z.array(retentionOverrideSchema).default([]),
  /** The protect list the plan was made with. */
  protect: z.array(retentionProtectSchema).default([]),
  /** The run the plan was made for (set by `planRunRetention`); lets `applyRetention` re-validate it. */
  run: z.strictObject({ root: z.string(), layout: z.enum(LAYOUTS) }).optional(),
});
/** A dry-run retention plan. */
export type RetentionPlan = z.input<typeof retentionPlanSchema>;
/** A parsed plan (defaults applied). */
export type ParsedRetentionPlan = z.output<typeof retentionPlanSchema>;
