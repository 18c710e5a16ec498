import type { Command } from "commander";

/** Registers the `rlops harmony` command(s). */
export function register(_program: Command): void {
  // Implemented by the harmony work item.
}
