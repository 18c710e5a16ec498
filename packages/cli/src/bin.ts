#!/usr/bin/env node
import type { Command } from "commander";
import { EXIT, handleError } from "./cli-kit.js";
import { programFor } from "./program-base.js";

/** commander's own usage errors (unknown option, missing argument) are bad input: exit 2. */
function applyExitCodes(command: Command): void {
  command.exitOverride((error) => {
    const shown = ["commander.helpDisplayed", "commander.version", "commander.help"];
    process.exit(shown.includes(error.code) || error.exitCode === 0 ? EXIT.OK : EXIT.BAD_INPUT);
  });
  for (const sub of command.commands) applyExitCodes(sub);
}

try {
  const program = await programFor(process.argv);
  applyExitCodes(program);
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = handleError(error);
}
