declare const __RLOPS_VERSION__: string | undefined;
/** Version of `@rlops/cli`. */
export const VERSION: string = typeof __RLOPS_VERSION__ === "string" ? __RLOPS_VERSION__ : "0.0.0-dev";

/**
 * Whether a command line (`process.argv` shape) asks only for the version: `rlops -V …` or
 * `rlops --version …` (commander answers the first option before any command). The `rlops` binary
 * answers it without loading commander or any command group.
 */
export function wantsVersion(argv: readonly string[]): boolean {
  const first = argv[2];
  return first === "-V" || first === "--version";
}
