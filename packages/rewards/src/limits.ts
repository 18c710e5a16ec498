import { formatIssuePath } from "@rlops/errors";
// Numeric inputs of every path (library, JSONL bridge, HTTP server, CLI flags): one schema each, one
// parser that turns a violation into a typed `INVALID_OPTIONS` error. Browser-safe (no node: imports).
import * as z from "zod";
import { RewardsError } from "./errors.js";

/** Largest group size accepted anywhere (spec `group.size`, `groupSize` options, `--group-size`). */
export const MAX_GROUP_SIZE = 65_536;
/** Largest `batchSize` of the JSONL bridge (records per optimizer batch). */
export const MAX_BATCH_SIZE = 1_048_576;
/** Largest `maxLineBytes` of the JSONL bridge (1 GiB). */
export const MAX_LINE_BYTES = 1024 * 1024 * 1024;

/** A positive integer ≤ `max`, with the messages every path shows. */
export function boundedCount(max: number) {
  return z
    .number({ error: "expected a number" })
    .int("expected a positive integer")
    .positive("expected a positive integer")
    .max(max, `expected at most ${max}`);
}

/** A group size: a positive integer ≤ {@link MAX_GROUP_SIZE}; it must also divide the batch. */
export const groupSizeSchema = boundedCount(MAX_GROUP_SIZE);

/** Options of `Scorer.score` (and of the HTTP `/score` body). */
export const scoreOptionsSchema = z.looseObject({
  groupSize: groupSizeSchema.optional(),
  groups: z.boolean({ error: "expected true or false" }).optional(),
});

/**
 * Validates `value` with `schema`; a violation throws `INVALID_OPTIONS` naming the field
 * (`score options.groupSize: expected a positive integer (got -1)`). The one entry every path uses.
 */
export function parseOptions<S extends z.ZodType>(schema: S, value: unknown, where: string): z.infer<S> {
  const parsed = schema.safeParse(value ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const path = issue.path.map(String);
  let got: unknown = value;
  for (const key of path) got = (got as Record<string, unknown> | undefined)?.[key];
  const shown = typeof got === "string" ? JSON.stringify(got.slice(0, 40)) : String(got);
  throw new RewardsError({
    code: "INVALID_OPTIONS",
    message: `${where}${path.length ? `.${formatIssuePath(issue.path)}` : ""}: ${issue.message}${path.length ? ` (got ${shown})` : ""}`,
    details: { field: formatIssuePath(issue.path), where },
    cause: parsed.error,
  });
}
