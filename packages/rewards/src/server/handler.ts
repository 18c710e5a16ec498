// The request handler of the reward server: GET routes, admission (method, content type, concurrency),
// body reading and scoring, inline or on the worker pool.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Scorer } from "../scorer.js";
import { type BodyClock, type bufferBudget, readBody } from "./body.js";
import { errorBody, HttpError, statusOf } from "./errors.js";
import type { RewardServerLimits } from "./options.js";
import type { ScoringPool } from "./pool.js";
import {
  type RouteLimits,
  type RouteOutcome,
  runRoute,
  SCORING_ROUTES,
  type ScoringRoute,
} from "./routes.js";
import type { versionsOf } from "./version.js";
import { drain, send } from "./wire.js";

/** What the handler needs from the server. */
export interface HandlerContext {
  options: RewardServerLimits;
  scorer: Scorer;
  routeLimits: RouteLimits;
  versions: ReturnType<typeof versionsOf>;
  clock: BodyClock;
  budget: ReturnType<typeof bufferBudget>;
  /** The worker pool once `listen()` started it. */
  pool: () => ScoringPool | undefined;
}

function isJson(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const type = contentType.split(";", 1)[0]!.trim().toLowerCase();
  return type === "application/json" || (type.startsWith("application/") && type.endsWith("+json"));
}

/**
 * The server's request handler, and what each response's log line reports beyond the status (samples
 * scored, error code).
 */
export function createHandler(ctx: HandlerContext): {
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  meta: WeakMap<ServerResponse, { samples?: number; code?: string }>;
} {
  const { options, scorer, routeLimits, versions, clock, budget } = ctx;
  let active = 0;
  // Scoring requests answered on this thread and on the pool (`/healthz`: is the pool in use?).
  const scored = { inline: 0, workers: 0 };
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

  const score = (route: ScoringRoute, body: Buffer): Promise<RouteOutcome> | RouteOutcome => {
    const pool = ctx.pool();
    if (pool && body.length >= options.inlineBelowBytes) {
      scored.workers++;
      return pool.run(route, body);
    }
    scored.inline++;
    return runRoute(scorer, route, body, routeLimits);
  };

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
            workers: ctx.pool()?.workers ?? 0,
            active,
            queued: ctx.pool()?.queued ?? 0,
            scored,
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

  return { handle, meta };
}
