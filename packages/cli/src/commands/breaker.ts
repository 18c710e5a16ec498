import type { Command } from "commander";

/** Registers the `rlops breaker` command(s). */
export function register(_program: Command): void {
  // Implemented by the breaker work item.
}
