import { parseLenientJson } from "../json.js";
import { compareStepText, normalizeDigits } from "../model.js";

/** Reads `global_step` fast (JSON.parse, falling back to the lenient parser for NaN / big ints). */
export function readTrainerStateFast(
  text: string,
  source: string,
): { globalStepText: string; raw: Record<string, unknown> } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
    const gs = (raw as { global_step?: unknown }).global_step;
    if (typeof gs !== "number" || !Number.isSafeInteger(gs)) raw = undefined;
  } catch {
    raw = undefined;
  }
  if (raw === undefined) raw = parseLenientJson(text, { source });
  // Only the fields listing needs are checked here (deep validation applies the full zod schema):
  // a multi-megabyte log_history is not walked.
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    throw new Error(`${source}: (root): expected an object`);
  const r = raw as Record<string, unknown>;
  const gs = r.global_step;
  const okStep =
    (typeof gs === "number" && Number.isSafeInteger(gs) && gs >= 0) || (typeof gs === "bigint" && gs >= 0n);
  if (!okStep)
    throw new Error(
      `${source}: global_step: expected a non-negative integer, got ${JSON.stringify(String(gs))}`,
    );
  if (r.log_history !== undefined && !Array.isArray(r.log_history))
    throw new Error(`${source}: log_history: expected an array`);
  const bmc = r.best_model_checkpoint;
  if (bmc !== undefined && bmc !== null && typeof bmc !== "string")
    throw new Error(`${source}: best_model_checkpoint: expected a string or null`);
  return {
    globalStepText: normalizeDigits(String(gs)),
    raw: raw as Record<string, unknown>,
  };
}

/** Numeric `log_history` values logged at `stepText`. */
export function metricsAtStep(
  raw: Record<string, unknown>,
  stepText: string | undefined,
): Record<string, number> | undefined {
  const history = raw.log_history;
  if (!Array.isArray(history) || stepText === undefined) return undefined;
  const out: Record<string, number> = {};
  for (const entry of history) {
    if (typeof entry !== "object" || entry === null) continue;
    const s = (entry as { step?: unknown }).step;
    if (s === undefined || compareStepText(String(s), stepText) !== 0) continue;
    for (const [k, v] of Object.entries(entry)) if (typeof v === "number" && k !== "step") out[k] = v;
  }
  return Object.keys(out).length ? out : undefined;
}
