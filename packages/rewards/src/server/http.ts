import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createScorer, type Scorer } from "../scorer.js";
import { BodyClock, bufferBudget, readBody } from "./body.js";
import { errorBody, HttpError, statusOf } from "./errors.js";
import { type RewardServerLimits, type RewardServerLimitsInput, resolveServerOptions } from "./options.js";
import { ScoringPool } from "./pool.js";
import {
  type RouteLimits,
  type RouteOutcome,
  runRoute,
  SCORING_ROUTES,
  type ScoringRoute,
} from "./routes.js";
import { versionsOf } from "./version.js";
import { clientErrorAnswer, drain, logOnClose, send } from "./wire.js";

export { formatLogLine } from "./wire.js";

/** Options of {@link createRewardServer}. */
export interface RewardServerOptions extends RewardServerLimitsInput {
  /** A scorer, or a spec (text/object) to compile. */
  spec: Scorer | string | object;
}

/** A running (or ready to run) reward server. */
export interface RewardServer {
  readonly server: Server;
  readonly scorer: Scorer;
  /** The options in force (defaults applied). */
  readonly options: RewardServerLimits;
  /** Starts the scoring workers and listens; resolves with the bound address. */
  listen(): Promise<{ host: string; port: number; url: string }>;
  /** Stops accepting connections, closes idle ones and stops the workers. */
  close(): Promise<void>;
}

function isScorer(v: unknown): v is Scorer {
  return typeof v === "object" && v !== null && typeof (v as Scorer).score === "function" && "spec" in v;
}

function isJson(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const type = contentType.split(";", 1)[0]!.trim().toLowerCase();
  return type === "application/json" || (type.startsWith("application/") && type.endsWith("+json"));
}

/**
 * An HTTP reward server (node:http): `POST /get_reward` (OpenRLHF's exact shape), `POST /score`
 * (native, with breakdown and group statistics), `POST /reward` (slime per-sample shape
 * `{prompt, response, label}` → number), `GET /healthz`, `GET /version`, `GET /spec`. Errors are HTTP
 * errors with `{error: {code, message}}`, never a fake 0. Binds to 127.0.0.1 by default; large batches
 * are scored on worker threads.
 */
