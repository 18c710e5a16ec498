import { readFile } from "node:fs/promises";
import {
  type Checkpoint,
  LAYOUTS,
  type Layout,
  type RetentionCandidate,
  type RetentionPlan,
  type RetentionPolicy,
  type TinkerRemoteInfo,
} from "@rlops/checkpoint-layout";
import {
  applyRetention,
  createNodeStorage,
  latestCheckpoint,
  listCheckpoints,
  planRetention,
  validateCheckpoint,
  writeManifest,
} from "@rlops/checkpoint-layout/node";
import type { Command } from "commander";
import { action, EXIT, ExitError, examples, printJson } from "../cli-kit.js";
import { registerCkptInfo } from "./ckpt-info.js";

function layoutOption(value: string): Layout {
  if (!(LAYOUTS as readonly string[]).includes(value))
    throw new ExitError(
      EXIT.BAD_INPUT,
      "BAD_FLAG",
      `--layout expects one of ${LAYOUTS.join(", ")}, got "${value}"`,
    );
  return value as Layout;
}

/** Step flags stay strings so huge steps are compared exactly. */
function stepOption(flag: string): (value: string) => string {
  return (value: string) => {
    if (!/^\d+$/.test(value))
      throw new ExitError(
        EXIT.BAD_INPUT,
        "BAD_FLAG",
        `${flag} expects a non-negative integer, got "${value}"`,
      );
    return value;
  };
}

function countOption(flag: string): (value: string) => number {
  return (value: string) => {
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value)))
      throw new ExitError(
        EXIT.BAD_INPUT,
        "BAD_FLAG",
        `${flag} expects a non-negative integer, got "${value}"`,
      );
    return Number(value);
  };
}

function choice<T extends string>(flag: string, values: readonly T[]): (value: string) => T {
  return (value: string) => {
    if (!(values as readonly string[]).includes(value))
      throw new ExitError(
        EXIT.BAD_INPUT,
        "BAD_FLAG",
        `${flag} expects one of ${values.join(", ")}, got "${value}"`,
      );
    return value as T;
  };
}

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

