import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { RewardsError } from "./errors.js";
import { createScorer, type ScoreResult, type Scorer } from "./scorer.js";

/** Options of {@link createRewardServer}. */
export interface RewardServerOptions {
  /** A scorer, or a spec (text/object) to compile. */
  spec: Scorer | string | object;
  /** Interface to bind (default `127.0.0.1`, loopback only). */
  host?: string;
  /** Port (default 8000; 0 = any free port). */
  port?: number;
  /** Largest accepted request body (default 32 MiB) → 413 beyond. */
  maxBodyBytes?: number;
  /** Requests handled at once; more get 503 with `Retry-After` (default 16). */
  maxConcurrency?: number;
  /** Time to receive a request body (default 30 s) → 408. */
  requestTimeoutMs?: number;
  /** Default group size for `/score` (`/get_reward` and `/reward` never compute group statistics). */
  groupSize?: number;
}

/** A running (or ready to run) reward server. */
export interface RewardServer {
  readonly server: Server;
  readonly scorer: Scorer;
  /** Starts listening; resolves with the bound address. */
  listen(): Promise<{ host: string; port: number; url: string }>;
  /** Stops accepting connections and closes idle ones. */
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function isScorer(v: unknown): v is Scorer {
  return typeof v === "object" && v !== null && typeof (v as Scorer).score === "function" && "spec" in v;
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

function readBody(req: IncomingMessage, limit: number, timeoutMs: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"] ?? "0");
    if (declared > limit) {
      reject(new HttpError(413, "BODY_TOO_LARGE", `request body of ${declared} bytes exceeds ${limit}`));
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const timer = setTimeout(() => {
      reject(new HttpError(408, "REQUEST_TIMEOUT", `request body not received within ${timeoutMs} ms`));
      req.destroy();
    }, timeoutMs);
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        clearTimeout(timer);
        reject(new HttpError(413, "BODY_TOO_LARGE", `request body exceeds ${limit} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")));
      } catch (cause) {
        reject(new HttpError(400, "BAD_JSON", `request body is not valid JSON: ${(cause as Error).message}`));
      }
    });
    req.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

function stringArray(
  body: Record<string, unknown>,
  key: string,
  required: boolean,
  length?: number,
): string[] | undefined {
  const v = body[key];
  if (v === undefined && !required) return undefined;
  if (!Array.isArray(v) || !v.every((x) => typeof x === "string"))
    throw new HttpError(400, "BAD_REQUEST", `\`${key}\` must be an array of strings`);
  if (length !== undefined && v.length !== length)
    throw new HttpError(400, "BAD_REQUEST", `\`${key}\` has ${v.length} items but \`query\` has ${length}`);
  return v as string[];
}

/** Maps an OpenRLHF `/get_reward` request to samples: `completion` = `query` minus its `prompts` prefix. */
export function openRlhfSamples(body: unknown): Record<string, unknown>[] {
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw new HttpError(400, "BAD_REQUEST", "expected a JSON object {query, prompts, labels}");
  const b = body as Record<string, unknown>;
  const query = stringArray(b, "query", true)!;
  const prompts = stringArray(b, "prompts", false, query.length);
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

function statusOf(error: unknown): { status: number; code: string; message: string } {
  if (error instanceof HttpError) return { status: error.status, code: error.code, message: error.message };
  if (RewardsError.isInstance(error)) {
    const status =
      error.code === "REWARD_TIMEOUT"
        ? 504
        : error.code === "REWARD_FAILED"
          ? 422
          : error.code === "INPUT_TOO_LARGE"
            ? 413
            : 400;
    return { status, code: error.code, message: error.message };
  }
  return { status: 500, code: "INTERNAL", message: (error as Error)?.message ?? String(error) };
}

/**
 * An HTTP reward server (node:http): `POST /get_reward` (OpenRLHF's exact shape), `POST /score`
 * (native, with breakdown and group statistics), `POST /reward` (slime per-sample shape
 * `{prompt, response, label}` → number), `GET /healthz`, `GET /spec`. Errors are HTTP errors with
 * `{error: {code, message}}`, never a fake 0. Binds to 127.0.0.1 by default.
 */
export function createRewardServer(options: RewardServerOptions): RewardServer {
  const scorer = isScorer(options.spec) ? options.spec : createScorer(options.spec);
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? 8000;
  const maxBody = options.maxBodyBytes ?? 32 * 1024 * 1024;
  const maxConcurrency = options.maxConcurrency ?? 16;
  const timeoutMs = options.requestTimeoutMs ?? 30_000;
  const groupOpts = options.groupSize !== undefined ? { groupSize: options.groupSize } : {};
  let active = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = (req.url ?? "/").split("?")[0];
    if (req.method === "GET" && url === "/healthz")
      return send(res, 200, { ok: true, spec: scorer.spec.name, version: scorer.spec.version, active });
    if (req.method === "GET" && url === "/spec") return send(res, 200, scorer.spec);
    const routes = ["/get_reward", "/score", "/reward"];
    if (!routes.includes(url!))
      return send(res, 404, { error: { code: "NOT_FOUND", message: `no route ${url}` } });
    if (req.method !== "POST")
      return send(
        res,
        405,
        { error: { code: "METHOD_NOT_ALLOWED", message: `${url} needs POST` } },
        { allow: "POST" },
      );
    if (active >= maxConcurrency) {
      req.resume();
      return send(
        res,
        503,
        { error: { code: "OVERLOADED", message: `more than ${maxConcurrency} requests in flight` } },
        { "retry-after": "1" },
      );
    }
    active++;
    try {
      const body = await readBody(req, maxBody, timeoutMs);
      // OpenRLHF computes advantages itself (and posts one sample per request): no group statistics.
      if (url === "/get_reward")
        return send(res, 200, openRlhfResponse(scorer.score(openRlhfSamples(body), { groups: false })));
      if (url === "/reward") {
        const b = body as Record<string, unknown>;
        if (typeof b !== "object" || b === null || typeof b.response !== "string")
          throw new HttpError(400, "BAD_REQUEST", "expected {prompt?, response, label?}");
        const r = scorer.score(
          [
            {
              prompt: b.prompt,
              completion: b.response,
              answer: b.label,
              ...(typeof b.metadata === "object" && b.metadata ? (b.metadata as object) : {}),
            },
          ],
          { groups: false },
        );
        return send(res, 200, r.samples[0]!.reward);
      }
      const samples = Array.isArray(body) ? body : (body as { samples?: unknown })?.samples;
      if (!Array.isArray(samples))
        throw new HttpError(400, "BAD_REQUEST", "expected {samples: [...]} or an array of samples");
      const gs = (body as { groupSize?: unknown })?.groupSize;
      return send(res, 200, scorer.score(samples, typeof gs === "number" ? { groupSize: gs } : groupOpts));
    } catch (error) {
      const { status, code, message } = statusOf(error);
      if (!res.headersSent) send(res, status, { error: { code, message } });
    } finally {
      active--;
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error) => {
      if (!res.headersSent) send(res, 500, { error: { code: "INTERNAL", message: String(error) } });
    });
  });
  server.requestTimeout = timeoutMs;
  server.headersTimeout = Math.min(timeoutMs, 60_000);
  server.keepAliveTimeout = 5_000;

  return {
    server,
    scorer,
    listen: () =>
      new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
          server.off("error", reject);
          const a = server.address() as AddressInfo;
          const h = a.family === "IPv6" ? `[${a.address}]` : a.address;
          resolve({ host: a.address, port: a.port, url: `http://${h}:${a.port}` });
        });
      }),
    close: () =>
      new Promise((resolve, reject) => {
        server.close((e) => (e ? reject(e) : resolve()));
        server.closeIdleConnections();
      }),
  };
}
