import { Command } from "commander";
import { examples } from "./cli-kit.js";
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
    .version(VERSION, "-V, --version");
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
  examples(program, [
    "rlops report                      # the bundled example run, with an HTML report",
    "rlops report ./outputs --html report.html",
    "rlops init",
    "rlops <command> --help",
  ]);
  program.addHelpText(
    "after",
    "\nExit codes:\n  0 ok · 1 nothing found · 2 bad input · 3 stop · 4 rollback · 70 internal error\n" +
      "Errors print one line `rlops: <code>: <message>`, plus a `hint:` line when there is one;\n" +
      "every code is listed in the @rlops/cli README.\n" +
      "Colour follows NO_COLOR / FORCE_COLOR and is off when output is not a terminal.\n",
  );
  return program;
}
