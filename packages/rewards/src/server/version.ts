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
