import { Command } from "commander";
import { VERSION } from "./version.js";

/** Builds the `rlops` commander program (not yet parsed). */
export function createProgram(): Command {
  const program = new Command("rlops")
    .description("Tooling around LLM RL runs: checkpoints, harmony, ARC, rewards, breakers and recovery.")
    .version(VERSION, "-V, --version");
  return program;
}
