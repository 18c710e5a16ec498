import type { Command } from "commander";

/** Registers the `rlops report` command(s). */
export function register(_program: Command): void {
  // Implemented by the report work item.
}