function humanBytes(n: number | null): string {
  if (n === null) return "-";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(1)} ${units[u]}`;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows
    .map((r) =>
      r
        .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** A stderr progress bar, only on a TTY and only for large trees. */
function progressBar(enabled: boolean) {
  let shown = false;
  return {
    onProgress: enabled
      ? ({ done, total }: { done: number; total: number }) => {
          if (total < 200) return;
          shown = true;
          const width = 30;
          const filled = Math.round((done / total) * width);
          process.stderr.write(
            `\r[${"#".repeat(filled)}${" ".repeat(width - filled)}] ${done}/${total} checkpoints`,
          );
        }
      : undefined,
    done() {
      if (shown) process.stderr.write("\r\x1b[2K");
    },
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

interface PruneFlags {
  keepLast: number;
  keepBest?: boolean;
  keepEvery?: number;
  policy: "hf" | "safe";
  hfVersion: "4" | "5";
  ordering: "numeric" | "mtime";
  layout?: Layout;
  apply?: boolean;
  json?: boolean;
}

/** Registers `rlops ckpt list|latest|validate|prune`. */
export function register(program: Command): void {
  const ckpt = program
    .command("ckpt")
    .description("Checkpoints: list, find the latest usable one, validate, prune.");
  registerCkptInfo(ckpt);

  examples(
    ckpt
      .command("list <dir>")
      .description("List every checkpoint of a run directory (any supported layout), oldest first.")
      .option("--layout <layout>", `layout instead of detecting it (${LAYOUTS.join(", ")})`, layoutOption)
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
      .option("--json", "print {layout, root, checkpoints, ignored}")
      .action(
        action(async (dir: string, flags: ListFlags) => {
          const bar = progressBar(!flags.json && process.stderr.isTTY === true);
          const listing = await listCheckpoints(dir, {
            layout: flags.layout,
            beforeStep: flags.beforeStep,
            maxStep: flags.maxStep,
            include: flags.complete ? "complete" : "all",
            onProgress: bar.onProgress,
            tinker: await tinkerRemote(flags.tinkerCheckpoints),
          }).finally(() => bar.done());
          if (flags.json) printJson(listing);
          else {
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
          return listing.checkpoints.length ? EXIT.OK : EXIT.NOT_FOUND;
        }),
      ),
    [
      "rlops ckpt list outputs/",
      "rlops ckpt list /workspace/outputs/grpo --before-step 188 --json",
      "rlops ckpt list runs/x --layout hf --complete",
    ],
  );

  examples(
    ckpt
      .command("latest <dir>")
      .description(
        "Print the newest checkpoint that really qualifies (walks back past broken ones); exit 1 if none.",
      )
      .option("--layout <layout>", "layout instead of detecting it", layoutOption)
      .option("--before-step <n>", "only steps < N", stepOption("--before-step"))
      .option("--max-step <n>", "only steps ≤ N", stepOption("--max-step"))
      .option(
        "--for <use>",
        "resume | inference",
        choice("--for", ["resume", "inference"] as const),
        "resume",
      )
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
                `rlops: NOT_FOUND: no checkpoint in ${result.root} qualifies for ${flags.for}\n`,
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

  examples(
    ckpt
      .command("validate <path>")
      .description(
        "Check one checkpoint's completeness and integrity without Python; exit 1 when it has errors.",
      )
      .option("--deep", "also safetensors shards vs index, CRC-32 of every torch zip entry, sha256 manifest")
      .option("--layout <layout>", "layout of the run the checkpoint belongs to", layoutOption)
      .option("--write-manifest", "write rlops-manifest.json (sha256 of every file) after a successful check")
      .option("--json", "print the validation report")
      .action(
        action(async (path: string, flags: ValidateFlags) => {
          const report = await validateCheckpoint(path, { deep: flags.deep, layout: flags.layout });
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
            if (manifest) process.stdout.write(`  wrote rlops-manifest.json (${manifest.files} files)\n`);
          }
          return report.ok ? EXIT.OK : EXIT.NOT_FOUND;
        }),
      ),
    [
      "rlops ckpt validate outputs/checkpoint-500",
      "rlops ckpt validate outputs/checkpoint-500 --deep --json",
    ],
  );

  examples(
    ckpt
      .command("prune <dir>")
      .description("Plan which checkpoints to delete (dry run by default; --apply deletes).")
      .requiredOption(
        "--keep-last <k>",
        "keep the K newest (hf: save_total_limit)",
        countOption("--keep-last"),
      )
      .option("--keep-best", "keep the best checkpoint (hf: best_model_checkpoint from trainer_state.json)")
      .option(
        "--keep-every <n>",
        "safe: also keep every checkpoint whose step is a multiple of N",
        countOption("--keep-every"),
      )
      .option(
        "--policy <policy>",
        "hf (exact save_total_limit) | safe",
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
      .option("--layout <layout>", "layout instead of detecting it", layoutOption)
      .option("--apply", "delete what the plan lists (each folder is re-checked first)")
      .option("--json", "print the plan (and what was deleted)")
      .action(
        action(async (dir: string, flags: PruneFlags) => {
          const storage = createNodeStorage();
          const listing = await listCheckpoints(dir, { layout: flags.layout, storage });
          let candidates: RetentionCandidate[] = listing.checkpoints;
          let policy: RetentionPolicy;
          if (flags.policy === "hf") {
            if (listing.layout !== "hf")
              throw new ExitError(
                EXIT.BAD_INPUT,
                "BAD_FLAG",
                `--policy hf needs a Hugging Face run, ${listing.root} is ${listing.layout}`,
              );
            // HF rotates every checkpoint-* folder, including siblings resume ignores
            candidates = [
              ...listing.checkpoints,
              ...listing.ignored
                .filter((i) => (i.path.split("/").pop() ?? "").startsWith("checkpoint-"))
                .map((i) => ({ name: i.path.split("/").pop()!, location: i.path, mtimeMs: i.mtimeMs })),
            ];
            const best = listing.checkpoints.find((c) => c.best);
            policy = {
              kind: "hf",
              saveTotalLimit: flags.keepLast,
              version: flags.hfVersion === "4" ? 4 : 5,
              ordering: flags.ordering,
              bestModelCheckpoint: flags.keepBest && best ? best.location : null,
            };
          } else {
            policy = { kind: "safe", keepLast: flags.keepLast, keepBest: true };
            if (flags.keepEvery) policy.keepEvery = flags.keepEvery;
          }
          // record folder mtimes so --apply refuses folders that changed after planning
          candidates = await Promise.all(
            candidates.map(async (c) => {
              if (!c.location || c.location.includes("://")) return c;
              const s = await storage.stat(c.location);
              return s?.mtimeMs === undefined ? c : { ...c, mtimeMs: s.mtimeMs };
            }),
          );
          const plan: RetentionPlan = planRetention(candidates, policy);
          const applied = flags.apply ? await applyRetention(plan, { storage }) : undefined;
          if (flags.json) printJson(applied ? { ...plan, applied } : { ...plan, dryRun: true });
          else {
            const rows = [["ACTION", "NAME", "STEP", "REASON"]];
            for (const d of plan.delete)
              rows.push(["delete", d.name, d.step === null ? "-" : String(d.step), d.reason]);
            for (const k of plan.keep)
              rows.push(["keep", k.name, k.step === null ? "-" : String(k.step), k.reason]);
            process.stdout.write(`${table(rows)}\n`);
            for (const n of plan.notes) process.stdout.write(`note: ${n}\n`);
            if (!applied)
              process.stdout.write(`dry run: ${plan.delete.length} to delete; pass --apply to delete them\n`);
            else {
              for (const d of applied.deleted) process.stdout.write(`deleted ${d}\n`);
              for (const s of applied.skipped) process.stdout.write(`skipped ${s.location}: ${s.reason}\n`);
            }
          }
          return EXIT.OK;
        }),
      ),
    [
      "rlops ckpt prune outputs/ --keep-last 3",
      "rlops ckpt prune outputs/ --keep-last 2 --keep-best --policy hf --ordering numeric",
      "rlops ckpt prune outputs/ --keep-last 3 --apply",
    ],
  );
}
