export type { ArcErrorCode } from "./errors.js";
export { ArcError } from "./errors.js";
