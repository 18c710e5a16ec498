/**
 * What `rlops ckpt diff A B` reports (the `--json` shape, one zod schema) and the pure comparison of
 * two gathered checkpoints: files, metrics, config keys and metadata.
 */
import * as z from "zod";

/** One file of a checkpoint: size (null when unknown) and sha256 (from the manifest, or read for small files). */
const diffFileSchema = z.object({
  path: z.string(),
  size: z.number().nullable(),
  sha256: z.string().nullable(),
});
/** See {@link diffFileSchema}. */
export type DiffFile = z.infer<typeof diffFileSchema>;

/** One side (A or B) of a diff: what the checkpoint is. */
const diffSideSchema = z.object({
  name: z.string(),
  location: z.string(),
  root: z.string(),
  layout: z.string(),
  step: z.number().nullable(),
  stepText: z.string().nullable(),
  epoch: z.number().nullable(),
  role: z.string(),
  best: z.boolean(),
  complete: z.boolean(),
  resumable: z.boolean(),
  inference: z.boolean(),
  bytes: z.number().nullable(),
  /** Error problem codes (empty when complete). */
  problems: z.array(z.string()),
  /** True when the checkpoint folder holds an `rlops-manifest.json` (sha256 of every file). */
  manifest: z.boolean(),
});
/** See {@link diffSideSchema}. */
type DiffSide = z.infer<typeof diffSideSchema>;

const changedFileSchema = z.object({
  path: z.string(),
  a: diffFileSchema,
  b: diffFileSchema,
  /** What showed the change: a different sha256 (both in a manifest) or a different size. */
  by: z.enum(["sha256", "size"]),
});

/** How two values of one key compare (metrics: numbers; metadata: text). */
const metricRowSchema = z.object({
  key: z.string(),
  a: z.number().nullable(),
  b: z.number().nullable(),
  /** `b - a` when both are numbers. */
  delta: z.number().nullable(),
});
/** One metric side by side. */
export type MetricRow = z.infer<typeof metricRowSchema>;

const keyValueSchema = z.object({ key: z.string(), value: z.unknown() });

/** Key differences of one JSON config file present in A, B or both. */
const configDiffSchema = z.object({
  file: z.string(),
  inA: z.boolean(),
  inB: z.boolean(),
  added: z.array(keyValueSchema),
  removed: z.array(keyValueSchema),
  changed: z.array(z.object({ key: z.string(), a: z.unknown(), b: z.unknown() })),
  /** Keys with equal values. */
  same: z.number().int().nonnegative(),
});
/** See {@link configDiffSchema}. */
export type ConfigDiff = z.infer<typeof configDiffSchema>;

/** The `rlops ckpt diff --json` output. */
export const ckptDiffSchema = z.object({
  a: diffSideSchema,
  b: diffSideSchema,
  /** `b.step - a.step` when both steps are known. */
  stepDelta: z.number().nullable(),
  /** `b.bytes - a.bytes` when both sizes are known. */
  bytesDelta: z.number().nullable(),
  files: z.object({
    /** False for remote checkpoints (Tinker): their files are not listed. */
    listed: z.boolean(),
    /** `sha256` when every file of both sides has a hash (manifests, or all files small), else `size` (and sha256 where known). */
    compared: z.enum(["sha256", "size"]),
    added: z.array(diffFileSchema),
    removed: z.array(diffFileSchema),
    changed: z.array(changedFileSchema),
    same: z.number().int().nonnegative(),
  }),
  /** Where each side's metrics come from (e.g. `trainer_state.json log_history at the step`). */
  metricSources: z.object({ a: z.string().nullable(), b: z.string().nullable() }),
  metrics: z.array(metricRowSchema),
  configs: z.array(configDiffSchema),
  /** Other facts that differ or matter side by side (Tinker URIs, Lightning version, …). */
  metadata: z.array(z.object({ key: z.string(), a: z.string().nullable(), b: z.string().nullable() })),
});
/** See {@link ckptDiffSchema}. */
export type CkptDiff = z.infer<typeof ckptDiffSchema>;

