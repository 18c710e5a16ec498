export type { HarmonyErrorCode } from "./errors.js";
export { HarmonyError } from "./errors.js";
