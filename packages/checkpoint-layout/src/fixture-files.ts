import { arealFixture } from "./fixture/areal.js";
import { dcpFixture } from "./fixture/dcp.js";
import { deepspeedFixture } from "./fixture/deepspeed.js";
import { hfFixture } from "./fixture/hf.js";
import { lightningFixture } from "./fixture/lightning.js";
import { stagedFixture } from "./fixture/staged.js";
import { stepFoldersFixture } from "./fixture/step-folders.js";
import { tinkerFixture } from "./fixture/tinker.js";
import type { Files, FixtureOptions, FixtureRun, FixtureWriter } from "./fixture/types.js";
import type { Layout } from "./model.js";

export { buildSafetensors, buildTorchFile, buildZip, type FixtureTensor } from "./fixture/builders.js";
export type { BrokenCase, FixtureOptions, FixtureRun } from "./fixture/types.js";

const DEFAULT_STEPS: Record<Layout, number[]> = {
  hf: [2, 4, 6, 8],
  areal: [4, 9, 14, 19],
  staged: [1, 2, 3, 4, 5],
  tinker: [5, 20, 40],
  "step-folders": [50, 100, 150],
  lightning: [4, 12],
  deepspeed: [100, 200],
  dcp: [3, 7],
};

/** One fixture writer per layout. */
const FIXTURE_WRITERS: Record<Layout, FixtureWriter> = {
  hf: hfFixture,
  areal: arealFixture,
  staged: stagedFixture,
  tinker: tinkerFixture,
  "step-folders": stepFoldersFixture,
  lightning: lightningFixture,
  deepspeed: deepspeedFixture,
  dcp: dcpFixture,
};

/**
 * Builds the files of a realistic run tree for `layout` (paths relative to `root`, which may be
 * `""`), including the requested broken cases. Pure; `writeFixtureRun` writes it to disk.
 */
export function fixtureFiles(
  layout: Layout,
  options: FixtureOptions = {},
  root = "",
): { files: Files; run: FixtureRun } {
  const files: Files = new Map();
  const steps = [...(options.steps ?? DEFAULT_STEPS[layout])].sort((a, b) => a - b);
  const brokenList =
    options.broken === undefined ? [] : Array.isArray(options.broken) ? options.broken : [options.broken];
  const target = options.brokenStep ?? steps[steps.length - 1]!;
  const run: FixtureRun = { root, layout, runDir: root, checkpoints: [], broken: [] };
  const lean = options.lean ?? false;
  const maxSteps = steps[steps.length - 1] ?? 0;
  FIXTURE_WRITERS[layout]({ files, run, options, root, steps, brokenList, target, lean, maxSteps });
  return { files, run };
}
