#!/usr/bin/env node
import { applyErrorModel, exitQuietlyOnClosedPipe, handleError } from "./cli-kit.js";
import { createProgram } from "./program.js";

exitQuietlyOnClosedPipe();
try {
  const program = applyErrorModel(createProgram());
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = handleError(error);
}
