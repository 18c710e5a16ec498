import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import {
  CheckpointError,
  type Layout,
  type RetentionPlan,
  type RetentionPolicy,
  type RetentionProtect,
  retentionPlanSchema,
} from "@rlops/checkpoint-layout";
import { applyRetention, diffPlans, planRunRetention } from "@rlops/checkpoint-layout/node";
import { formatIssuePath } from "@rlops/errors";
import { RecoveryError } from "@rlops/recovery";
import { planResume } from "@rlops/recovery/node";
import type { Command } from "commander";
import {
  action,
  choiceOption,
  EXIT,
  ExitError,
  examples,
  intOption,
  layoutOption,
  listOption,
  printJson,
  table,
} from "../cli-kit.js";
import { readDecisionFile } from "./ckpt-decision.js";

interface PruneFlags {
  keepLast?: number;
  keepBest?: boolean;
  keepEvery?: number;
  policy: "hf" | "safe";
  hfVersion: "4" | "5";
  ordering: "numeric" | "mtime";
  trainEnd?: boolean;
  protect: string[];
  allowDeletingNewestResumable?: boolean;
  layout?: Layout;
  apply?: boolean;
  plan?: string;
  decision?: string;
  json?: boolean;
}

/** The reason of a `--protect` entry (how the apply line tells them from decision protects). */
const PROTECT_REASON = "protected with --protect";

/** What a breaker decision protects, and notes for the plan when it protects nothing. */
interface DecisionGuard {
  protect: RetentionProtect[];
  notes: string[];
}

/**
 * The rollback target of a tripped breaker: the checkpoint `rlops recover plan --from <decision>`
 * resumes from (recovery's `planResume`, the one resume decision). The decision is `--decision`, else
 * `<dir>/rlops/decision.json` when present (written by the Python callbacks).
 */
async function decisionGuard(dir: string, flags: PruneFlags): Promise<DecisionGuard> {
  const path = flags.decision ?? join(dir, "rlops", "decision.json");
  if (flags.decision === undefined && !existsSync(path)) return { protect: [], notes: [] };
  const decision = await readDecisionFile(path, flags.decision === undefined ? "decision" : "--decision");
  if (decision === null || (decision.action !== "stop" && decision.action !== "rollback"))
    return {
      protect: [],
      notes: [
        `${path}: ${decision ? `"${decision.action}"` : "no breaker tripped"}: no rollback target to protect`,
      ],
    };
  const trip = `breaker rule "${decision.rule}" (${decision.action} at step ${decision.step}, first bad step ${decision.firstBadStep ?? decision.step}; ${path})`;
  try {
    const plan = await planResume(resolve(dir), { fromDecision: decision, layout: flags.layout });
    return {
      protect: [
        {
          name: plan.chosen.name,
          reason: `rollback target of ${trip}: \`rlops recover plan\` resumes from it`,
        },
      ],
      notes: [],
    };
  } catch (error) {
    if (!RecoveryError.isInstance(error) || error.code !== "NO_CHECKPOINT") throw error;
    return {
      protect: [],
      notes: [`${trip}: no complete, resumable checkpoint before it, so no rollback target to protect`],
    };
  }
}

function policyFromFlags(flags: PruneFlags): RetentionPolicy {
  const keepNewest = flags.allowDeletingNewestResumable ? { keepNewestResumable: false } : {};
  if (flags.policy === "hf")
    return {
      kind: "hf",
      saveTotalLimit: flags.keepLast!,
      version: flags.hfVersion === "4" ? 4 : 5,
      ordering: flags.ordering,
      ...(flags.trainEnd ? { endOfTraining: true } : {}),
      ...keepNewest,
    };
  return {
    kind: "safe",
    keepLast: flags.keepLast!,
    ...(flags.keepEvery ? { keepEvery: flags.keepEvery } : {}),
    ...keepNewest,
  };
}

