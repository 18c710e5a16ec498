// The scoring routes as one pure function of (route, body bytes): the same code runs inline on the
// server's thread and inside the worker threads, so both paths answer alike.
import { RewardsError } from "../errors.js";
import { parseOptions, scoreOptionsSchema } from "../limits.js";
import type { ScoreOptions, ScoreResult, Scorer } from "../scorer.js";
import { type BatchSummary, summarizeBatch } from "../summary.js";
import { errorBody, HttpError, statusOf } from "./errors.js";
import { parseJsonBody } from "./json.js";

/** POST routes that score. */
export const SCORING_ROUTES = ["/get_reward", "/score", "/reward"] as const;
/** One of {@link SCORING_ROUTES}. */
export type ScoringRoute = (typeof SCORING_ROUTES)[number];

/** Limits a route enforces on a parsed body. */
export interface RouteLimits {
  /** Most samples in one request → 413 `INPUT_TOO_LARGE`. */
  maxSamples: number;
  /** Default `groupSize` of `/score` (validated by the caller). */
  groupSize?: number;
}

/** What a route answered: status, JSON text, samples scored, error code. */
export interface RouteOutcome {
  status: number;
  body: string;
  samples: number;
  code?: string;
}

function stringArray(body: Record<string, unknown>, key: string, required: boolean): string[] | undefined {
  const v = body[key];
  if (v === undefined && !required) return undefined;
  if (!Array.isArray(v) || !v.every((x) => typeof x === "string"))
    throw new HttpError(400, "BAD_REQUEST", `\`${key}\` must be an array of strings`);
  return v as string[];
}

function objectBody(body: unknown, shape: string): Record<string, unknown> {
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw new HttpError(400, "BAD_REQUEST", `expected a JSON object ${shape}`);
  return body as Record<string, unknown>;
}

function checkCount(n: number, limits: RouteLimits): void {
  if (n > limits.maxSamples)
    throw new RewardsError({
      code: "INPUT_TOO_LARGE",
      message: `request has ${n} samples; the limit is ${limits.maxSamples} (split the batch)`,
      details: { samples: n, limit: limits.maxSamples },
    });
}

/** Maps an OpenRLHF `/get_reward` request to samples: `completion` = `query` minus its `prompts` prefix. */
export function openRlhfSamples(body: unknown): Record<string, unknown>[] {
  const b = objectBody(body, "{query, prompts, labels}");
  const query = stringArray(b, "query", true)!;
  const prompts = stringArray(b, "prompts", false);
  if (prompts && prompts.length !== query.length)
    throw new HttpError(
      400,
      "BAD_REQUEST",
      `\`prompts\` has ${prompts.length} items but \`query\` has ${query.length}`,
    );
  const labels = b.labels;
  if (labels !== undefined && (!Array.isArray(labels) || labels.length !== query.length))
    throw new HttpError(400, "BAD_REQUEST", `\`labels\` must be an array of ${query.length} items`);
  return query.map((q, i) => {
    const p = prompts?.[i];
    const completion = p !== undefined && q.startsWith(p) ? q.slice(p.length) : q;
    const sample: Record<string, unknown> = { id: i, completion };
    if (p !== undefined) sample.prompt = p;
    if (labels !== undefined) sample.answer = (labels as unknown[])[i];
    return sample;
  });
}

/** OpenRLHF response: `{rewards, scores ∈ [0,1], extra_logs: {name: [...]}}`, arrays aligned with `query`. */
export function openRlhfResponse(result: ScoreResult): {
  rewards: (number | null)[];
  scores: (number | null)[];
  extra_logs: Record<string, (number | null)[]>;
} {
  const rewards = result.samples.map((s) => s.reward);
  const scores = rewards.map((r) => (r === null ? null : Math.min(1, Math.max(0, r))));
  const extra: Record<string, (number | null)[]> = {};
  const n = result.samples.length;
  result.samples.forEach((s, i) => {
    for (const [k, v] of [...Object.entries(s.components), ...Object.entries(s.breakdown)]) {
      if (!extra[k]) extra[k] = new Array(n).fill(null);
      extra[k]![i] = v;
    }
    if (s.advantage !== undefined) {
      if (!extra.advantage) extra.advantage = new Array(n).fill(null);
      extra.advantage[i] = s.advantage;
    }
  });
  return { rewards, scores, extra_logs: extra };
}

