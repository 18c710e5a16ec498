import { join, relative } from "node:path";
import { readTrainingArgs } from "@rlops/checkpoint-layout";
import { createNodeStorage } from "@rlops/checkpoint-layout/node";
import { isRlopsError } from "@rlops/errors";
import { errorMessage } from "./arc-node.js";

/** The run's own retention and cadence, as its HF `training_args.bin` records them. */
export interface RunRetention {
  /** HF `save_total_limit` (`null`: every checkpoint kept). */
  saveTotalLimit: number | null;
  /** HF `save_steps`. */
  saveSteps: number | null;
  /** HF `max_steps` (`-1` or `null` when training runs by epochs). */
  maxSteps: number | null;
  /** The file read, relative to the run root. */
  source: string;
}

/**
 * Reads the run's `training_args.bin` with `@rlops/checkpoint-layout`'s safe pickle reader (nothing
 * executed): the newest local checkpoint's copy first, then the run root's (only files the walk
 * found, `files`). `null` when the run has none (non-HF trainers); a file that cannot be read is
 * reported through `note` and skipped.
 */
export async function readRunRetention(
  root: string,
  checkpoints: readonly { location: string }[],
  files: ReadonlySet<string>,
  note: (message: string) => void,
): Promise<RunRetention | null> {
  const storage = createNodeStorage();
  const candidates = checkpoints
    .filter((c) => !c.location.includes("://"))
    .map((c) => join(c.location, "training_args.bin"))
    .reverse();
  candidates.push(join(root, "training_args.bin"));
  for (const path of candidates) {
    if (!files.has(path)) continue;
    try {
      const args = await readTrainingArgs(storage, path);
      return {
        saveTotalLimit: args.save_total_limit,
        saveSteps: args.save_steps,
        maxSteps: args.max_steps,
        source: relative(root, path),
      };
    } catch (error) {
      if (!isRlopsError(error)) throw error;
      note(`${relative(root, path)}: not read (${error.code}: ${errorMessage(error)})`);
    }
  }
  return null;
}
