import { formatIssuePath } from "@rlops/errors";
import { CheckpointError } from "./errors.js";
import { type Checkpoint, compareCheckpoints, compareStepText } from "./model.js";
import { hfRotation } from "./retention-hf.js";
import {
  type HfRetentionPolicy,
  type ParsedRetentionPlan,
  type RetentionDecision,
  type RetentionGuard,
  type RetentionOverride,
  type RetentionPolicy,
  type RetentionProtect,
  retentionPolicySchema,
  retentionProtectSchema,
  type SafeRetentionPolicy,
} from "./retention-schema.js";
import { trimSlash } from "./storage.js";

export { hfCheckpointNumber } from "./retention-hf.js";

/** The fields retention needs; a {@link Checkpoint} satisfies it, so do HF's ignored `checkpoint-*` siblings. */
export interface RetentionCandidate {
  name: string;
  location?: string;
  stepText?: string | null;
  step?: number | null;
  mtimeMs?: number;
  role?: Checkpoint["role"];
  best?: boolean;
  /** `false` marks a broken checkpoint; unknown (`undefined`) counts as complete. */
  complete?: boolean;
  capabilities?: Checkpoint["capabilities"];
  problems?: Checkpoint["problems"];
  metrics?: Record<string, number>;
  layout?: Checkpoint["layout"];
}

/** Options of {@link planRetention}. */
export interface PlanOptions {
  /**
   * Checkpoints no policy may delete, each with the reason, by name, location or step. A tripped
   * breaker's rollback target comes as a step: `protect: [{step: 150, reason: "rollback target of
   * breaker rule reward_collapse"}]` (every candidate at that step is kept, with guard `protected`).
   */
  protect?: readonly RetentionProtect[];
}

function decision(c: RetentionCandidate, reason: string): RetentionDecision {
  const d: RetentionDecision = { name: c.name, location: c.location ?? c.name, step: c.step ?? null, reason };
  if (c.mtimeMs !== undefined) d.mtimeMs = c.mtimeMs;
  return d;
}

const locationOf = (c: RetentionCandidate) => trimSlash(c.location ?? c.name);
const asCk = (c: RetentionCandidate) =>
  ({ stepText: c.stepText ?? null, role: c.role ?? "intermediate", name: c.name }) as Checkpoint;
const isComplete = (c: RetentionCandidate) => c.complete !== false;
/** A candidate's step as exact digits, when known. */
const stepOf = (c: RetentionCandidate): string | null =>
  c.stepText ?? (typeof c.step === "number" && Number.isSafeInteger(c.step) ? String(c.step) : null);

/** Does protect entry `p` name candidate `c` (by location, name or step)? */
function protects(p: RetentionProtect, c: RetentionCandidate): boolean {
  if (p.location !== undefined && locationOf(c) === trimSlash(p.location)) return true;
  if (p.name !== undefined && c.name === p.name) return true;
  if (p.step === undefined) return false;
  const step = stepOf(c);
  return step !== null && compareStepText(step, String(p.step)) === 0;
}

/** How a protect entry is named in notes. */
const protectLabel = (p: RetentionProtect) => p.name ?? p.location ?? `step ${p.step}`;

/** What every policy keeps whatever it says: protected, best, newest complete resumable. */
interface SafetySet {
  guards: Map<RetentionCandidate, { guard: RetentionGuard; reason: string }>;
  notes: string[];
}

