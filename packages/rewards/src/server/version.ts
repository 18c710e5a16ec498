import { createHash } from "node:crypto";
import type { Scorer } from "../scorer.js";

declare const __RLOPS_VERSION__: string | undefined;

/** Version of `@rlops/rewards` (set at build time; `0.0.0-dev` when run from source). */
export const SERVER_VERSION: string = typeof __RLOPS_VERSION__ === "string" ? __RLOPS_VERSION__ : "0.0.0-dev";

/**
 * Version of the HTTP protocol (routes, request and response shapes, error codes). A client checks it at
 * handshake (`GET /healthz` or `GET /version`) and refuses a server whose major protocol it does not know.
 */
export const SERVER_PROTOCOL = 1;

/** Default port of `rlops rewards serve` (8000 is vLLM's default, often on the same machine). */
export const DEFAULT_PORT = 8377;

/** What `/healthz` and `/version` report: server name, version and protocol; spec name, version, sha256. */
export function versionsOf(scorer: Scorer) {
  const sha256 = createHash("sha256").update(JSON.stringify(scorer.spec)).digest("hex");
  return {
    server: { name: "@rlops/rewards", version: SERVER_VERSION, protocol: SERVER_PROTOCOL },
    spec: { name: scorer.spec.name, version: scorer.spec.version, sha256 },
  };
}