export function createRewardServer(input: RewardServerOptions): RewardServer {
  const { spec: specInput, ...rest } = input;
  const options = resolveServerOptions(rest);
  const scorer = isScorer(specInput) ? specInput : createScorer(specInput);
  const routeLimits: RouteLimits = {
    maxSamples: options.maxSamples,
    ...(options.groupSize !== undefined ? { groupSize: options.groupSize } : {}),
  };
  const versions = versionsOf(scorer);
  const log =
    options.log === false
      ? undefined
      : options.log === true
        ? (line: string) => process.stderr.write(`${line}\n`)
        : options.log;
  const clock = new BodyClock(options);
  const budget = bufferBudget(options.maxBufferedBytes);
  let pool: ScoringPool | undefined;
  let active = 0;
  // What the log line reports beyond the status: samples scored and the error code.
  const meta = new WeakMap<ServerResponse, { samples?: number; code?: string }>();

  /** Answers an error and, when the request body is not consumed, drains it (bounded) and closes. */
  const refuse = (
    req: IncomingMessage,
    res: ServerResponse,
    error: unknown,
    headers: Record<string, string> = {},
  ) => {
    const { status, code, message } = statusOf(error);
    meta.set(res, { ...meta.get(res), code });
    const unread = !req.complete;
    send(res, status, errorBody(code, message), unread ? { connection: "close", ...headers } : headers);
    if (unread) drain(req);
  };

  const score = (route: ScoringRoute, body: Buffer): Promise<RouteOutcome> | RouteOutcome =>
    pool && body.length >= options.inlineBelowBytes
      ? pool.run(route, body)
      : runRoute(scorer, route, body, routeLimits);

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = (req.url ?? "/").split("?")[0]!;
    if (req.method === "GET" || req.method === "HEAD") {
      if (url === "/healthz")
        return send(
          res,
          200,
          JSON.stringify({
            ok: true,
            ...versions,
            workers: pool?.workers ?? 0,
            active,
            queued: pool?.queued ?? 0,
          }),
        );
      if (url === "/version") return send(res, 200, JSON.stringify(versions));
      if (url === "/spec") return send(res, 200, JSON.stringify(scorer.spec));
    }
    if (!(SCORING_ROUTES as readonly string[]).includes(url))
      return refuse(req, res, new HttpError(404, "NOT_FOUND", `no route ${req.method} ${url}`));
    if (req.method !== "POST")
      return refuse(req, res, new HttpError(405, "METHOD_NOT_ALLOWED", `${url} needs POST`), {
        allow: "POST",
      });
    if (!isJson(req.headers["content-type"]))
      return refuse(
        req,
        res,
        new HttpError(
          415,
          "UNSUPPORTED_MEDIA_TYPE",
          `${url} needs content-type: application/json (got ${JSON.stringify(req.headers["content-type"] ?? "")})`,
        ),
      );
    if (active >= options.maxConcurrency)
      return refuse(
        req,
        res,
        new HttpError(503, "OVERLOADED", `more than ${options.maxConcurrency} requests in flight`),
        { "retry-after": "1" },
      );
    active++;
    let held = 0;
    try {
      const body = await readBody(req, options, clock, budget);
      held = body.length; // the bytes may move to a worker (the buffer is detached then)
      const outcome = await score(url as ScoringRoute, body);
      meta.set(res, { samples: outcome.samples, ...(outcome.code ? { code: outcome.code } : {}) });
      send(res, outcome.status, outcome.body);
    } catch (error) {
      if (!res.headersSent)
        refuse(req, res, error, statusOf(error).status === 503 ? { "retry-after": "1" } : {});
    } finally {
      active--;
      budget.give(held);
    }
  };

  const server = createServer(
    {
      headersTimeout: options.headersTimeoutMs,
      // Backstop only: the body deadline above answers 408 with the documented body first.
      requestTimeout: options.headersTimeoutMs + options.bodyTimeoutMs + 10_000,
      keepAliveTimeout: options.keepAliveTimeoutMs,
      // Node checks the two timeouts on this interval: keep it small so they fire when documented.
      connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(options.headersTimeoutMs / 10))),
    },
    (req, res) => {
      if (log) logOnClose(req, res, log, () => meta.get(res));
      handle(req, res).catch((error) => {
        if (!res.headersSent) send(res, 500, errorBody("INTERNAL", String(error)));
      });
    },
  );

  // Malformed requests and the headers timeout: the documented JSON body, then close.
  server.on("clientError", clientErrorAnswer(options.headersTimeoutMs, log));

  return {
    server,
    scorer,
    options,
    listen: async () => {
      if (options.workers > 0 && !pool)
        pool = await ScoringPool.start({ spec: scorer.spec, limits: routeLimits }, options.workers);
      try {
        return await new Promise((resolve, reject) => {
          server.once("error", reject);
          server.listen(options.port, options.host, () => {
            server.off("error", reject);
            const a = server.address() as AddressInfo;
            const h = a.family === "IPv6" ? `[${a.address}]` : a.address;
            resolve({ host: a.address, port: a.port, url: `http://${h}:${a.port}` });
          });
        });
      } catch (error) {
        await pool?.close();
        pool = undefined;
        throw error;
      }
    },
    close: async () => {
      await new Promise<void>((resolve, reject) => {
        server.close((e) =>
          e && (e as { code?: string }).code !== "ERR_SERVER_NOT_RUNNING" ? reject(e) : resolve(),
        );
        server.closeIdleConnections();
        // Connections still sending get a short grace, then are closed.
        setTimeout(() => server.closeAllConnections(), 1_000).unref();
      });
      clock.close();
      await pool?.close();
      pool = undefined;
    },
  };
}
