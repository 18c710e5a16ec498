import type { z } from "zod";
import type { Diagnostic, Sample } from "../sample.js";

/** The result of one reward on one sample. `value: null` = not applicable (TRL's `None`). */
export interface KindResult {
  value: number | null;
  /** Named sub-scores (e.g. harmony components), reported as `<rewardId>.<name>`. */
  breakdown?: Record<string, number>;
  diagnostics?: Diagnostic[];
  /** Set when evaluation of this sample failed; the scorer applies the reward's `onError`. */
  error?: unknown;
}

/** Context handed to a kind: values of the rewards evaluated before it (spec order). */
export interface KindContext {
  /** `values.get(id)[i]` = value of earlier reward `id` on sample `i`. */
  values: ReadonlyMap<string, readonly (number | null)[]>;
  /** Id of the reward being evaluated. */
  rewardId: string;
}

/** A built-in reward kind: its params schema and a factory of batch evaluators. */
export interface KindDefinition<P = unknown> {
  name: string;
  summary: string;
  params: z.ZodType<P>;
  /** Ids of earlier rewards this reward reads (for validation of ordering). */
  references?: (params: P) => string[];
  create(params: P): (samples: readonly Sample[], ctx: KindContext) => KindResult[];
}

/** Error thrown inside a kind for a sample it cannot score (missing field, bad answer). */
export class SampleInputError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "SampleInputError";
  }
}

/** Wraps a per-sample function into a batch evaluator that isolates per-sample failures. */
export function perSample<P>(
  fn: (sample: Sample, params: P, index: number, ctx: KindContext) => KindResult | number | null,
): (params: P) => (samples: readonly Sample[], ctx: KindContext) => KindResult[] {
  return (params) => (samples, ctx) => {
    const out: KindResult[] = new Array(samples.length);
    for (let i = 0; i < samples.length; i++) {
      try {
        const r = fn(samples[i]!, params, i, ctx);
        out[i] = typeof r === "number" || r === null ? { value: r } : r;
      } catch (error) {
        out[i] = { value: null, error };
      }
    }
    return out;
  };
}
