/** Shell quoting used in every printed command (re-exported from `@rlops/recovery`). */
export { shellJoin, shellQuote } from "@rlops/recovery";
export type { CliErrorCode, CliErrorOptions, ExitCode } from "./errors.js";
export { CLI_ERROR_CODES, CliError, EXIT, LIBRARY_EXIT } from "./errors.js";
export { VERSION } from "./version.js";
