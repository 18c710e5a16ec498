import { isDigits } from "../model.js";

export const HF_RE_PREFIX = "checkpoint-";
/** Weights `trainer.save_model()` writes into the output folder itself. */
export const ROOT_MODEL_FILES = [
  "model.safetensors",
  "adapter_model.safetensors",
  "model.safetensors.index.json",
  "pytorch_model.bin",
];

export function hfStep(name: string): string | null {
  if (!name.startsWith(HF_RE_PREFIX)) return null;
  const rest = name.slice(HF_RE_PREFIX.length);
  return isDigits(rest) ? rest : null;
}

/** `epoch{E}epochstep{S}globalstep{G}` → digits, or null. */
export function parseArealName(
  name: string,
): { epoch: string; epochStep: string; globalStep: string } | null {
  if (!name.startsWith("epoch")) return null;
  const a = name.indexOf("epochstep", 5);
  if (a < 0) return null;
  const b = name.indexOf("globalstep", a + 9);
  if (b < 0) return null;
  const epoch = name.slice(5, a);
  const epochStep = name.slice(a + 9, b);
  const globalStep = name.slice(b + 10);
  if (!isDigits(epoch) || !isDigits(epochStep) || !isDigits(globalStep)) return null;
  return { epoch, epochStep, globalStep };
}
