import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { type FixtureOptions, type FixtureRun, fixtureFiles } from "./fixture-files.js";
import type { Layout } from "./model.js";

export type { BrokenCase, FixtureOptions, FixtureRun, FixtureTensor } from "./fixture-files.js";
export {
  /** Builds a valid safetensors file in memory. */
  buildSafetensors,
  /** Builds a torch-style zip (`data.pkl` + data entries) in memory. */
  buildTorchFile,
  /** Builds a stored zip archive with valid CRC-32s. */
  buildZip,
  /** The files of a fixture run as a map (for `createMemoryStorage`). */
  fixtureFiles,
} from "./fixture-files.js";
export type { PickleSpec } from "./pickle/write.js";
export {
  /** A torch.distributed.checkpoint `.metadata` pickle naming the given byte ranges. */
  dcpMetadataPickle,
  /** A small protocol-2 pickle writer for plain data and recorded objects. */
  writePickle,
} from "./pickle/write.js";

/**
 * Writes a realistic run tree for `layout` under `dir` (HF, AReaL, staged, Tinker, step folders,
 * Lightning, DeepSpeed, DCP), including broken cases such as a truncated safetensors file, a
 * missing shard or optimizer, a mismatching `trainer_state.json`, a torn `checkpoints.jsonl`, an
 * incomplete marker or a half-written checkpoint.
 */
export function writeFixtureRun(dir: string, layout: Layout, options: FixtureOptions = {}): FixtureRun {
  const root = resolve(dir);
  const { files, run } = fixtureFiles(layout, options, root);
  const made = new Set<string>();
  for (const [path, data] of files) {
    const d = dirname(path);
    if (!made.has(d)) {
      mkdirSync(d, { recursive: true });
      made.add(d);
    }
    writeFileSync(path, data);
  }
  mkdirSync(root, { recursive: true });
  return run;
}
