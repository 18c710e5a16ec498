import { CheckpointError } from "./errors.js";
import type { ScanContext } from "./folder/context.js";
import { readTrainingArgs } from "./pickle/meta.js";
import { joinPath } from "./storage.js";

/** Did training end at this trainer state? (`global_step >= max_steps > 0`, or `should_training_stop`). */
export function stoppedHere(raw: Record<string, unknown>): boolean {
  const gs = Number(raw.global_step);
  const max = Number(raw.max_steps);
  if (Number.isFinite(max) && max > 0 && gs >= max) return true;
  const sc = raw.stateful_callbacks as Record<string, unknown> | undefined;
  const tc = sc?.TrainerControl as { args?: { should_training_stop?: unknown } } | undefined;
  return tc?.args?.should_training_stop === true;
}

export async function savedOnlyModel(ctx: ScanContext, path: string): Promise<boolean> {
  try {
    return (await readTrainingArgs(ctx.storage, path)).save_only_model === true;
  } catch (error) {
    if (CheckpointError.isInstance(error)) return false;
    throw error;
  }
}

export async function baseModelHint(ctx: ScanContext, dir: string): Promise<string> {
  const file = joinPath(dir, "adapter_config.json");
  let base: unknown = null;
  try {
    base = (JSON.parse(await ctx.storage.readText(file)) as { base_model_name_or_path?: unknown })
      .base_model_name_or_path;
  } catch {
    // unreadable config: the presence checks report it
  }
  return typeof base === "string" && base
    ? `${dir}: adapter-only (PEFT) checkpoint: load it on top of the base model "${base}"`
    : `${dir}: adapter-only (PEFT) checkpoint: it needs its base model, and adapter_config.json does not name one (base_model_name_or_path is null); pass the base model explicitly`;
}
