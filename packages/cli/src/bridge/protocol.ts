import * as z from "zod";

/**
 * The `rlops bridge` protocol: JSON lines over stdio between one long-lived `rlops bridge` child and a
 * client (the Python package `rlops`). Each request is one line `{id, method, params}`; each answer one
 * line `{id, ok: true, result}` or `{id, ok: false, error: {code, message, hint?, details?}}`. The first
 * request must be `hello` (versions). The bridge exits 0 when its stdin closes.
 *
 * Protocol 2 (a superset of 1; the bridge serves both, `hello` answers the client's version): a sample
 * of `rewards.score` may carry its token ids packed, `completion_ids_b64` = base64 of little-endian
 * uint32 (a fifth of the JSON of a list of ids to encode, and one string to parse).
 *
 * These schemas are the one definition of the protocol; the Python client mirrors only the envelope.
 */
export const PROTOCOL = "rlops-bridge";
/** Newest protocol version: bumped on any change of a method or envelope. */
export const PROTOCOL_VERSION = 2;
/** Every protocol version this bridge serves (older clients keep working). */
export const PROTOCOL_VERSIONS: readonly number[] = [1, 2];
/** Protocol 2: a sample's token ids as base64 of little-endian uint32 (instead of `completion_ids`). */
export const PACKED_IDS_FIELD = "completion_ids_b64";
/** Largest request line (bytes); longer lines are answered with `REQUEST_TOO_LARGE`. */
export const MAX_LINE_BYTES = 64 * 1024 * 1024;

const id = z.union([z.number().int(), z.string().max(200)]);

/** One request line. */
export const requestSchema = z.object({
  id,
  method: z.string().min(1).max(100),
  params: z.record(z.string(), z.unknown()).optional(),
});

/** The error of a failed request: a stable code (the rlops package's code, or a bridge code). */
const bridgeErrorSchema = z.object({
  code: z.string(),
  message: z.string(),
  hint: z.string().optional(),
  /** The throwing package (`@rlops/rewards`, `@rlops/recovery`, …) or `bridge`. */
  package: z.string().optional(),
  details: z.record(z.string(), z.unknown()).optional(),
});
export type BridgeErrorInfo = z.infer<typeof bridgeErrorSchema>;

/** One answer line (every line `rlops bridge` writes has this shape). */
export const responseSchema = z.union([
  z.object({ id: id.nullable(), ok: z.literal(true), result: z.unknown() }),
  z.object({ id: id.nullable(), ok: z.literal(false), error: bridgeErrorSchema }),
]);
/** One answer line. */
export type BridgeResponse = z.infer<typeof responseSchema>;

/** `hello`: the client's protocol version (one of {@link PROTOCOL_VERSIONS}) and its own version (informational). */
export const helloParams = z.object({
  protocol: z.number().int(),
  client: z.string().max(100).optional(),
});

/** A spec or config: a file path, or the YAML/JSON text, or the parsed object. */
const sourceParams = z.union([
  z.object({ path: z.string().min(1) }),
  z.object({ text: z.string() }),
  z.object({ value: z.record(z.string(), z.unknown()) }),
]);
export type SourceParams = z.infer<typeof sourceParams>;

const handle = z.number().int().nonnegative();

/** `rewards.load`: compile a reward spec; answers `{handle, spec, components}`. */
export const rewardsLoadParams = z.object({ spec: sourceParams });
/** `rewards.score`: score samples per sample (never grouped); answers `{samples}`. */
export const rewardsScoreParams = z.object({ handle, samples: z.array(z.unknown()) });

/** `breaker.create`: a monitor from a breaker config, optionally restored from a saved state. */
export const breakerCreateParams = z.object({ config: sourceParams, state: z.unknown().optional() });
/** `breaker.observe`: metric objects (a step field plus metrics, as in metrics.jsonl lines). */
export const breakerObserveParams = z.object({ handle, records: z.array(z.unknown()) });
/** `breaker.snapshot` / `breaker.result` / `close`: a monitor handle. */
export const handleParams = z.object({ handle });
/** `breaker.restore`: replace the monitor state with a saved one. */
export const breakerRestoreParams = z.object({ handle, state: z.unknown() });

/** `checkpoints.select`: newest complete, resumable checkpoint (before `beforeStep` when given). */
export const checkpointsSelectParams = z.object({
  runDir: z.string().min(1),
  beforeStep: z.number().int().nonnegative().optional(),
  layout: z.string().optional(),
});

/** `recover.plan`: the plan `rlops recover plan --json` prints. */
export const recoverPlanParams = z.object({
  runDir: z.string().min(1),
  beforeStep: z.number().int().nonnegative().optional(),
  fromDecision: z.unknown().optional(),
  trainer: z.string().optional(),
  command: z.string().optional(),
  layout: z.string().optional(),
  maxSteps: z.number().int().nonnegative().optional(),
});