/** Everything gathered about one checkpoint before comparing. */
export interface GatheredSide {
  side: DiffSide;
  /** Files with sizes, or `null` when they cannot be listed (remote). */
  files: DiffFile[] | null;
  metrics: Record<string, number>;
  metricSource: string | null;
  /** Parsed JSON config files by name (`config.json`, `adapter_config.json`, …). */
  configs: Record<string, unknown>;
  metadata: Record<string, string>;
}

function filesDiff(a: DiffFile[] | null, b: DiffFile[] | null): CkptDiff["files"] {
  const hashed = a !== null && b !== null && [...a, ...b].every((f) => f.sha256 !== null);
  const out: CkptDiff["files"] = {
    listed: a !== null && b !== null,
    compared: hashed ? "sha256" : "size",
    added: [],
    removed: [],
    changed: [],
    same: 0,
  };
  if (a === null || b === null) return out;
  const inA = new Map(a.map((f) => [f.path, f]));
  for (const fb of b) {
    const fa = inA.get(fb.path);
    inA.delete(fb.path);
    if (!fa) out.added.push(fb);
    else if (fa.sha256 && fb.sha256 && fa.sha256 !== fb.sha256)
      out.changed.push({ path: fb.path, a: fa, b: fb, by: "sha256" });
    else if (fa.size !== fb.size) out.changed.push({ path: fb.path, a: fa, b: fb, by: "size" });
    else out.same++;
  }
  out.removed = [...inA.values()];
  return out;
}

function metricRows(a: Record<string, number>, b: Record<string, number>): MetricRow[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys.map((key) => {
    const va = a[key] ?? null;
    const vb = b[key] ?? null;
    return { key, a: va, b: vb, delta: va !== null && vb !== null ? vb - va : null };
  });
}

const MAX_DEPTH = 6;

/** Flattens a JSON value to dotted keys (arrays and scalars are leaves), at most 6 levels deep. */
export function flattenJson(value: unknown, prefix = "", depth = 0, out = new Map<string, unknown>()) {
  const isObject = typeof value === "object" && value !== null && !Array.isArray(value);
  if (!isObject || depth >= MAX_DEPTH) {
    out.set(prefix || "(root)", value);
    return out;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (!entries.length && prefix) out.set(prefix, value);
  for (const [k, v] of entries) flattenJson(v, prefix ? `${prefix}.${k}` : k, depth + 1, out);
  return out;
}

/** Key differences of one config file between A and B. */
export function configDiff(file: string, a: unknown, b: unknown): ConfigDiff {
  const fa = a === undefined ? new Map<string, unknown>() : flattenJson(a);
  const fb = b === undefined ? new Map<string, unknown>() : flattenJson(b);
  const out: ConfigDiff = {
    file,
    inA: a !== undefined,
    inB: b !== undefined,
    added: [],
    removed: [],
    changed: [],
    same: 0,
  };
  for (const [key, vb] of fb) {
    if (!fa.has(key)) out.added.push({ key, value: vb });
    else if (JSON.stringify(fa.get(key)) !== JSON.stringify(vb))
      out.changed.push({ key, a: fa.get(key), b: vb });
    else out.same++;
  }
  for (const [key, va] of fa) if (!fb.has(key)) out.removed.push({ key, value: va });
  return out;
}

/** Compares two gathered checkpoints (pure). */
export function diffGathered(a: GatheredSide, b: GatheredSide): CkptDiff {
  const configNames = [...new Set([...Object.keys(a.configs), ...Object.keys(b.configs)])].sort();
  const metaKeys = [...new Set([...Object.keys(a.metadata), ...Object.keys(b.metadata)])].sort();
  return {
    a: a.side,
    b: b.side,
    stepDelta: a.side.step !== null && b.side.step !== null ? b.side.step - a.side.step : null,
    bytesDelta: a.side.bytes !== null && b.side.bytes !== null ? b.side.bytes - a.side.bytes : null,
    files: filesDiff(a.files, b.files),
    metricSources: { a: a.metricSource, b: b.metricSource },
    metrics: metricRows(a.metrics, b.metrics),
    configs: configNames.map((f) => configDiff(f, a.configs[f], b.configs[f])),
    metadata: metaKeys.map((key) => ({ key, a: a.metadata[key] ?? null, b: b.metadata[key] ?? null })),
  };
}
