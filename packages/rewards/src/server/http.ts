import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { createScorer, type Scorer } from "../scorer.js";
import { BodyClock, readBody } from "./body.js";
import { errorBody, HttpError, statusOf } from "./errors.js";
import {
  type RequestLogEntry,
  type RewardServerLimits,
  type RewardServerLimitsInput,
  resolveServerOptions,
} from "./options.js";
import { ScoringPool } from "./pool.js";
import {
  type RouteLimits,
  type RouteOutcome,
  runRoute,
  SCORING_ROUTES,
  type ScoringRoute,
} from "./routes.js";
import { SERVER_PROTOCOL, SERVER_VERSION } from "./version.js";

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

/** Bytes of a refused body read and thrown away (so the client sees the answer, not a reset). */
const DRAIN_BYTES = 64 * 1024 * 1024;
const DRAIN_MS = 2_000;

function isScorer(v: unknown): v is Scorer {
  return typeof v === "object" && v !== null && typeof (v as Scorer).score === "function" && "spec" in v;
}

/** The request log line: `<ISO time> <METHOD> <path> <status> samples=<n> ms=<t>[ code=<CODE>]`. */
export function formatLogLine(e: RequestLogEntry, at = new Date()): string {
  return `${at.toISOString()} ${e.method} ${e.path} ${e.status} samples=${e.samples} ms=${e.ms.toFixed(1)}${e.code ? ` code=${e.code}` : ""}`;
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
  const specSha256 = createHash("sha256").update(JSON.stringify(scorer.spec)).digest("hex");
  const versions = {
    server: { name: "@rlops/rewards", version: SERVER_VERSION, protocol: SERVER_PROTOCOL },
    spec: { name: scorer.spec.name, version: scorer.spec.version, sha256: specSha256 },
  };
  const log =
    options.log === false
      ? undefined
      : options.log === true
        ? (line: string) => process.stderr.write(`${line}\n`)
        : options.log;
  const clock = new BodyClock(options);
  let buffered = 0;
  const budget = {
    take: (n: number) => {
      if (buffered + n > options.maxBufferedBytes) return false;
      buffered += n;
      return true;
    },
    give: (n: number) => {
      buffered -= n;
    },
  };
  let pool: ScoringPool | undefined;
  let active = 0;
  // What the log line reports beyond the status: samples scored and the error code.
  const meta = new WeakMap<ServerResponse, { samples?: number; code?: string }>();

  const send = (res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}) => {
    res.writeHead(status, {
      "content-type": "application/json",
      "content-length": String(Buffer.byteLength(text)),
      ...headers,
    });
    res.end(text);
  };

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

  const drain = (req: IncomingMessage) => {
    let seen = 0;
    const socket = req.socket;
    const stop = () => socket.destroy();
    const timer = setTimeout(stop, DRAIN_MS);
    timer.unref();
    req.on("data", (c: Buffer) => {
      seen += c.length;
      if (seen > DRAIN_BYTES) stop();
    });
    req.on("end", () => clearTimeout(timer));
    socket.on("close", () => clearTimeout(timer));
    req.resume();
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
      const t0 = performance.now();
      if (log)
        res.on("close", () => {
          const locals = meta.get(res) ?? {};
          // a client that hung up before the answer was written
          const code = res.writableFinished ? locals.code : "CLIENT_CLOSED";
          const entry: RequestLogEntry = {
            method: req.method ?? "-",
            path: (req.url ?? "/").split("?")[0]!,
            status: res.statusCode,
            samples: locals.samples ?? 0,
            ms: performance.now() - t0,
            ...(code ? { code } : {}),
          };
          log(formatLogLine(entry), entry);
        });
      handle(req, res).catch((error) => {
        if (!res.headersSent) send(res, 500, errorBody("INTERNAL", String(error)));
      });
    },
  );

  // Malformed requests and the headers timeout: the documented JSON body, then close.
  server.on("clientError", (error: Error & { code?: string }, socket: Socket) => {
    if (error.code === "ECONNRESET" || error.code === "EPIPE") return void socket.destroy();
    const timeout = error.code === "ERR_HTTP_REQUEST_TIMEOUT";
    const [status, code, message] = timeout
      ? [408, "HEADERS_TIMEOUT", `request headers not received within ${options.headersTimeoutMs} ms`]
      : error.code === "HPE_HEADER_OVERFLOW"
        ? [431, "HEADERS_TOO_LARGE", "request headers are too large"]
        : [400, "BAD_REQUEST", `malformed HTTP request (${error.code ?? error.message})`];
    if (socket.writable && !(socket as Socket & { _httpMessage?: unknown })._httpMessage) {
      const text = errorBody(code, message);
      socket.end(
        `HTTP/1.1 ${status} ${status === 408 ? "Request Timeout" : status === 431 ? "Request Header Fields Too Large" : "Bad Request"}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`,
      );
    } else socket.destroy();
    log?.(formatLogLine({ method: "-", path: "-", status, samples: 0, ms: 0, code }), {
      method: "-",
      path: "-",
      status,
      samples: 0,
      ms: 0,
      code,
    });
  });

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