async function readPlan(file: string): Promise<RetentionPlan> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    throw new ExitError(EXIT.BAD_INPUT, "BAD_FLAG", `--plan ${file}: ${(error as Error).message}`);
  }
  const parsed = retentionPlanSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ExitError(
      EXIT.BAD_INPUT,
      "BAD_FLAG",
      `--plan ${file}: not a prune plan (${formatIssuePath(issue.path)}: ${issue.message})`,
      "write one with `rlops ckpt prune <dir> --keep-last K --json > plan.json`",
    );
  }
  return parsed.data;
}

/** The flags that reproduce a policy, for the "how to apply" line. */
function flagsOf(policy: RetentionPolicy, protect: RetentionProtect[], decision?: string): string {
  const out: string[] = [];
  if (policy.kind === "hf") {
    out.push(`--policy hf --keep-last ${policy.saveTotalLimit}`);
    if (policy.version === 4) out.push("--hf-version 4");
    if (policy.ordering && policy.ordering !== "mtime") out.push(`--ordering ${policy.ordering}`);
    if (policy.endOfTraining) out.push("--train-end");
  } else {
    out.push(`--keep-last ${policy.keepLast}`);
    if (policy.keepEvery) out.push(`--keep-every ${policy.keepEvery}`);
  }
  if (policy.keepNewestResumable === false) out.push("--allow-deleting-newest-resumable");
  for (const p of protect) if (p.name && p.reason === PROTECT_REASON) out.push(`--protect ${p.name}`);
  if (decision !== undefined) out.push(`--decision ${decision}`);
  return out.join(" ");
}

function printPlan(plan: RetentionPlan): void {
  const rows = [["ACTION", "NAME", "STEP", "REASON"]];
  for (const d of plan.delete)
    rows.push(["delete", d.name, d.step === null ? "-" : String(d.step), d.reason]);
  for (const k of plan.keep) rows.push(["keep", k.name, k.step === null ? "-" : String(k.step), k.reason]);
  process.stdout.write(`${table(rows)}\n`);
  for (const n of plan.notes) process.stdout.write(`note: ${n}\n`);
}

/** `--apply --plan`: re-plans and refuses (PLAN_CHANGED, exit 2) when a planned deletion changed. */
async function checkGivenPlan(dir: string, given: RetentionPlan, flags: PruneFlags): Promise<string[]> {
  const policy = flags.keepLast === undefined ? given.policy : policyFromFlags(flags);
  const protect = [...(given.protect ?? [])];
  for (const name of flags.protect)
    if (!protect.some((p) => p.name === name)) protect.push({ name, reason: PROTECT_REASON });
  for (const p of (await decisionGuard(dir, flags)).protect)
    if (!protect.some((q) => q.name === p.name)) protect.push(p);
  // the best is read again from the newest trainer_state.json: a new best changes the plan
  const base = policy.kind === "hf" ? { ...policy, bestModelCheckpoint: undefined } : policy;
  const fresh = await planRunRetention(dir, base, { layout: flags.layout ?? given.run?.layout, protect });
  const diff = diffPlans(given, fresh);
  if (diff.changed.length)
    // a library error (checkpoint-layout's PLAN_CHANGED, listed in the README's library row)
    throw new CheckpointError({
      message: `the run changed since the plan was made: ${diff.changed.join("; ")}; nothing was deleted`,
      code: "PLAN_CHANGED",
      details: {
        changed: diff.changed,
        hint: "run the dry run again (without --apply), check it, and apply the new plan",
      },
    });
  return diff.extra;
}

