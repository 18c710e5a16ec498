export type { CheckpointErrorCode } from "./errors.js";
export { CheckpointError } from "./errors.js";
