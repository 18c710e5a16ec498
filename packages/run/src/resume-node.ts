import type { Layout } from "@rlops/checkpoint-layout";
import { isRlopsError } from "@rlops/errors";
import type { Trainer } from "@rlops/recovery";
import { planResume } from "@rlops/recovery/node";
import { errorMessage } from "./arc-node.js";
import type { NextActionContext, resumeNeed } from "./next-action.js";

/** What the resume plan depends on beyond the need. */
export interface ResumeInputs {
  trainer?: Trainer;
  layout?: Layout;
  command?: string;
  saveTotalLimit: number | null;
}

/**
 * Asks `@rlops/recovery`'s `planResume` for the plan the need calls for (the report never picks a
 * resume target itself) and records it in `context`: the plan, or `null` with the problem when
 * no checkpoint qualifies. Warnings and planning errors other than `NO_CHECKPOINT` go to `warn`.
 */
export async function planReportResume(
  root: string,
  need: NonNullable<ReturnType<typeof resumeNeed>>,
  inputs: ResumeInputs,
  context: NextActionContext,
  warn: (message: string) => void,
): Promise<void> {
  try {
    const plan = await planResume(root, {
      ...("fromDecision" in need ? { fromDecision: need.fromDecision } : { beforeStep: need.beforeStep }),
      ...(inputs.trainer ? { trainer: inputs.trainer } : {}),
      ...(inputs.layout ? { layout: inputs.layout } : {}),
      ...(inputs.command ? { command: inputs.command } : {}),
      ...(inputs.saveTotalLimit ? { retention: { keepLast: inputs.saveTotalLimit } } : {}),
    });
    const resume = plan.resume;
    context.resumePlan = {
      checkpoint: plan.chosen.name,
      story: plan.story,
      resume: {
        trainer: resume.trainer,
        command: resume.command,
        argv: resume.argv,
        complete: resume.complete,
        notes: resume.notes,
        ...(resume.code === undefined ? {} : { code: resume.code }),
      },
    };
    for (const warning of plan.warnings) warn(`resume plan: ${warning}`);
  } catch (error) {
    if (!isRlopsError(error)) throw error;
    context.resumePlan = null;
    context.resumeProblem = `${error.code}: ${errorMessage(error)}`;
    if (error.code !== "NO_CHECKPOINT") warn(`resume planning: ${context.resumeProblem}`);
  }
}
