/** Every fuzz target, by package group. */
import type { AnyTarget } from "../harness.js";
import { rewardsTargets } from "./rewards.js";

export const targets: AnyTarget[] = [...rewardsTargets];
