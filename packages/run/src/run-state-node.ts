import { readFile, stat } from "node:fs/promises";
import { join, relative } from "node:path";
import { parseJsonWithNonFinite } from "@rlops/recovery";
import { type RunEndState, runEndStateOf } from "./run-state.js";

const MAX_STATE_BYTES = 64 * 1024 * 1024;

/**
 * The run's end state from the newest `trainer_state.json` (the run root's, written after training,
 * or a checkpoint's: the highest `global_step` wins). `null` when the run has none (non-HF trainers).
 */
export async function readRunEndState(
  root: string,
  checkpoints: readonly { location: string }[],
): Promise<RunEndState | null> {
  const candidates = [join(root, "trainer_state.json")];
  for (const c of checkpoints)
    if (!c.location.includes("://")) candidates.push(join(c.location, "trainer_state.json"));
  let best: RunEndState | null = null;
  for (const path of candidates) {
    try {
      const info = await stat(path);
      if (!info.isFile() || info.size > MAX_STATE_BYTES) continue;
      const state = runEndStateOf(parseJsonWithNonFinite(await readFile(path, "utf8")), relative(root, path));
      if (state && (best === null || (state.globalStep ?? -1) > (best.globalStep ?? -1))) best = state;
    } catch {
      // missing or unreadable: a checkpoint problem the listing reports, not an end state
    }
  }
  return best;
}
