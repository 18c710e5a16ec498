import { trainerSchema } from "@rlops/recovery";
import type { Option } from "commander";
import { choiceOption } from "../cli-kit.js";

/**
 * `--trainer <trainer>`: one of `@rlops/recovery`'s trainers (the same flag in every command). Kept out of
 * `cli-kit.ts` so that commands without the flag (`ckpt`, …) never load `@rlops/recovery` and yaml.
 */
export function trainerOption(
  description = "trainer for the resume command (default: from the layout)",
): Option {
  return choiceOption("--trainer <trainer>", description, trainerSchema.options);
}
