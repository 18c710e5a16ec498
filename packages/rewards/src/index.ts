export type { RewardsErrorCode } from "./errors.js";
export { RewardsError } from "./errors.js";
