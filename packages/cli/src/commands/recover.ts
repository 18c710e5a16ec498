import type { Command } from "commander";

/** Registers the `rlops recover` command(s). */
export function register(_program: Command): void {
  // Implemented by the recover work item.
}
