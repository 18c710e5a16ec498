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

/** What a checkpoint is within its run. */
export type CheckpointRole = "intermediate" | "best" | "final" | "recover";

/** A reason a checkpoint is incomplete or damaged. `error` problems make it incomplete. */
export interface CheckpointProblem {
  /** Stable code, e.g. `OPTIMIZER_MISSING` (see the README's problem table). */
  code: string;
  message: string;
  /** The file or folder concerned. */
  file?: string;
  severity: "error" | "warning";
}

/** One checkpoint, in the same shape for every layout. */
export interface Checkpoint {
  layout: Layout;
  /** Path (local storage) or URI (`tinker://…`). */
  location: string;
  /** Name relative to the run root, e.g. `checkpoint-500` or `default/epoch0epochstep4globalstep4`. */
  name: string;
  /** Training step (exact up to 2^53; compare with `stepText` for larger ones), `null` when unknown. */
  step: number | null;
  /** The step as exact decimal digits (no leading zeros), `null` when unknown. */
  stepText: string | null;
  epoch?: number;
  role: CheckpointRole;
  /** True when the checkpoint is the run's best (HF `best_model_checkpoint`, staged `best/`). */
  best?: boolean;
  capabilities: { resume: boolean; inference: boolean };
  /** No `error` problem. */
  complete: boolean;
  problems: CheckpointProblem[];
  /** Files seen (relative; folders end with `/`). */
  files: string[];
  /** Summed size of the listed files, `null` when sizes were not read or are unknown (remote). */
  bytes: number | null;
  /** Modification time of the folder/file (ms since epoch) when known. */
  mtimeMs?: number;
  /** Numeric metrics logged for this checkpoint (trainer_state `log_history`, `metrics.json`, …). */
  metrics?: Record<string, number>;
  /** Tinker only: the resumable (`weights/`) and inference (`sampler_weights/`) addresses. */
  uris?: { state?: string; sampler?: string };
}

/** A directory entry that looks like a checkpoint but is not one. */
export interface IgnoredEntry {
  path: string;
  reason: string;
  /** Modification time when known (HF `save_total_limit` mtime ordering counts these folders too). */
  mtimeMs?: number;
}

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
