import * as z from "zod";
import type { TrainingArgs } from "./pickle/meta.js";

/** Every layout the package understands. */
export const LAYOUTS = [
  "hf",
  "areal",
  "staged",
  "tinker",
  "step-folders",
  "lightning",
  "deepspeed",
  "dcp",
] as const;
/** A checkpoint layout name. */
export type Layout = (typeof LAYOUTS)[number];

/** zod schema of a layout name. */
export const layoutSchema = z.enum(LAYOUTS);

/** What a checkpoint is within its run. */
export const checkpointRoleSchema = z.enum(["intermediate", "best", "final", "recover"]);
/** What a checkpoint is within its run. */
export type CheckpointRole = z.infer<typeof checkpointRoleSchema>;

/**
 * Every stable code a {@link CheckpointProblem} carries (the README's problem table lists what each
 * means). A union, so a consumer's `switch` is checked and a new code is a visible change.
 */
export const checkpointProblemCodeSchema = z.enum([
  // weights and what they need
  "WEIGHTS_MISSING",
  "SHARD_MISSING",
  "INDEX_INVALID",
  "INDEX_MISMATCH",
  "ADAPTER_CONFIG_MISSING",
  "EMPTY_FILE",
  "FILE_MISSING",
  "NEEDS_BASE_MODEL",
  "SAVE_ONLY_MODEL",
  // safetensors reader rules
  "SAFETENSORS_TRUNCATED",
  "SAFETENSORS_LENGTH_MISMATCH",
  "SAFETENSORS_HEADER_TOO_LARGE",
  "SAFETENSORS_HEADER_INVALID",
  "SAFETENSORS_BAD_OFFSETS",
  "SAFETENSORS_BAD_SIZE",
  // torch zip archives and Lightning `.ckpt` pickles
  "ZIP_INVALID",
  "ZIP_TRUNCATED",
  "ZIP_CRC_MISMATCH",
  "ZIP_NOT_TORCH",
  "ZIP_COMPRESSED",
  "ZIP_NAME_INVALID",
  "ZIP_NAME_MISMATCH",
  "PICKLE_NO_STOP",
  "CKPT_UNREADABLE",
  // trainer state, optimizer, scheduler, RNG, the incomplete marker
  "TRAINER_STATE_MISSING",
  "TRAINER_STATE_INVALID",
  "STEP_MISMATCH",
  "OPTIMIZER_MISSING",
  "SCHEDULER_MISSING",
  "RNG_MISSING",
  "RNG_RANK_MISSING",
  "INCOMPLETE_MARKER",
  // DeepSpeed `latest` ↔ tag ↔ rank files
  "DEEPSPEED_LATEST_MISSING",
  "DEEPSPEED_TAG_MISSING",
  "DEEPSPEED_RANK_MISSING",
  "DEEPSPEED_NOT_COMMITTED",
  // torch.distributed.checkpoint
  "DCP_METADATA_MISSING",
  "DCP_WRITE_IN_PROGRESS",
  "DCP_DATA_MISSING",
  "DCP_DATA_TRUNCATED",
  "DCP_METADATA_INVALID",
  // AReaL `recover_info/` and exports
  "RECOVER_INFO_MISSING",
  "RECOVER_INFO_INVALID",
  "RECOVER_STEP_NEGATIVE",
  "RECOVER_CHECKPOINT_MISSING",
  "EXPORT_ONLY",
  // staged trainers
  "STAGED_FILE_MISSING",
  "METADATA_MISSING",
  "METADATA_INVALID",
  // Tinker addresses
  "TINKER_PATH_INVALID",
  "TINKER_DELETED",
  "TINKER_EXPIRED",
  // storage faults, unknown files, response logs, huge steps
  "UNREADABLE",
  "UNKNOWN_FILE",
  "RESPONSE_LOG_STEP_MISMATCH",
  "STEP_UNSAFE",
  // sha256 manifests
  "MANIFEST_FILE_MISSING",
  "MANIFEST_SIZE_MISMATCH",
  "MANIFEST_HASH_MISMATCH",
  "MANIFEST_EXTRA_FILE",
  "MANIFEST_INVALID",
]);
/** A stable problem code (see {@link checkpointProblemCodeSchema}). */
export type CheckpointProblemCode = z.infer<typeof checkpointProblemCodeSchema>;

/** A reason a checkpoint is incomplete or damaged. `error` problems make it incomplete. */
export const checkpointProblemSchema = z.object({
  /** Stable code, e.g. `OPTIMIZER_MISSING` (see the README's problem table). */
  code: checkpointProblemCodeSchema,
  message: z.string(),
  /** The file or folder concerned. */
  file: z.string().optional(),
  severity: z.enum(["error", "warning"]),
});
/** A reason a checkpoint is incomplete or damaged (see {@link checkpointProblemSchema}). */
export type CheckpointProblem = z.infer<typeof checkpointProblemSchema>;

