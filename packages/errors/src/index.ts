export type { Diagnostic, FromZodErrorOptions, ZodErrorLike, ZodIssueLike } from "./issues.js";
export { formatIssuePath, fromZodError, messageOf } from "./issues.js";
export type { Result } from "./result.js";
export { err, ok, safely } from "./result.js";
export type { RlopsErrorOptions } from "./rlops-error.js";
export { isRlopsError, RlopsError } from "./rlops-error.js";
export type { YamlScanProblem } from "./yaml-scan.js";
export { scanYamlText } from "./yaml-scan.js";
