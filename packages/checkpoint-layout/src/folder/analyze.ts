import type { DirEntry } from "../storage.js";
import type { ScanContext } from "./context.js";
import {
  createFolderState,
  type FolderAnalysis,
  type FolderExpectations,
  type FolderRule,
  folderVerdict,
} from "./state.js";
import {
  emptyResumeFilesRule,
  optimizerRule,
  resumeHeadersRule,
  rngRule,
  schedulerRule,
  trainerStateRule,
  trainingKindRule,
} from "./training-rules.js";
import {
  adapterConfigRule,
  adapterSubfoldersRule,
  deepSpeedRule,
  fsdpRule,
  incompleteMarkerRule,
  needsBaseModelRule,
  shardIndexRule,
  singleWeightsRule,
  weightHeadersRule,
  weightsPresentRule,
} from "./weight-rules.js";

/**
 * The completeness rules of a model folder, in the order they run (and report problems): weights
 * first (what inference needs), then what a training checkpoint needs to resume.
 * @internal
 */
const FOLDER_RULES: readonly FolderRule[] = [
  incompleteMarkerRule,
  singleWeightsRule,
  adapterConfigRule,
  shardIndexRule,
  fsdpRule,
  deepSpeedRule,
  adapterSubfoldersRule,
  weightsPresentRule,
  weightHeadersRule,
  trainingKindRule,
  trainerStateRule,
  emptyResumeFilesRule,
  optimizerRule,
  schedulerRule,
  resumeHeadersRule,
  rngRule,
  needsBaseModelRule,
];

/**
 * Analyses one folder holding model weights (HF `checkpoint-N`, `final_checkpoint`, step folders,
 * AReaL exports) by running {@link FOLDER_RULES} in order: weights (single, sharded index coverage,
 * adapter, FSDP, DeepSpeed), trainer state step, optimizer **and** scheduler, RNG file per rank,
 * the incomplete marker, empty files.
 */
export async function analyzeModelFolder(
  ctx: ScanContext,
  dir: string,
  entries: DirEntry[],
  expect: FolderExpectations,
  rules: readonly FolderRule[] = FOLDER_RULES,
): Promise<FolderAnalysis> {
  const state = createFolderState(ctx, dir, entries, expect);
  for (const rule of rules) if (!rule.when || rule.when(state)) await rule.run(state);
  return folderVerdict(state);
}
