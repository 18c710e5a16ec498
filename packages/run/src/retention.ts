import { type Checkpoint, planRetention } from "@rlops/checkpoint-layout";
import type { Report, ReportCheckpoint } from "./schema.js";

/** Newest checkpoints kept when the run's own retention is unknown. */
export const DEFAULT_KEEP_LAST = 2;

/**
 * The report's retention section: `@rlops/checkpoint-layout`'s safe policy (keep the `keepLast`
 * newest and the best), local checkpoints only, never the resume target. `note` receives what was
 * left out and why. `null` without checkpoints.
 */
export function retentionSection(
  checkpoints: readonly ReportCheckpoint[],
  keepLast: number,
  resumeTarget: string | undefined,
  note: (message: string) => void,
): Report["retention"] {
  if (checkpoints.length === 0) return null;
  const plan = planRetention(checkpoints as unknown as Checkpoint[], {
    kind: "safe",
    keepLast,
    keepBest: true,
  });
  const remote = plan.delete.filter((d) => d.location.includes("://"));
  if (remote.length > 0)
    note(
      `retention: ${remote.length} remote checkpoint(s) left out of the prune plan (delete them with the provider's tools)`,
    );
  if (resumeTarget && plan.delete.some((d) => d.name === resumeTarget))
    note(`retention: ${resumeTarget} kept because the run should resume from it`);
  return {
    policy: `safe, keep the ${keepLast} newest and the best`,
    delete: plan.delete
      .filter((d) => !d.location.includes("://") && d.name !== resumeTarget)
      .map((d) => ({
        name: d.name,
        reason: d.reason,
        bytes: checkpoints.find((c) => c.name === d.name)?.bytes ?? 0,
      })),
  };
}
