import { existsSync, statSync } from "node:fs";
import { readdir, readFile, rename, writeFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import type { Checkpoint } from "@rlops/checkpoint-layout";
import { listCheckpoints } from "@rlops/checkpoint-layout/node";
import { isRlopsError } from "@rlops/errors";
import {
  type CheckpointFacts,
  inferenceCode,
  inferenceScript,
  resumeCode,
  type WeightsKind,
} from "@rlops/run";
import type { Command } from "commander";
import { action, EXIT, ExitError, examples, printJson } from "../cli-kit.js";

/** A checkpoint and the run root it was listed from. */
export interface FoundCheckpoint {
  root: string;
  checkpoint: Checkpoint;
}

async function listed(dir: string): Promise<{ root: string; checkpoints: Checkpoint[] } | null> {
  try {
    const listing = await listCheckpoints(dir);
    return { root: listing.root, checkpoints: listing.checkpoints };
  } catch (error) {
    if (isRlopsError(error)) return null;
    throw error;
  }
}

/**
 * Finds a checkpoint from a path: a checkpoint folder or file (its run root is found by walking up at
 * most 8 parents), or a run directory with `name` (default: its newest complete checkpoint).
 */
export async function findCheckpoint(
  path: string,
  name?: string,
  prefer: "any" | "inference" = "any",
): Promise<FoundCheckpoint> {
  const target = resolve(path);
  if (!existsSync(target))
    throw new ExitError(EXIT.BAD_INPUT, "PATH_NOT_FOUND", `${target}: no such file or directory`);
  const here = await listed(target);
  if (here && here.checkpoints.length > 0 && !here.checkpoints.some((c) => c.location === target)) {
    const pick = name
      ? here.checkpoints.find((c) => c.name === name || basename(c.location) === name)
      : ([...here.checkpoints]
          .reverse()
          .find((c) => c.complete && (prefer === "any" || c.capabilities.inference)) ??
        [...here.checkpoints].reverse().find((c) => c.complete));
    if (!pick)
      throw new ExitError(
        EXIT.NOT_FOUND,
        "NO_CHECKPOINT",
        name ? `${target}: no checkpoint named "${name}"` : `${target}: no complete checkpoint`,
        `rlops ckpt list ${target}`,
      );
    return { root: here.root, checkpoint: pick };
  }
  // A folder can list as its own single checkpoint ("."): prefer the run above it that names it.
  let fallback: FoundCheckpoint | null = null;
  let dir = target;
  for (let up = 0; up <= 8; up++) {
    const result = up === 0 ? here : await listed(dir);
    const found = result?.checkpoints.find((c) => c.location === target);
    if (result && found) {
      if (found.name !== ".") return { root: result.root, checkpoint: found };
      fallback ??= { root: result.root, checkpoint: found };
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  if (fallback) return fallback;
  throw new ExitError(
    EXIT.NOT_FOUND,
    "NO_CHECKPOINT",
    `${target}: not a checkpoint of any layout rlops knows`,
    "pass a checkpoint folder or file, or a run directory (with --name)",
  );
}

async function readJson(path: string): Promise<Record<string, unknown> | null> {
  try {
    const value = JSON.parse(await readFile(path, "utf8")) as unknown;
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

const str = (v: unknown) => (typeof v === "string" && v.length > 0 ? v : null);

function weightsOf(c: Checkpoint, files: readonly string[]): WeightsKind {
  if (c.location.includes("://")) return "remote";
  if (files.some((f) => f.startsWith("adapter_model.") || f === "adapter_config.json")) return "adapter";
  if (
    files.some((f) =>
      /^(model|pytorch_model)([.-].*)?\.(safetensors|bin)$|\.safetensors\.index\.json$/.test(f),
    )
  )
    return "full";
  if (c.layout === "lightning" || c.location.endsWith(".ckpt")) return "lightning";
  if (files.includes(".metadata") && files.some((f) => f.endsWith(".distcp"))) return "dcp";
  if (files.some((f) => f.includes("zero_pp_rank") || f.endsWith("_model_states.pt"))) return "deepspeed";
  if (files.includes("generator.pt") || c.layout === "staged") return "staged";
  return "unknown";
}

/** Gathers what `rlops ckpt info` shows about one checkpoint. */
async function checkpointFacts(found: FoundCheckpoint): Promise<CheckpointFacts> {
  const { root, checkpoint: c } = found;
  const local = !c.location.includes("://");
  const isDir = local && statSync(c.location).isDirectory();
  const files = isDir ? (await readdir(c.location)).sort() : [];
  const weights = weightsOf(c, files);
  let baseModel: string | null = null;
  let loraRank: number | null = null;
  if (isDir) {
    const adapter = await readJson(join(c.location, "adapter_config.json"));
    const config = await readJson(join(c.location, "config.json"));
    const info = await readJson(join(c.location, "training_info.json"));
    baseModel = str(adapter?.base_model_name_or_path) ?? str(info?.model_name) ?? str(config?._name_or_path);
    if (typeof adapter?.r === "number") loraRank = adapter.r;
    if (!baseModel && files.includes("README.md")) {
      const readme = await readFile(join(c.location, "README.md"), "utf8").catch(() => "");
      baseModel = /^base_model:\s*(\S+)\s*$/m.exec(readme.slice(0, 4000))?.[1] ?? null;
    }
  }
  if (!baseModel || loraRank === null) {
    // Run-level metadata: Tinker's config.json / final_checkpoint_info.json.
    for (const file of [
      "config.json",
      "checkpoints/final_checkpoint_info.json",
      "final_checkpoint_info.json",
    ]) {
      const meta = await readJson(join(root, file));
      baseModel ??= str(meta?.base_model) ?? str(meta?.model_name);
      if (loraRank === null && typeof meta?.lora_rank === "number") loraRank = meta.lora_rank;
    }
  }
  const uris = (c as { uris?: { state?: string; sampler?: string } }).uris ?? {};
  return {
    layout: c.layout,
    name: c.name,
    location: c.location,
    step: c.step !== null && Number.isSafeInteger(c.step) ? c.step : null,
    role: c.role,
    complete: c.complete,
    resumable: c.complete && c.capabilities.resume,
    inference: c.complete && c.capabilities.inference,
    weights,
    baseModel,
    baseModelLocal: baseModel !== null && existsSync(baseModel) && statSync(baseModel).isDirectory(),
    loraRank,
    uris: {
      ...(uris.state ? { state: uris.state } : {}),
      ...(uris.sampler ? { sampler: uris.sampler } : {}),
    },
    files: files.slice(0, 50),
    root,
  };
}

const WEIGHTS_TEXT: Record<WeightsKind, string> = {
  adapter: "LoRA adapter (PEFT)",
  full: "full model weights (Transformers)",
  lightning: "Lightning checkpoint (state_dict, optimizer, loops)",
  dcp: "torch.distributed.checkpoint shards",
  deepspeed: "DeepSpeed ZeRO shards",
  staged: "staged trainer torch state dicts",
  remote: "remote Tinker checkpoint",
  unknown: "unknown weights format",
};

const indent = (code: string) =>
  code
    .split("\n")
    .map((l) => `    ${l}`)
    .join("\n");

interface InfoFlags {
  name?: string;
  json?: boolean;
  script?: string;
}

/** Registers `rlops ckpt info` on the `ckpt` command. */
export function registerCkptInfo(ckpt: Command): void {
  examples(
    ckpt
      .command("info <path>")
      .description(
        "What a checkpoint is (layout, step, role, base model, LoRA rank, adapter or full weights, resumable or " +
          "inference-only) and the exact code to load it for inference and to resume training.",
      )
      .option("--name <name>", "with a run directory: the checkpoint's name (default: the newest complete)")
      .option("--script <file>", "write a ready-to-run inference script (e.g. inference.py)")
      .option("--json", "print the facts and the code as JSON")
      .action(
        action(async (path: string, flags: InfoFlags) => {
          const found = await findCheckpoint(path, flags.name, flags.script ? "inference" : "any");
          const facts = await checkpointFacts(found);
          const inference = facts.inference ? inferenceCode(facts) : null;
          const resume = resumeCode(facts);
          if (flags.script) {
            const script = facts.inference ? inferenceScript(facts) : null;
            if (!script)
              throw new ExitError(
                EXIT.BAD_INPUT,
                "NO_INFERENCE",
                `${facts.name}: no inference script for a ${facts.inference ? WEIGHTS_TEXT[facts.weights] : "checkpoint that is not usable for inference"}`,
              );
            const out = resolve(flags.script);
            const temp = join(dirname(out), `.${basename(out)}.${process.pid}.tmp`);
            await writeFile(temp, script);
            await rename(temp, out);
            if (!flags.json) process.stderr.write(`rlops: wrote ${out}\n`);
          }
          if (flags.json) {
            printJson({ ...facts, code: { inference, resume } });
            return EXIT.OK;
          }
          const lines = [
            `${facts.name}  (${facts.layout}, step ${facts.step ?? "-"}, ${facts.role})`,
            `  location   ${facts.location}`,
            `  weights    ${WEIGHTS_TEXT[facts.weights]}${facts.loraRank !== null ? `, LoRA rank ${facts.loraRank}` : ""}`,
            `  base model ${facts.baseModel ?? "unknown"}${facts.baseModel ? (facts.baseModelLocal ? " (local)" : facts.weights === "adapter" ? " (downloaded on first load)" : "") : ""}`,
            `  status     ${facts.complete ? "complete" : "INCOMPLETE"} · ${facts.resumable ? "resumable" : "not resumable"} · ${facts.inference ? "usable for inference" : "not usable for inference"}`,
          ];
          for (const [k, v] of Object.entries(facts.uris)) lines.push(`  ${k.padEnd(10)} ${v}`);
          lines.push(
            "",
            "Load for inference:",
            inference ? indent(inference) : "    (not usable for inference)",
          );
          lines.push("", "Resume training:", resume ? indent(resume) : "    (not resumable)");
          process.stdout.write(`${lines.join("\n")}\n`);
          return EXIT.OK;
        }),
      ),
    [
      "rlops ckpt info outputs/checkpoint-500",
      "rlops ckpt info outputs/checkpoint-500 --script inference.py && python inference.py 'Solve this'",
      "rlops ckpt info logs/tinker-run --name 000040 --json",
    ],
  );
}
