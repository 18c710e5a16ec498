import { rm } from "node:fs/promises";
import { join } from "node:path";
import type { Layout } from "@rlops/checkpoint-layout";
import { put } from "./common.js";
import { writeArcDapoRun, writeArealRun } from "./runs-hf.js";
import {
  writeDcpRun,
  writeDeepSpeedRun,
  writeLightningRun,
  writeStagedRun,
  writeStepFolderRun,
  writeTinkerRun,
} from "./runs-other.js";

/** One run written by {@link writeExampleRuns}. */
export interface ExampleRun {
  /** Short name, also the folder name under the example root. */
  name: string;
  /** The checkpoint layout the run uses (checkpoint-layout's layout names). */
  layout: Layout;
  /** Absolute path of the run directory to pass to `rlops report`. */
  dir: string;
  /** What the run shows. */
  story: string;
}

/** The example runs in order (the ARC DAPO run first), each with its writer. */
const EXAMPLES: readonly (Omit<ExampleRun, "dir"> & { write: (dir: string) => Promise<void> })[] = [
  {
    name: "arc-dapo",
    layout: "hf",
    story: "GPT-OSS ARC DAPO run: reward collapses at step 138, killed while saving checkpoint-175",
    write: writeArcDapoRun,
  },
  {
    name: "areal-grpo",
    layout: "areal",
    story: "AReaL GRPO on H200: task reward zero from step 178, breaker trips at 187",
    write: writeArealRun,
  },
  { name: "staged", layout: "staged", story: "staged trainer: 5 stages, best, final", write: writeStagedRun },
  {
    name: "tinker",
    layout: "tinker",
    story: "Tinker RL run: remote checkpoints, torn last line in checkpoints.jsonl",
    write: writeTinkerRun,
  },
  {
    name: "step-folders",
    layout: "step-folders",
    story: "ARC step-folder trainer: early stop after 3 perfect solutions",
    write: writeStepFolderRun,
  },
  {
    name: "lightning",
    layout: "lightning",
    story: "Lightning run: the loss turns NaN at step 1010",
    write: writeLightningRun,
  },
  {
    name: "deepspeed",
    layout: "deepspeed",
    story: "DeepSpeed run: loss spike from step 250, global_step300 half-written",
    write: writeDeepSpeedRun,
  },
  { name: "dcp", layout: "dcp", story: "torch DCP run, healthy", write: writeDcpRun },
];

/**
 * Writes the bundled example: an ARC DAPO run in the Hugging Face layout (harmony completions in
 * `logs/responses/step_NNN.json`, a reward collapse at step 138, `checkpoint-N/` folders with the last one
 * half-written, `trainer_state.json` with `log_history`), plus one run for each other layout (AReaL,
 * staged, Tinker, step folders written here; Lightning, DeepSpeed and DCP trees from
 * `@rlops/checkpoint-layout/fixtures` `writeFixtureRun`, with metrics logs added).
 * Deterministic; replaces `root` if it exists. Returns the runs written, the ARC DAPO run first.
 */
export async function writeExampleRuns(root: string): Promise<ExampleRun[]> {
  await rm(root, { recursive: true, force: true });
  const runs: ExampleRun[] = [];
  for (const { write, ...example } of EXAMPLES) {
    const run = { ...example, dir: join(root, example.name) };
    await write(run.dir);
    runs.push(run);
  }
  await put(
    join(root, "README.md"),
    `# rlops example runs\n\n${runs.map((r) => `- \`${r.name}/\` (${r.layout}): ${r.story}`).join("\n")}\n`,
  );
  return runs;
}
