/**
 * The trainer response log `logs/responses/step_NNN.json` without the scoring (zod + errors only):
 * the entry for packages that only read logs (`@rlops/arc-eval/response-log`).
 * @module
 */
export type { ParseResponseLogOptions, ResponseCandidate, ResponseLog } from "./schema.js";
export {
  parseResponseLog,
  responseCandidateSchema,
  responseLogFileStep,
  responseLogSchema,
  safeParseResponseLog,
} from "./schema.js";
