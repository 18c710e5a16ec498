import { readFile } from "node:fs/promises";
import type {
  Checkpoint,
  CheckpointListing,
  Layout,
  RunValidationReport,
  TinkerRemoteInfo,
  ValidationReport,
} from "@rlops/checkpoint-layout";
import {
  latestCheckpoint,
  listCheckpoints,
  validatePath,
  writeManifest,
} from "@rlops/checkpoint-layout/node";
import type { Command } from "commander";
import {
  action,
  choiceOption,
  createProgress,
  EXIT,
  ExitError,
  examples,
  humanBytes,
  layoutOption,
  printJson,
  stepOption,
  table,
} from "../cli-kit.js";
import { registerCkptDiff } from "./ckpt-diff.js";
import { registerCkptInfo } from "./ckpt-info.js";
import { registerPrune } from "./ckpt-prune.js";
import { recoverInfoOfListing, recoverInfoText } from "./ckpt-recover-info.js";

/**
 * Reads a remote Tinker checkpoint listing (`RestClient.list_checkpoints` output saved as JSON:
 * `{checkpoints: [{tinker_path, expires_at?}, …]}` or a bare array) for expiry/deletion checks.
 */
async function tinkerRemote(file: string | undefined): Promise<TinkerRemoteInfo | undefined> {
  if (!file) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    throw new ExitError(
      EXIT.BAD_INPUT,
      "BAD_FLAG",
      `--tinker-checkpoints ${file}: ${(error as Error).message}`,
    );
  }
  const list = Array.isArray(value) ? value : (value as { checkpoints?: unknown })?.checkpoints;
  if (
    !Array.isArray(list) ||
    !list.every((c) => typeof c === "object" && c !== null && typeof c.tinker_path === "string")
  )
    throw new ExitError(
      EXIT.BAD_INPUT,
      "BAD_FLAG",
      `--tinker-checkpoints ${file}: expected {checkpoints: [{tinker_path, expires_at?}]} or an array of those`,
    );
  return { checkpoints: list as NonNullable<TinkerRemoteInfo["checkpoints"]> };
}

/** Checkpoint-listing progress on stderr (cli-kit's bar), only on a TTY and only for large trees. */
function listingProgress(enabled: boolean) {
  const progress = createProgress(process.stderr, enabled);
  return {
    onProgress: enabled
      ? ({ done, total }: { done: number; total: number }) => {
          if (total >= 200) progress.update("listing", done, total);
        }
      : undefined,
    done: () => progress.done(),
  };
}

function problemSummary(c: Checkpoint): string {
  const errors = c.problems.filter((p) => p.severity === "error");
  if (!errors.length) return "ok";
  return [...new Set(errors.map((p) => p.code))].join(",");
}

interface ListFlags {
  tinkerCheckpoints?: string;
  layout?: Layout;
  beforeStep?: string;
  maxStep?: string;
  complete?: boolean;
  recoverInfo?: boolean;
  json?: boolean;
}

interface LatestFlags {
  tinkerCheckpoints?: string;
  layout?: Layout;
  beforeStep?: string;
  maxStep?: string;
  for: "resume" | "inference";
  json?: boolean;
}

interface ValidateFlags {
  deep?: boolean;
  json?: boolean;
  layout?: Layout;
  writeManifest?: boolean;
}

/** Registers `rlops ckpt list|latest|validate|prune|info|diff`. */
export function register(program: Command): void {
  const ckpt = program
    .command("ckpt")
    .description("Checkpoints: list, find the latest usable one, validate, prune, inspect, diff.");
  registerCkptInfo(ckpt);
  registerList(ckpt);
  registerLatest(ckpt);
  registerValidate(ckpt);
  registerPrune(ckpt);
  registerCkptDiff(ckpt);
}

function printListing(listing: CheckpointListing): void {
  process.stdout.write(
    `${listing.layout} run at ${listing.root}: ${listing.checkpoints.length} checkpoint(s)\n`,
  );
  if (listing.checkpoints.length) {
    const rows = [["NAME", "STEP", "ROLE", "RESUME", "INFER", "SIZE", "STATUS"]];
    for (const c of listing.checkpoints)
      rows.push([
        c.name + (c.best ? " *" : ""),
        c.stepText ?? "-",
        c.role,
        c.capabilities.resume ? "yes" : "no",
        c.capabilities.inference ? "yes" : "no",
        humanBytes(c.bytes),
        problemSummary(c),
      ]);
    process.stdout.write(`${table(rows)}\n`);
  }
  for (const i of listing.ignored) process.stdout.write(`ignored ${i.path}: ${i.reason}\n`);
}

