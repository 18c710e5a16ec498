// Child process for the fault-injection tests: runs setupRecovery and SIGKILLs itself at a step.
import { readFileSync } from "node:fs";
import { type SetupStep, setupRecovery } from "../../src/node.js";

const [planFile, killAt, nth] = process.argv.slice(2) as [string, SetupStep | "none", string];
const plan = JSON.parse(readFileSync(planFile, "utf8"));
let seen = 0;
await setupRecovery(plan, {
  onStep(step) {
    if (step !== killAt) return;
    seen++;
    if (seen >= Number(nth ?? "1")) process.kill(process.pid, "SIGKILL");
  },
});
process.stdout.write("done\n");
