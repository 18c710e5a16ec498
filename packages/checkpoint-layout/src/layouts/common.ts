import type { FolderAnalysis, ScanContext } from "../folder.js";
import {
  type Checkpoint,
  type CheckpointRole,
  type IgnoredEntry,
  isDigits,
  type Layout,
  stepFromDigits,
} from "../model.js";
import type { TrainingArgs } from "../pickle/meta.js";
import { mapLimit } from "../storage.js";

/** Progress of a listing: `done` of `total` candidate folders analysed. */
export type ProgressCallback = (progress: { done: number; total: number }) => void;

/** Remote knowledge about Tinker checkpoints (e.g. from `RestClient.list_checkpoints`). */
export interface TinkerRemoteInfo {
  /** Current time (ms since epoch) used for `expires_at` checks; default `Date.now()`. */
  now?: number;
  /** Checkpoints that exist server-side; when given, addresses not in it count as deleted. */
  checkpoints?: Array<{ tinker_path: string; expires_at?: string | null }>;
}

/** Internal scan options. */
export interface ScanOptions extends ScanContext {
  onProgress?: ProgressCallback;
  tinker?: TinkerRemoteInfo;
}

/** What a scanner returns. */
export interface ScanResult {
  root: string;
  checkpoints: Checkpoint[];
  ignored: IgnoredEntry[];
  /** HF: the run's `training_args.bin` (newest checkpoint's), when readable. */
  trainingArgs?: TrainingArgs;
}

/** `<prefix><digits>` → digits, or null. */
export function prefixedStep(name: string, prefix: string): string | null {
  if (!name.startsWith(prefix)) return null;
  const rest = name.slice(prefix.length);
  return isDigits(rest) ? rest : null;
}

/** Trailing ASCII digits of a name (`step-30` → `30`), or null. */
export function trailingDigits(name: string): string | null {
  let i = name.length;
  while (i > 0 && name.charCodeAt(i - 1) >= 0x30 && name.charCodeAt(i - 1) <= 0x39) i--;
  return i < name.length ? name.slice(i) : null;
}

/** Builds a {@link Checkpoint} from an analysis. */
export function makeCheckpoint(
  layout: Layout,
  location: string,
  name: string,
  role: CheckpointRole,
  stepDigits: string | null,
  a: Pick<FolderAnalysis, "problems" | "resume" | "inference" | "files" | "bytes" | "metrics">,
  extra: Partial<Checkpoint> = {},
): Checkpoint {
  const step = stepDigits === null ? { step: null, stepText: null } : stepFromDigits(stepDigits);
  const c: Checkpoint = {
    layout,
    location,
    name,
    step: step.step,
    stepText: step.stepText,
    role,
    capabilities: { resume: a.resume, inference: a.inference },
    complete: !a.problems.some((p) => p.severity === "error"),
    problems: a.problems,
    files: a.files,
    bytes: a.bytes,
    ...extra,
  };
  if (a.metrics) c.metrics = a.metrics;
  if (step.step !== null && !Number.isSafeInteger(step.step))
    c.problems.push({
      code: "STEP_UNSAFE",
      message: `${name}: step ${step.stepText} exceeds 2^53; use stepText for exact value`,
      severity: "warning",
    });
  return c;
}

/** Maps with bounded concurrency, reporting progress. */
export async function progressMap<T, R>(
  opts: ScanOptions,
  items: T[],
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  let done = 0;
  const total = items.length;
  opts.onProgress?.({ done, total });
  return mapLimit(items, 32, async (item) => {
    const r = await fn(item);
    done++;
    if (opts.onProgress && (done === total || done % 50 === 0)) opts.onProgress({ done, total });
    return r;
  });
}