/** Registers `rlops ckpt prune`. */
export function registerPrune(ckpt: Command): void {
  examples(
    ckpt
      .command("prune <dir>")
      .description(
        "Plan which checkpoints to delete (a dry run; --apply deletes). The newest resumable, the best and protected checkpoints are always kept.",
      )
      .option(
        "--keep-last <k>",
        "keep the K newest complete checkpoints (hf: save_total_limit); required unless --plan",
        intOption("--keep-last"),
      )
      .option("--keep-best", "accepted for compatibility: the best checkpoint is always kept")
      .option(
        "--keep-every <n>",
        "safe: also keep every checkpoint whose step is a multiple of N",
        intOption("--keep-every", 1),
      )
      .addOption(
        choiceOption(
          "--policy <policy>",
          "hf (save_total_limit as transformers rotates) | safe",
          ["hf", "safe"],
          "safe",
        ),
      )
      .addOption(choiceOption("--hf-version <v>", "hf: transformers 4 or 5 rotation", ["4", "5"], "5"))
      .addOption(choiceOption("--ordering <o>", "hf: numeric | mtime", ["numeric", "mtime"], "mtime"))
      .option("--train-end", "hf: also apply transformers' train-end rule (save_total_limit=1 with a best)")
      .option(
        "--protect <names>",
        "never delete these checkpoints (comma-separated; repeatable)",
        listOption("--protect"),
        [] as string[],
      )
      .option(
        "--allow-deleting-newest-resumable",
        "let the policy delete the newest complete resumable checkpoint (kept by default)",
      )
      .addOption(layoutOption())
      .option("--apply", "delete what the plan lists (the kept set and each folder are re-checked first)")
      .option("--plan <file>", "with --apply: apply this plan (from --json); refused when the run changed")
      .option(
        "--decision <file>",
        "a breaker decision (`breaker check --json`): its rollback target is kept (default <dir>/rlops/decision.json when present)",
      )
      .option("--json", "print the plan (and what was deleted)")
      .action(action(async (dir: string, flags: PruneFlags) => prune(dir, flags))),
    [
      "rlops ckpt prune outputs/ --keep-last 3",
      "rlops ckpt prune outputs/ --keep-last 2 --policy hf --ordering numeric",
      "rlops ckpt prune outputs/ --keep-last 2 --protect checkpoint-150",
      "rlops ckpt prune outputs/ --keep-last 1 --decision decision.json   # keeps the rollback target",
      "rlops ckpt prune outputs/ --keep-last 3 --json > plan.json   # dry run, then:",
      "rlops ckpt prune outputs/ --apply --plan plan.json",
    ],
  );
}

async function prune(dir: string, flags: PruneFlags): Promise<number> {
  if (flags.plan && !flags.apply)
    throw new ExitError(EXIT.BAD_INPUT, "BAD_FLAG", "--plan is only used with --apply", "add --apply");
  if (!flags.plan && flags.keepLast === undefined)
    throw new ExitError(
      EXIT.BAD_INPUT,
      "BAD_FLAG",
      "--keep-last <k> is required (or --apply --plan <file>)",
      "e.g. rlops ckpt prune <dir> --keep-last 2",
    );
  let plan: RetentionPlan;
  let extra: string[] = [];
  if (flags.plan) {
    plan = await readPlan(flags.plan);
    extra = await checkGivenPlan(dir, plan, flags);
  } else {
    const guard = await decisionGuard(dir, flags);
    const protect = [...flags.protect.map((name) => ({ name, reason: PROTECT_REASON })), ...guard.protect];
    plan = await planRunRetention(dir, policyFromFlags(flags), { layout: flags.layout, protect });
    plan.notes.push(...guard.notes);
  }
  const applied = flags.apply ? await applyRetention(plan) : undefined;
  if (flags.json) {
    printJson(
      applied
        ? { ...plan, applied, ...(extra.length ? { notApplied: extra } : {}) }
        : { ...plan, dryRun: true },
    );
    return EXIT.OK;
  }
  printPlan(plan);
  if (!applied) {
    const how = flagsOf(plan.policy, plan.protect ?? [], flags.decision);
    process.stdout.write(
      `dry run: ${plan.delete.length} to delete, nothing deleted.\n` +
        (plan.delete.length
          ? `to delete exactly these: rlops ckpt prune ${dir} ${how} --json > plan.json && rlops ckpt prune ${dir} --apply --plan plan.json\n`
          : ""),
    );
    return EXIT.OK;
  }
  for (const d of applied.deleted) process.stdout.write(`deleted ${d}\n`);
  for (const s of applied.skipped) process.stdout.write(`skipped ${s.location}: ${s.reason}\n`);
  if (extra.length)
    process.stdout.write(
      `note: ${extra.length} more would be deleted now (${extra.join(", ")}): not in the given plan, left alone\n`,
    );
  return EXIT.OK;
}
