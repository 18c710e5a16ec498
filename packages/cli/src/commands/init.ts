import type { Command } from "commander";

/** Registers the `rlops init` command(s). */
export function register(_program: Command): void {
  // Implemented by the init work item.
}