/**
 * Sample fields `/reward` builds from `prompt`, `response` and `label`: `metadata` may not carry them
 * (a `metadata.answer` used to replace the label, so a wrong answer scored as right).
 */
export const REWARD_SCORED_FIELDS = ["prompt", "completion", "completionIds", "completion_ids", "answer"];

/** slime's per-sample `{prompt?, response, label?, metadata?}` → one sample; metadata never overrides. */
function slimeSample(body: unknown): Record<string, unknown> {
  const b = objectBody(body, "{prompt?, response, label?, metadata?}");
  if (typeof b.response !== "string")
    throw new HttpError(
      400,
      "BAD_REQUEST",
      "`response` must be a string ({prompt?, response, label?, metadata?})",
    );
  if (b.prompt !== undefined && typeof b.prompt !== "string")
    throw new HttpError(400, "BAD_REQUEST", "`prompt` must be a string");
  const meta = b.metadata;
  if (meta !== undefined && meta !== null && (typeof meta !== "object" || Array.isArray(meta)))
    throw new HttpError(400, "BAD_REQUEST", "`metadata` must be an object");
  const sample: Record<string, unknown> = {};
  if (meta)
    for (const [k, v] of Object.entries(meta as Record<string, unknown>)) {
      if (REWARD_SCORED_FIELDS.includes(k))
        throw new HttpError(
          422,
          "METADATA_CONFLICT",
          `\`metadata.${k}\` would override a scored field; send it as \`prompt\`, \`response\` or \`label\``,
        );
      sample[k] = v;
    }
  if (b.prompt !== undefined) sample.prompt = b.prompt;
  sample.completion = b.response;
  if (b.label !== undefined) sample.answer = b.label;
  return sample;
}

function scoreSamples(body: unknown): unknown[] {
  const samples = Array.isArray(body) ? body : (body as { samples?: unknown } | null)?.samples;
  if (!Array.isArray(samples))
    throw new HttpError(
      400,
      "BAD_REQUEST",
      "expected {samples: [...], groupSize?, groups?} or an array of samples",
    );
  return samples;
}

function scoreOptions(body: unknown, limits: RouteLimits): ScoreOptions {
  const b = Array.isArray(body) ? {} : (body as Record<string, unknown>);
  const requested: Record<string, unknown> = {};
  if (b.groupSize !== undefined) requested.groupSize = b.groupSize;
  else if (limits.groupSize !== undefined) requested.groupSize = limits.groupSize;
  if (b.groups !== undefined) requested.groups = b.groups;
  // The one schema of every path; a bad number is a 422 before any scoring.
  return parseOptions(scoreOptionsSchema, requested, "/score body");
}

/**
 * The `/score` answer: the {@link ScoreResult} plus `summary`, the request as one optimizer batch in the
 * JSONL bridge's summary shape (TRL metric names, group and filtered-group counts).
 */
export function scoreAnswer(result: ScoreResult): ScoreResult & { summary: BatchSummary } {
  return { ...result, summary: summarizeBatch(result, 0, 0) };
}

/** Runs one scoring route on a raw JSON body; never throws. */
export function runRoute(
  scorer: Scorer,
  route: ScoringRoute,
  bytes: Uint8Array,
  limits: RouteLimits,
): RouteOutcome {
  let samples = 0;
  try {
    const body = parseJsonBody(bytes);
    if (route === "/get_reward") {
      const list = openRlhfSamples(body);
      samples = list.length;
      checkCount(samples, limits);
      // OpenRLHF computes advantages itself: no group statistics on this path.
      return {
        status: 200,
        samples,
        body: JSON.stringify(openRlhfResponse(scorer.score(list, { groups: false }))),
      };
    }
    if (route === "/reward") {
      const sample = slimeSample(body);
      samples = 1;
      return {
        status: 200,
        samples,
        body: JSON.stringify(scorer.score([sample], { groups: false }).samples[0]!.reward),
      };
    }
    const list = scoreSamples(body);
    samples = list.length;
    checkCount(samples, limits);
    const options = scoreOptions(body, limits);
    return { status: 200, samples, body: JSON.stringify(scoreAnswer(scorer.score(list, options))) };
  } catch (error) {
    const { status, code, message } = statusOf(error);
    return { status, code, samples, body: errorBody(code, message) };
  }
}
