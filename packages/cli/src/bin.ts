#!/usr/bin/env node
import { applyErrorModel, exitQuietlyOnClosedPipe, handleError } from "./cli-kit.js";
import { programFor } from "./program-base.js";

exitQuietlyOnClosedPipe();
try {
  const program = applyErrorModel(await programFor(process.argv));
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = handleError(error);
}