function registerList(ckpt: Command): void {
  examples(
    ckpt
      .command("list <dir>")
      .description("List every checkpoint of a run directory (any supported layout), oldest first.")
      .addOption(layoutOption())
      .option(
        "--before-step <n>",
        "keep steps < N (checkpoints without a step are left out)",
        stepOption("--before-step"),
      )
      .option(
        "--max-step <n>",
        "keep steps ≤ N (checkpoints without a step are left out)",
        stepOption("--max-step"),
      )
      .option("--complete", "only complete checkpoints")
      .option(
        "--tinker-checkpoints <file>",
        "Tinker: JSON list of existing remote checkpoints (expiry/deletion)",
      )
      .option(
        "--recover-info",
        "also what each checkpoint's recover info holds (AReaL recover_info/: step, epoch, saver/evaluator/stats-logger state)",
      )
      .option("--json", "print {layout, root, checkpoints, ignored} (+ recoverInfo)")
      .action(
        action(async (dir: string, flags: ListFlags) => {
          const bar = listingProgress(!flags.json && process.stderr.isTTY === true);
          const listing = await listCheckpoints(dir, {
            layout: flags.layout,
            beforeStep: flags.beforeStep,
            maxStep: flags.maxStep,
            include: flags.complete ? "complete" : "all",
            onProgress: bar.onProgress,
            tinker: await tinkerRemote(flags.tinkerCheckpoints),
          }).finally(() => bar.done());
          const recoverInfo = flags.recoverInfo ? await recoverInfoOfListing(listing) : undefined;
          if (flags.json) printJson(recoverInfo ? { ...listing, recoverInfo } : listing);
          else {
            printListing(listing);
            if (recoverInfo) process.stdout.write(recoverInfoText(recoverInfo));
          }
          return listing.checkpoints.length ? EXIT.OK : EXIT.NOT_FOUND;
        }),
      ),
    [
      "rlops ckpt list outputs/",
      "rlops ckpt list /workspace/outputs/grpo --before-step 188 --json",
      "rlops ckpt list runs/x --layout hf --complete",
      "rlops ckpt list /workspace/outputs/grpo --before-step 188 --recover-info",
    ],
  );
}

function registerLatest(ckpt: Command): void {
  examples(
    ckpt
      .command("latest <dir>")
      .description(
        "Print the newest checkpoint that really qualifies (walks back past broken ones); exit 1 if none.",
      )
      .addOption(layoutOption())
      .option("--before-step <n>", "only steps < N", stepOption("--before-step"))
      .option("--max-step <n>", "only steps ≤ N", stepOption("--max-step"))
      .addOption(choiceOption("--for <use>", "resume | inference", ["resume", "inference"], "resume"))
      .option(
        "--tinker-checkpoints <file>",
        "Tinker: JSON list of existing remote checkpoints (expiry/deletion)",
      )
      .option("--json", "print {layout, root, location, checkpoint, rejected}")
      .action(
        action(async (dir: string, flags: LatestFlags) => {
          const result = await latestCheckpoint(dir, {
            layout: flags.layout,
            beforeStep: flags.beforeStep,
            maxStep: flags.maxStep,
            require: flags.for,
            tinker: await tinkerRemote(flags.tinkerCheckpoints),
          });
          if (flags.json)
            printJson({
              layout: result.layout,
              root: result.root,
              location: result.location,
              checkpoint: result.checkpoint,
              rejected: result.rejected,
            });
          else {
            for (const r of result.rejected)
              process.stderr.write(`skipped ${r.name}: ${r.reasons[0] ?? "not usable"}\n`);
            if (result.location) process.stdout.write(`${result.location}\n`);
          }
          if (!result.checkpoint) {
            if (!flags.json)
              process.stderr.write(
                `rlops: NO_CHECKPOINT: no checkpoint in ${result.root} qualifies for ${flags.for}\n`,
              );
            return EXIT.NOT_FOUND;
          }
          return EXIT.OK;
        }),
      ),
    [
      "rlops ckpt latest outputs/",
      "rlops ckpt latest runs/x --before-step 188",
      "rlops ckpt latest logs/tinker-run --for inference",
    ],
  );
}

