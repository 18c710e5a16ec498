export type { CliErrorCode } from "./errors.js";
export { CliError } from "./errors.js";
export { createProgram } from "./program.js";
export { VERSION } from "./version.js";
