import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createScorer, type Scorer } from "../scorer.js";
import { BodyClock, bufferBudget } from "./body.js";
import { errorBody } from "./errors.js";
import { createHandler } from "./handler.js";
import { type RewardServerLimits, type RewardServerLimitsInput, resolveServerOptions } from "./options.js";
import { ScoringPool } from "./pool.js";
import type { RouteLimits } from "./routes.js";
import { versionsOf } from "./version.js";
import { clientErrorAnswer, logOnClose, send } from "./wire.js";

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

/** Listens on `port`/`host`; resolves with the bound address. */
function listenOn(
  server: Server,
  port: number,
  host: string,
): Promise<{ host: string; port: number; url: string }> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      const a = server.address() as AddressInfo;
      const h = a.family === "IPv6" ? `[${a.address}]` : a.address;
      resolve({ host: a.address, port: a.port, url: `http://${h}:${a.port}` });
    });
  });
}

function isScorer(v: unknown): v is Scorer {
  return typeof v === "object" && v !== null && typeof (v as Scorer).score === "function" && "spec" in v;
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
  let pool: ScoringPool | undefined;
  const { handle, meta } = createHandler({
    options,
    scorer,
    routeLimits,
    versions,
    clock,
    budget: bufferBudget(options.maxBufferedBytes),
    pool: () => pool,
  });

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
        return await listenOn(server, options.port, options.host);
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
