import type { Command } from "commander";

/** Registers the `rlops rewards` command(s). */
export function register(_program: Command): void {
  // Implemented by the rewards work item.
}
