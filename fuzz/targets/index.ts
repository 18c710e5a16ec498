/** Every fuzz target, by package group. */
import type { AnyTarget } from "../harness.js";
import { arcTargets } from "./arc.js";
import { checkpointTargets } from "./checkpoint.js";
import { harmonyTargets } from "./harmony.js";
import { recoveryTargets } from "./recovery.js";
import { rewardsTargets } from "./rewards.js";

export const targets: AnyTarget[] = [
  ...rewardsTargets,
  ...recoveryTargets,
  ...harmonyTargets,
  ...arcTargets,
  ...checkpointTargets,
];
