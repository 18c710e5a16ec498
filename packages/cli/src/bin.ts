#!/usr/bin/env node
import nodeModule from "node:module";
import { VERSION, wantsVersion } from "./version.js";

// Everything else is imported on demand: `rlops --version` loads two tiny modules, and the V8 compile
// cache (Node ≥ 22.1; off with NODE_DISABLE_COMPILE_CACHE=1) is on before any command module compiles.
if (wantsVersion(process.argv)) {
  process.stdout.write(`${VERSION}\n`);
} else {
  (nodeModule as { enableCompileCache?: () => unknown }).enableCompileCache?.();
  const { applyErrorModel, exitQuietlyOnClosedPipe, handleError } = await import("./cli-kit.js");
  exitQuietlyOnClosedPipe();
  try {
    const { programFor } = await import("./program-base.js");
    const program = applyErrorModel(await programFor(process.argv));
    await program.parseAsync(process.argv);
  } catch (error) {
    process.exitCode = handleError(error);
  }
}
