export type { RecoveryErrorCode } from "./errors.js";
export { RecoveryError } from "./errors.js";