function safetySet(
  ordered: RetentionCandidate[],
  protect: readonly RetentionProtect[],
  keepNewestResumable: boolean,
  extraBest?: (c: RetentionCandidate) => boolean,
): SafetySet {
  const guards: SafetySet["guards"] = new Map();
  const notes: string[] = [];
  // one checkpoint can guard several things: the strongest check (resumable) wins, reasons add up
  const rank: Record<RetentionGuard, number> = { best: 0, protected: 1, "newest-resumable": 2 };
  const add = (c: RetentionCandidate, guard: RetentionGuard, reason: string) => {
    const g = guards.get(c);
    if (!g) guards.set(c, { guard, reason });
    else if (!g.reason.split("; ").includes(reason))
      guards.set(c, {
        guard: rank[guard] > rank[g.guard] ? guard : g.guard,
        reason: `${g.reason}; ${reason}`,
      });
  };
  for (const p of protect) {
    const match = ordered.filter((c) => protects(p, c));
    if (!match.length) notes.push(`protected ${protectLabel(p)} (${p.reason}) is not among the checkpoints`);
    for (const c of match) add(c, "protected", p.reason);
  }
  for (const c of ordered)
    if (c.best || c.role === "best" || extraBest?.(c)) add(c, "best", "best checkpoint");
  if (keepNewestResumable) {
    for (let i = ordered.length - 1; i >= 0; i--) {
      const c = ordered[i]!;
      if (c.complete === true && c.capabilities?.resume === true) {
        add(c, "newest-resumable", "newest resumable checkpoint");
        break;
      }
    }
  } else notes.push("keepNewestResumable is false: the newest resumable checkpoint may be deleted");
  return { guards, notes };
}

function planHf(
  candidates: RetentionCandidate[],
  policy: HfRetentionPolicy,
  protect: readonly RetentionProtect[],
): ParsedRetentionPlan {
  const rot = hfRotation(candidates, policy);
  const ordered = [...candidates].sort((a, b) => compareCheckpoints(asCk(a), asCk(b)));
  const safety = safetySet(
    ordered,
    protect,
    policy.keepNewestResumable ?? true,
    (c) => rot.bestPath !== null && locationOf(c) === rot.bestPath,
  );
  const notes = [...rot.notes, ...safety.notes];
  const overrides: RetentionOverride[] = [];
  const keep: RetentionDecision[] = [];
  const del: RetentionDecision[] = [];
  for (const c of candidates) {
    const p = locationOf(c);
    const hf = rot.deletes.get(p);
    const guard = safety.guards.get(c);
    if (hf !== undefined && guard === undefined) continue;
    if (hf !== undefined && guard !== undefined) {
      overrides.push({ name: c.name, location: c.location ?? c.name, hf, keptBecause: guard.reason });
      notes.push(`transformers would delete ${c.name} (${hf}); kept: ${guard.reason}`);
      keep.push({ ...decision(c, `${guard.reason} (transformers would delete it)`), guard: guard.guard });
      continue;
    }
    // transformers keeps it anyway: its own reason, plus what it guards
    const d = decision(c, rot.keepReason(p));
    if (guard) d.guard = guard.guard;
    keep.push(d);
  }
  for (const p of rot.order) {
    const c = rot.byPath.get(p)!;
    if (!safety.guards.has(c)) del.push(decision(c, rot.deletes.get(p)!));
  }
  return { policy, keep, delete: del, notes, overrides, protect: [...protect] };
}

