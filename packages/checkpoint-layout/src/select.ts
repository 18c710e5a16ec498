import * as z from "zod";
import type { StepBound } from "./api.js";
import { CheckpointError } from "./errors.js";
import { type Checkpoint, compareCheckpoints, compareStepText } from "./model.js";

/** What a checkpoint must be usable for. */
export type CheckpointUse = "resume" | "inference";

/**
 * A candidate a selector walked past, and why: every reason is `CODE: message` (a problem code of
 * the checkpoint, `NOT_RESUMABLE` or `NO_INFERENCE_WEIGHTS`). Checkpoints outside the step bounds are left out.
 */
export const rejectedCandidateSchema = z.object({
  name: z.string(),
  location: z.string(),
  step: z.number().nullable(),
  reasons: z.array(z.string()).min(1),
});
/** A rejected candidate. */
export type RejectedCandidate = z.infer<typeof rejectedCandidateSchema>;

/** Options of {@link selectCheckpoint}. */
export interface SelectOptions {
  /** Default `resume`. */
  require?: CheckpointUse;
  /** Only steps `< beforeStep` qualify (stepless checkpoints do not when a bound is set). */
  beforeStep?: StepBound;
  /** Only steps `≤ maxStep` qualify. */
  maxStep?: StepBound;
}

/** The outcome of {@link selectCheckpoint}. */
export interface Selection {
  /** The newest qualifying checkpoint, or `null`. */
  checkpoint: Checkpoint | null;
  /** The address to use: for Tinker the `weights/` (resume) or `sampler_weights/` (inference) URI. */
  location: string | null;
  /** Newer candidates that were passed over, newest first, each with its reasons. */
  rejected: RejectedCandidate[];
}

/** Exact decimal digits of a step bound, or a typed error naming `flag`. */
export function stepBoundText(bound: StepBound, flag: string): string {
  const s =
    typeof bound === "string"
      ? bound.trim()
      : typeof bound === "bigint"
        ? bound.toString()
        : Number.isSafeInteger(bound)
          ? String(bound)
          : "";
  if (!/^\d+$/.test(s))
    throw new CheckpointError({
      code: "INVALID_INPUT",
      message: `${flag}: expected a non-negative integer, got ${JSON.stringify(String(bound))}`,
      details: { flag },
    });
  return s;
}

/** Validated selection criteria. */
export interface Criteria {
  need: CheckpointUse;
  before?: string;
  max?: string;
}

/** Checks `require` and the step bounds once. */
export function criteria(options: SelectOptions): Criteria {
  const need = options.require ?? "resume";
  if (need !== "resume" && need !== "inference")
    throw new CheckpointError({
      code: "INVALID_INPUT",
      message: `require: expected "resume" or "inference", got ${JSON.stringify(need)}`,
    });
  const out: Criteria = { need };
  if (options.beforeStep !== undefined) out.before = stepBoundText(options.beforeStep, "beforeStep");
  if (options.maxStep !== undefined) out.max = stepBoundText(options.maxStep, "maxStep");
  return out;
}

/** Why a step (digits or `null`) is outside the bounds, or `null` when it is inside. */
export function stepRejection(stepText: string | null, k: Criteria): string | null {
  if (k.before === undefined && k.max === undefined) return null;
  if (stepText === null) return "NO_STEP: has no step, and a step bound is set";
  if (k.before !== undefined && compareStepText(stepText, k.before) >= 0)
    return `STEP_FILTERED: step ${stepText} is not before step ${k.before}`;
  if (k.max !== undefined && compareStepText(stepText, k.max) > 0)
    return `STEP_FILTERED: step ${stepText} is above the maximum step ${k.max}`;
  return null;
}

/** The one rule: why `c` does not qualify (reasons), or `null` when it does. */
export function judgeCheckpoint(c: Checkpoint, k: Criteria): string[] | null {
  const step = stepRejection(c.stepText, k);
  if (step) return [step];
  if (c.capabilities[k.need]) return null;
  const reasons = c.problems.filter((p) => p.severity === "error").map((p) => `${p.code}: ${p.message}`);
  if (!reasons.length)
    reasons.push(
      k.need === "resume"
        ? "NOT_RESUMABLE: holds no resumable training state (weights only)"
        : "NO_INFERENCE_WEIGHTS: holds no weights usable for inference",
    );
  return reasons;
}

/** The address of a chosen checkpoint for `need` (Tinker: its `weights/` or `sampler_weights/` URI). */
export function useLocation(c: Checkpoint, need: CheckpointUse): string {
  if (c.layout !== "tinker") return c.location;
  return (need === "resume" ? c.uris?.state : c.uris?.sampler) ?? c.location;
}

/** A rejected-candidate record. */
export function rejection(
  c: Pick<Checkpoint, "name" | "location" | "step">,
  reasons: string[],
): RejectedCandidate {
  return { name: c.name, location: c.location, step: c.step, reasons };
}

/**
 * The one checkpoint selector: walks a listing newest → oldest and returns the newest checkpoint
 * that qualifies for `require` (`resume`: weights, trainer state with the right step, optimizer,
 * scheduler…; `inference`: usable weights) within the step bounds, with every newer candidate it
 * passed over and why (checkpoints outside the step bounds are left out, not rejected). Pure: it reads nothing (use `latestCheckpoint` to read a run lazily).
 */
export function selectCheckpoint(
  listing: { checkpoints: readonly Checkpoint[] },
  options: SelectOptions = {},
): Selection {
  const k = criteria(options);
  const ordered = [...listing.checkpoints].sort(compareCheckpoints);
  const rejected: RejectedCandidate[] = [];
  for (let i = ordered.length - 1; i >= 0; i--) {
    const c = ordered[i]!;
    // outside the step bounds: not a candidate at all (left out, like listCheckpoints' filters)
    if (stepRejection(c.stepText, k)) continue;
    const reasons = judgeCheckpoint(c, k);
    if (!reasons) return { checkpoint: c, location: useLocation(c, k.need), rejected };
    rejected.push(rejection(c, reasons));
  }
  return { checkpoint: null, location: null, rejected };
}