/** Any JavaScript number, `NaN` and `±Infinity` included (trainers log them: `grad_norm: NaN`). */
const metricValue = z.custom<number>((v) => typeof v === "number", { message: "expected a number" });

/** One checkpoint, in the same shape for every layout. */
export const checkpointSchema = z.object({
  layout: layoutSchema,
  /** Path (local storage) or URI (`tinker://…`). */
  location: z.string(),
  /** Name relative to the run root, e.g. `checkpoint-500` or `default/epoch0epochstep4globalstep4`. */
  name: z.string(),
  /** Training step (exact up to 2^53; compare with `stepText` for larger ones), `null` when unknown. */
  step: z.number().nonnegative().nullable(),
  /** The step as exact decimal digits (no leading zeros), `null` when unknown. */
  stepText: z
    .string()
    .regex(/^[0-9]+$/)
    .nullable(),
  epoch: z.number().optional(),
  role: checkpointRoleSchema,
  /** True when the checkpoint is the run's best (HF `best_model_checkpoint`, staged `best/`). */
  best: z.boolean().optional(),
  capabilities: z.object({ resume: z.boolean(), inference: z.boolean() }),
  /** No `error` problem. */
  complete: z.boolean(),
  problems: z.array(checkpointProblemSchema),
  /** Files seen (relative; folders end with `/`). */
  files: z.array(z.string()),
  /** Summed size of the listed files, `null` when sizes were not read or are unknown (remote). */
  bytes: z.number().nonnegative().nullable(),
  /** Modification time of the folder/file (ms since epoch) when known. */
  mtimeMs: z.number().optional(),
  /** Numeric metrics logged for this checkpoint (trainer_state `log_history`, `metrics.json`, …). */
  metrics: z.record(z.string(), metricValue).optional(),
  /** Tinker only: the resumable (`weights/`) and inference (`sampler_weights/`) addresses. */
  uris: z.object({ state: z.string().optional(), sampler: z.string().optional() }).optional(),
});
/** One checkpoint, in the same shape for every layout (see {@link checkpointSchema}). */
export type Checkpoint = z.infer<typeof checkpointSchema>;

/** A directory entry that looks like a checkpoint but is not one. */
export const ignoredEntrySchema = z.object({
  path: z.string(),
  reason: z.string(),
  /** Modification time when known (HF `save_total_limit` mtime ordering counts these folders too). */
  mtimeMs: z.number().optional(),
});
/** A directory entry that looks like a checkpoint but is not one (see {@link ignoredEntrySchema}). */
export type IgnoredEntry = z.infer<typeof ignoredEntrySchema>;

/** Result of `listCheckpoints`: the `--json` output of `rlops ckpt list`. */
export interface CheckpointListing {
  layout: Layout;
  root: string;
  checkpoints: Checkpoint[];
  ignored: IgnoredEntry[];
  /**
   * HF runs: the run's own training arguments from `training_args.bin` (newest checkpoint's), so
   * retention and advice can follow its `save_total_limit`, `save_steps`, `max_steps`, best metric.
   */
  trainingArgs?: TrainingArgs;
}

/** Strips leading zeros; `""` → `"0"`. */
export function normalizeDigits(digits: string): string {
  let i = 0;
  while (i < digits.length - 1 && digits[i] === "0") i++;
  return digits.slice(i);
}

/** Compares two decimal digit strings numerically (any length). */
export function compareStepText(a: string, b: string): number {
  const x = normalizeDigits(a);
  const y = normalizeDigits(b);
  if (x.length !== y.length) return x.length - y.length;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** `{step, stepText}` from decimal digits. */
export function stepFromDigits(digits: string): { step: number; stepText: string } {
  const stepText = normalizeDigits(digits);
  return { step: Number(stepText), stepText };
}

/** True when `s` is a non-empty run of ASCII digits. */
export function isDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

const roleRank: Record<CheckpointRole, number> = { best: 0, intermediate: 1, recover: 1, final: 2 };

/**
 * Orders checkpoints oldest → newest: by step (numerically, exact for huge numbers); checkpoints
 * without a step go last for `final` roles and first for `best`; ties by name.
 */
export function compareCheckpoints(a: Checkpoint, b: Checkpoint): number {
  const ka = a.stepText === null ? (a.role === "best" ? -1 : 1) : 0;
  const kb = b.stepText === null ? (b.role === "best" ? -1 : 1) : 0;
  if (ka !== kb) return ka - kb;
  if (a.stepText !== null && b.stepText !== null) {
    const c = compareStepText(a.stepText, b.stepText);
    if (c !== 0) return c;
  }
  const r = roleRank[a.role] - roleRank[b.role];
  if (r !== 0) return r;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}
