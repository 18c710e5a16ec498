import type { Command } from "commander";

/** Registers the `rlops arc` command(s). */
export function register(_program: Command): void {
  // Implemented by the arc work item.
}
