import type { Command } from "commander";

/** Registers the `rlops ckpt` command(s). */
export function register(_program: Command): void {
  // Implemented by the ckpt work item.
}
