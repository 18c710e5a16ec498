import * as z from "zod";
import { completionText } from "../harmony-adapter.js";
import { pyLen } from "../py.js";
import type { Sample } from "../sample.js";
import { type KindContext, SampleInputError } from "./types.js";

/** Length unit of a length-shaping reward. */
export const lengthUnitSchema = z.enum(["tokens", "chars"]);

/** Where a length-aware reward reads correctness from. */
export const correctnessSchema = z.union([
  z.strictObject({
    /** Id of an earlier reward whose value decides correctness. */
    reward: z.string().min(1),
    /** `value >= threshold` is correct (default 0.5; works for 0/1 and ±1 rewards). */
    threshold: z.number().default(0.5),
  }),
  z.strictObject({
    /** Name of a boolean sample field (e.g. `correct`). */
    field: z.string().min(1),
  }),
]);
/** Parsed correctness source. */
export type Correctness = z.infer<typeof correctnessSchema>;

/** Text of a completion: `completion`, or `completionIds` decoded with the harmony tokenizer. */
export function textOf(sample: Sample): string {
  if (typeof sample.completion === "string") return sample.completion;
  if (sample.completionIds) return completionText(sample.completionIds);
  throw new SampleInputError("MISSING_COMPLETION", "sample has neither `completion` nor `completionIds`");
}

/** Length of a completion in tokens (`completionIds.length`) or characters (Python code points). */
export function lengthOf(sample: Sample, unit: "tokens" | "chars"): number {
  if (unit === "tokens") {
    if (sample.completionIds) return sample.completionIds.length;
    throw new SampleInputError(
      "MISSING_COMPLETION_IDS",
      'unit "tokens" needs `completionIds` (or `completion_ids`); use unit "chars" for text',
    );
  }
  return pyLen(textOf(sample));
}

/** Correctness of sample `i`: `true`/`false`, or `null` when the source is not applicable. */
export function correctnessOf(
  source: Correctness,
  sample: Sample,
  i: number,
  ctx: KindContext,
): boolean | null {
  if ("reward" in source) {
    const values = ctx.values.get(source.reward);
    if (!values)
      throw new SampleInputError("MISSING_REWARD", `correctness reward "${source.reward}" was not computed`);
    const v = values[i];
    return v === null || v === undefined || Number.isNaN(v) ? null : v >= source.threshold;
  }
  const v = sample[source.field];
  if (v === undefined || v === null) return null;
  if (typeof v !== "boolean")
    throw new SampleInputError("BAD_FIELD", `field "${source.field}" must be a boolean, got ${typeof v}`);
  return v;
}

/** Ids referenced by a correctness source. */
export function correctnessRefs(source: Correctness | undefined): string[] {
  return source && "reward" in source ? [source.reward] : [];
}
