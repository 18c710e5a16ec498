import { Command } from "commander";
import { register as registerArc } from "./commands/arc.js";
import { register as registerBreaker } from "./commands/breaker.js";
import { register as registerCkpt } from "./commands/ckpt.js";
import { register as registerHarmony } from "./commands/harmony.js";
import { register as registerInit } from "./commands/init.js";
import { register as registerRecover } from "./commands/recover.js";
import { register as registerReport } from "./commands/report.js";
import { register as registerRewards } from "./commands/rewards.js";
import { VERSION } from "./version.js";

/** Builds the `rlops` commander program (not yet parsed). */
export function createProgram(): Command {
  const program = new Command("rlops")
    .description("Tooling around LLM RL runs: checkpoints, harmony, ARC, rewards, breakers and recovery.")
    .version(VERSION, "-V, --version")
    .showHelpAfterError("(run with --help for usage)");
  for (const register of [
    registerReport,
    registerCkpt,
    registerHarmony,
    registerArc,
    registerRewards,
    registerBreaker,
    registerRecover,
    registerInit,
  ]) {
    register(program);
  }
  return program;
}
