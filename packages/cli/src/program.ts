import type { Command } from "commander";
import { register as registerArc } from "./commands/arc.js";
import { register as registerBreaker } from "./commands/breaker.js";
import { register as registerBridge } from "./commands/bridge.js";
import { register as registerCkpt } from "./commands/ckpt.js";
import { register as registerHarmony } from "./commands/harmony.js";
import { register as registerInit } from "./commands/init.js";
import { register as registerRecover } from "./commands/recover.js";
import { register as registerReport } from "./commands/report.js";
import { register as registerRewards } from "./commands/rewards.js";
import { register as registerWatch } from "./commands/watch.js";
import { baseProgram } from "./program-base.js";

/**
 * Builds the whole `rlops` commander program (not yet parsed), every command group loaded. The `rlops`
 * binary itself loads only the group a command line names (`programFor` in `program-base.ts`).
 */
export function createProgram(): Command {
  const program = baseProgram();
  for (const register of [
    registerReport,
    registerWatch,
    registerCkpt,
    registerHarmony,
    registerArc,
    registerRewards,
    registerBreaker,
    registerRecover,
    registerInit,
    registerBridge,
  ]) {
    register(program);
  }
  return program;
}
