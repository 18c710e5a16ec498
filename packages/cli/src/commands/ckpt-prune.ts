import { readFile } from "node:fs/promises";
import {
  CheckpointError,
  type Layout,
  type RetentionPlan,
  type RetentionPolicy,
  type RetentionProtect,
  retentionPlanSchema,
} from "@rlops/checkpoint-layout";
import { applyRetention, diffPlans, planRunRetention } from "@rlops/checkpoint-layout/node";
import type { Command } from "commander";
import { action, EXIT, ExitError, examples, layoutOption, printJson, table } from "../cli-kit.js";
import { choice, countOption } from "./ckpt-flags.js";

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
  json?: boolean;
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
      `--plan ${file}: not a prune plan (${issue.path.map(String).join(".") || "(root)"}: ${issue.message})`,
      "write one with `rlops ckpt prune <dir> --keep-last K --json > plan.json`",
    );
  }
  return parsed.data;
}

/** The flags that reproduce a policy, for the "how to apply" line. */
function flagsOf(policy: RetentionPolicy, protect: RetentionProtect[]): string {
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
  for (const p of protect) if (p.name) out.push(`--protect ${p.name}`);
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
    if (!protect.some((p) => p.name === name)) protect.push({ name, reason: "protected with --protect" });
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
        countOption("--keep-last"),
      )
      .option("--keep-best", "accepted for compatibility: the best checkpoint is always kept")
      .option(
        "--keep-every <n>",
        "safe: also keep every checkpoint whose step is a multiple of N",
        countOption("--keep-every"),
      )
      .option(
        "--policy <policy>",
        "hf (save_total_limit as transformers rotates) | safe",
        choice("--policy", ["hf", "safe"] as const),
        "safe",
      )
      .option(
        "--hf-version <v>",
        "hf: transformers 4 or 5 rotation",
        choice("--hf-version", ["4", "5"] as const),
        "5",
      )
      .option(
        "--ordering <o>",
        "hf: numeric | mtime",
        choice("--ordering", ["numeric", "mtime"] as const),
        "mtime",
      )
      .option("--train-end", "hf: also apply transformers' train-end rule (save_total_limit=1 with a best)")
      .option(
        "--protect <name>",
        "never delete this checkpoint (e.g. a rollback target); repeatable",
        (v: string, prev: string[]) => [...prev, v],
        [] as string[],
      )
      .option(
        "--allow-deleting-newest-resumable",
        "let the policy delete the newest complete resumable checkpoint (kept by default)",
      )
      .addOption(layoutOption())
      .option("--apply", "delete what the plan lists (the kept set and each folder are re-checked first)")
      .option("--plan <file>", "with --apply: apply this plan (from --json); refused when the run changed")
      .option("--json", "print the plan (and what was deleted)")
      .action(action(async (dir: string, flags: PruneFlags) => prune(dir, flags))),
    [
      "rlops ckpt prune outputs/ --keep-last 3",
      "rlops ckpt prune outputs/ --keep-last 2 --policy hf --ordering numeric",
      "rlops ckpt prune outputs/ --keep-last 2 --protect checkpoint-150",
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
    const protect = flags.protect.map((name) => ({ name, reason: "protected with --protect" }));
    plan = await planRunRetention(dir, policyFromFlags(flags), { layout: flags.layout, protect });
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
    const how = flagsOf(plan.policy, plan.protect ?? []);
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
