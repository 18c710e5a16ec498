export type { RlopsErrorOptions } from "./rlops-error.js";
export { isRlopsError, RlopsError } from "./rlops-error.js";
