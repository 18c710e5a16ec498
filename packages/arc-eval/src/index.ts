export type {
  Augmentation,
  AugmentedPrediction,
  DihedralTransform,
  VoteCandidate,
  VoteResult,
} from "./augment.js";
export {
  augmentGrid,
  augmentTask,
  DIHEDRAL_TRANSFORMS,
  deaugment,
  deaugmentGrid,
  inverseTransform,
  invertPermutation,
  permuteColors,
  randomColorPermutation,
  transformGrid,
  vote,
} from "./augment.js";
export type { ArcErrorCode } from "./errors.js";
export { ArcError } from "./errors.js";
export type {
  ExtractFailureReason,
  ExtractOptions,
  ExtractResult,
  GridCandidate,
  GridFormat,
  RejectedCandidate,
  Span,
} from "./extract/types.js";
export { GRID_FORMATS } from "./extract/types.js";
export { extractGrid, extractGrids, inspectGrids } from "./extract.js";
export type { FormatGridOptions } from "./format.js";
export { formatGrid } from "./format.js";
export type { Grid, GridProblem, GridProblemCode } from "./grid.js";
export { checkGrid, fingerprintTasks, gridSchema, gridsEqual, isGrid, MAX_GRID_SIZE } from "./grid.js";
export type { HarmonyPromptOptions } from "./harmony.js";
export type { CompareOptions, GridComparison, ResponseScore } from "./metrics.js";
export { compareGrids, scoreResponse } from "./metrics.js";
export { COLOR_NAMES, DEFAULT_PALETTE } from "./palette.js";
export type { PromptOptions, PromptStyle } from "./prompt.js";
export { formatTaskPrompt } from "./prompt.js";
export * from "./response-log/index.js";
export type { ResponseLogScore, ResponseLogSummary, ScoreResponseLogOptions } from "./response-log/score.js";
export {
  responseLogMetrics,
  responseLogScoreSchema,
  responseLogSummarySchema,
  scoreResponseLog,
  summarizeResponseLogs,
} from "./response-log/score.js";
export type {
  AggregateScore,
  Aggregation,
  AttemptResult,
  OutputResult,
  ScoreOptions,
  ScoreProblem,
  ScoreProblemCode,
  ScoreResult,
  Submission,
  TaskResult,
} from "./score.js";
export {
  AGGREGATIONS,
  buildSubmission,
  parseKaggle2020Submission,
  parseSubmission,
  scoreSubmission,
  submissionFromBenchmarking,
} from "./score.js";
export type { ParseContext, Solutions, Task, TestPair, TrainPair } from "./task.js";
export {
  parseChallenges,
  parseSolutions,
  parseTask,
  solutionsFromTasks,
  taskSchema,
  testPairSchema,
  trainPairSchema,
  validateTask,
} from "./task.js";
