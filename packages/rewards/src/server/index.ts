export type { RewardServer, RewardServerOptions } from "./http.js";
export { createRewardServer, formatLogLine } from "./http.js";
export type {
  RequestLogEntry,
  RequestLogSink,
  RewardServerLimits,
  RewardServerLimitsInput,
} from "./options.js";
export { rewardServerOptionsSchema } from "./options.js";

export {
  openRlhfResponse,
  openRlhfSamples,
  REWARD_SCORED_FIELDS,
} from "./routes.js";
export { DEFAULT_PORT, SERVER_PROTOCOL, SERVER_VERSION } from "./version.js";
