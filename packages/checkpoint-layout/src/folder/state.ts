import type { CheckpointProblem, CheckpointProblemCode } from "../model.js";
import { type DirEntry, joinPath } from "../storage.js";
import type { ScanContext } from "./context.js";
import type { DeepSpeedAnalysis } from "./deepspeed.js";

/** Result of analysing one model folder. */
export interface FolderAnalysis {
  problems: CheckpointProblem[];
  resume: boolean;
  inference: boolean;
  files: string[];
  bytes: number | null;
  metrics?: Record<string, number>;
  bestModelCheckpoint?: string | null;
  globalStepText?: string;
  /** `trainer_state.json` says training ended here (`global_step >= max_steps`, or `should_training_stop`). */
  trainingStopped?: boolean;
}

/** What the folder is expected to hold. */
export interface FolderExpectations {
  /** `training`: a resumable trainer checkpoint; `export`: weights only by design; `auto`: training if it has optimizer/trainer state. */
  kind: "training" | "export" | "auto";
  /** Folder step (digits) that `trainer_state.global_step` must equal. */
  expectedStep?: string;
  /** `trainer_state.json` is required for resume (HF Trainer). */
  requireTrainerState: boolean;
  /** A missing `scheduler.pt` blocks resume (HF Trainer) or is only a warning. */
  requireScheduler: boolean;
}

/** Single-file weights, full models first (`slice(0, 2)` are the full ones). */
export const SINGLE_WEIGHTS = [
  "model.safetensors",
  "pytorch_model.bin",
  "adapter_model.safetensors",
  "adapter_model.bin",
];
/** Shard index files. */
export const INDEX_FILES = ["model.safetensors.index.json", "pytorch_model.bin.index.json"];

/**
 * What the completeness rules of one folder share: the listing, what earlier rules found, and the
 * verdict being built. Each {@link FolderRule} reads and updates it; the order of the rules is the
 * order of the problems.
 * @internal
 */
export interface FolderState {
  readonly ctx: ScanContext;
  readonly dir: string;
  readonly expect: FolderExpectations;
  readonly entries: DirEntry[];
  readonly fileMap: Map<string, DirEntry>;
  readonly dirs: string[];
  readonly problems: CheckpointProblem[];
  /** Files seen (relative; folders end with `/`). */
  files: string[];
  bytes: number;
  sizesKnown: boolean;
  /** Weight files whose headers the `headers` verify level checks. */
  weightFiles: string[];
  inferWeights: boolean;
  resumeWeights: boolean;
  inferBlocked: boolean;
  resumeBlocked: boolean;
  deepSpeed: DeepSpeedAnalysis;
  hasOptimizer: boolean;
  /** The folder is a training checkpoint (expected or detected). */
  training: boolean;
  /** `training_args.bin` says `save_only_model=True`. */
  saveOnlyModel: boolean;
  globalStepText?: string;
  metrics?: Record<string, number>;
  bestModelCheckpoint?: string | null;
  trainingStopped?: boolean;
  /** Adds an error problem on `file` (relative to the folder) or the folder. */
  err(code: CheckpointProblemCode, message: string, file?: string): void;
  /** Adds a warning problem on `file` (relative to the folder) or the folder. */
  warn(code: CheckpointProblemCode, message: string, file?: string): void;
}

/**
 * One completeness rule of a model folder: a named step the analyser runs in order.
 * @internal
 */
export interface FolderRule {
  /** Stable id (for tests and debugging). */
  id: string;
  /** Runs only when this returns true (default: always). */
  when?(state: FolderState): boolean;
  run(state: FolderState): void | Promise<void>;
}

/** The initial state of a folder from its listing. */
export function createFolderState(
  ctx: ScanContext,
  dir: string,
  entries: DirEntry[],
  expect: FolderExpectations,
): FolderState {
  const problems: CheckpointProblem[] = [];
  const fileMap = new Map<string, DirEntry>();
  const dirs: string[] = [];
  const files: string[] = [];
  let bytes = 0;
  let sizesKnown = ctx.sizes;
  for (const e of entries) {
    if (e.type === "file") {
      fileMap.set(e.name, e);
      files.push(e.name);
      if (e.size === undefined) sizesKnown = false;
      else bytes += e.size;
    } else if (e.type === "dir") {
      dirs.push(e.name);
      files.push(`${e.name}/`);
    }
  }
  const add = (severity: "error" | "warning", code: CheckpointProblemCode, message: string, file?: string) =>
    problems.push({ code, message, file: file === undefined ? dir : joinPath(dir, file), severity });
  return {
    ctx,
    dir,
    expect,
    entries,
    fileMap,
    dirs,
    problems,
    files,
    bytes,
    sizesKnown,
    weightFiles: [],
    inferWeights: false,
    resumeWeights: false,
    inferBlocked: false,
    resumeBlocked: false,
    deepSpeed: { modelStates: false, optimStates: false, world: null, bytes: 0 },
    hasOptimizer: false,
    training: false,
    saveOnlyModel: false,
    err: (code, message, file) => add("error", code, message, file),
    warn: (code, message, file) => add("warning", code, message, file),
  };
}

/** The analysis a finished state describes. */
export function folderVerdict(s: FolderState): FolderAnalysis {
  const hasErrors = s.problems.some((p) => p.severity === "error");
  return {
    problems: s.problems,
    resume: s.training && s.resumeWeights && !s.resumeBlocked && !hasErrors,
    inference: s.inferWeights && !s.inferBlocked,
    files: s.files,
    bytes: s.sizesKnown ? s.bytes : null,
    metrics: s.metrics,
    bestModelCheckpoint: s.bestModelCheckpoint,
    globalStepText: s.globalStepText,
    ...(s.trainingStopped === undefined ? {} : { trainingStopped: s.trainingStopped }),
  };
}