function planSafe(
  candidates: RetentionCandidate[],
  policy: SafeRetentionPolicy,
  protect: readonly RetentionProtect[],
): ParsedRetentionPlan {
  if (policy.keepBest === false)
    throw new CheckpointError({
      code: "INVALID_INPUT",
      message: "policy.keepBest: the best checkpoint is always kept; false is not allowed",
    });
  const ordered = [...candidates].sort((a, b) => compareCheckpoints(asCk(a), asCk(b)));
  const safety = safetySet(ordered, protect, policy.keepNewestResumable ?? true);
  const notes = [...safety.notes];
  const keepReason = new Map<RetentionCandidate, string>();
  const keep = (c: RetentionCandidate | undefined, why: string) => {
    if (c && !keepReason.has(c)) keepReason.set(c, why);
  };
  for (const [c, g] of safety.guards) keep(c, g.reason);
  for (const c of ordered) if (c.role === "final") keep(c, "final checkpoint");
  for (const c of ordered) if (c.role === "recover") keep(c, "recover slot");
  let newestComplete = -1;
  for (let i = ordered.length - 1; i >= 0 && newestComplete < 0; i--)
    if (isComplete(ordered[i]!)) newestComplete = i;
  if (newestComplete >= 0) keep(ordered[newestComplete], "newest complete checkpoint");
  if (policy.bestMetric) {
    const { name, greaterIsBetter = false } = policy.bestMetric;
    let best: RetentionCandidate | undefined;
    for (const c of ordered) {
      const v = c.metrics?.[name];
      if (typeof v !== "number" || Number.isNaN(v) || !isComplete(c)) continue;
      const bv = best?.metrics?.[name] as number | undefined;
      if (bv === undefined || (greaterIsBetter ? v > bv : v < bv)) best = c;
    }
    if (best) keep(best, `best ${name} (${best.metrics![name]})`);
    else notes.push(`no complete checkpoint has metric "${name}"`);
  }
  const K = policy.keepLast;
  const stepped = ordered.filter((c) => (c.stepText ?? null) !== null);
  const steppedComplete = stepped.filter(isComplete);
  for (const c of steppedComplete.slice(Math.max(0, steppedComplete.length - K)))
    keep(c, `among the ${K} newest complete checkpoint${K === 1 ? "" : "s"}`);
  if (policy.keepEvery !== undefined) {
    const n = BigInt(policy.keepEvery);
    for (const c of steppedComplete)
      if (BigInt(c.stepText!) % n === 0n) keep(c, `step is a multiple of ${policy.keepEvery}`);
  }
  // a broken checkpoint newer than every complete one may be a save in progress: deleting it races the writer
  const lastComplete = steppedComplete[steppedComplete.length - 1];
  for (let i = stepped.length - 1; i >= 0 && stepped[i] !== lastComplete; i--)
    keep(stepped[i], "incomplete but newer than every complete checkpoint (a save may be in progress)");
  for (const c of ordered) if ((c.stepText ?? null) === null) keep(c, "has no step (never rotated)");
  const recency =
    K === 0
      ? "keep-last is 0, so no checkpoint is kept for recency"
      : `not among the ${K} newest complete checkpoint${K === 1 ? "" : "s"}`;
  const kept: RetentionDecision[] = [];
  const del: RetentionDecision[] = [];
  for (const c of ordered) {
    const why = keepReason.get(c);
    if (why) {
      const d = decision(c, why);
      const g = safety.guards.get(c);
      if (g) d.guard = g.guard;
      kept.push(d);
    } else if (!isComplete(c)) {
      const codes = [...new Set((c.problems ?? []).filter((p) => p.severity === "error").map((p) => p.code))];
      del.push(
        decision(
          c,
          `incomplete${codes.length ? ` (${codes.join(", ")})` : ""} and older than the newest complete checkpoint`,
        ),
      );
    } else del.push(decision(c, `${recency}; not the newest resumable, best or a protected checkpoint`));
  }
  return { policy, keep: kept, delete: del, notes, overrides: [], protect: [...protect] };
}

/**
 * Plans retention as a pure dry run with a reason per decision. Under every policy the protected
 * checkpoints (`options.protect`, e.g. a breaker's rollback target), the best and the newest
 * complete resumable checkpoint are kept. `hf` reproduces `save_total_limit` and lists in
 * `overrides` where transformers itself would delete one of those; `safe` keeps the `keepLast`
 * newest *complete* checkpoints (broken ones never use a slot).
 */
export function planRetention(
  checkpoints: readonly RetentionCandidate[],
  policy: RetentionPolicy,
  options: PlanOptions = {},
): ParsedRetentionPlan {
  const parsed = retentionPolicySchema.safeParse(policy);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new CheckpointError({
      code: "INVALID_INPUT",
      message: `${formatIssuePath(["policy", ...(issue.path.length ? issue.path : ["kind"])])}: ${issue.message}`,
      cause: parsed.error,
    });
  }
  const protect = (options.protect ?? []).map((p, i) => {
    const r = retentionProtectSchema.safeParse(p);
    if (!r.success || (p.name === undefined && p.location === undefined && p.step === undefined))
      throw new CheckpointError({
        code: "INVALID_INPUT",
        message: `protect[${i}]: expected {name, location or step, reason}`,
      });
    return r.data;
  });
  const list = [...checkpoints];
  const pol = parsed.data;
  return pol.kind === "hf" ? planHf(list, pol, protect) : planSafe(list, pol, protect);
}