function registerValidate(ckpt: Command): void {
  examples(
    ckpt
      .command("validate <path>")
      .description(
        "Check a checkpoint (or every checkpoint of a run directory) without Python; exit 1 when any has errors.",
      )
      .option("--deep", "also safetensors shards vs index, CRC-32 of every torch zip entry, sha256 manifest")
      .addOption(layoutOption("layout of the run the checkpoint belongs to"))
      .option("--write-manifest", "write rlops-manifest.json (sha256 of every file) after a successful check")
      .option("--json", "print the validation report")
      .action(
        action(async (path: string, flags: ValidateFlags) => {
          const result = await validatePath(path, { deep: flags.deep, layout: flags.layout });
          if (result.kind === "run") return printRunValidation(result.run, flags);
          const report = result.report;
          let manifest: { files: number } | undefined;
          if (flags.writeManifest && report.ok)
            manifest = { files: (await writeManifest(path)).files.length };
          if (flags.json) printJson(manifest ? { ...report, manifest } : report);
          else {
            process.stdout.write(
              `${report.ok ? "ok" : "invalid"} ${report.location}${report.deep ? " (deep)" : ""}\n`,
            );
            if (report.checkpoint)
              process.stdout.write(
                `  ${report.checkpoint.layout} ${report.checkpoint.role}, step ${report.checkpoint.stepText ?? "-"}, resume ${report.checkpoint.capabilities.resume ? "yes" : "no"}, inference ${report.checkpoint.capabilities.inference ? "yes" : "no"}\n`,
              );
            for (const p of report.problems)
              process.stdout.write(`  ${p.severity} ${p.code}: ${p.message}\n`);
            process.stdout.write(`  checked: ${checkedSummary(report)}\n`);
            if (manifest) process.stdout.write(`  wrote rlops-manifest.json (${manifest.files} files)\n`);
          }
          return report.ok ? EXIT.OK : EXIT.NOT_FOUND;
        }),
      ),
    [
      "rlops ckpt validate outputs/checkpoint-500",
      "rlops ckpt validate outputs/checkpoint-500 --deep --json",
      "rlops ckpt validate outputs/            # every checkpoint of the run",
    ],
  );
}

/** One line saying what a validation checked (never "nothing"). */
function checkedSummary(report: ValidationReport): string {
  const kinds = new Map<string, number>();
  for (const c of report.checked) kinds.set(c.kind, (kinds.get(c.kind) ?? 0) + 1);
  const parts = [...kinds].map(([k, n]) =>
    k === "layout" ? "completeness rules with headers" : `${n} ${k}`,
  );
  return `${parts.join(", ")}${report.deep ? "" : " (shallow; --deep also checks every file)"}`;
}

function printRunValidation(run: RunValidationReport, flags: ValidateFlags): number {
  if (flags.writeManifest)
    throw new ExitError(
      EXIT.BAD_INPUT,
      "BAD_FLAG",
      "--write-manifest takes one checkpoint folder, not a run directory",
      `pass one checkpoint, e.g. ${run.checkpoints[0]?.location ?? `${run.root}/checkpoint-N`}`,
    );
  if (flags.json) printJson(run);
  else {
    const n = run.checkpoints.length;
    process.stdout.write(
      `${run.ok ? "ok" : "invalid"} ${run.layout} run at ${run.root}: validated ${n} checkpoint(s)${run.deep ? " (deep)" : ""}, ${n - run.invalid.length} ok, ${run.invalid.length} with errors\n`,
    );
    for (const r of run.checkpoints) {
      const errors = r.problems.filter((p) => p.severity === "error");
      process.stdout.write(
        `  ${r.ok ? "ok     " : "invalid"} ${r.checkpoint?.name ?? r.location}: ${errors.length ? errors.map((p) => p.code).join(", ") : checkedSummary(r)}\n`,
      );
    }
    if (!n) process.stdout.write("  no checkpoint found: nothing was validated\n");
  }
  return run.ok ? EXIT.OK : EXIT.NOT_FOUND;
}
