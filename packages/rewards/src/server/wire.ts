// Wire-level helpers of the reward server: JSON answers, bounded draining of refused bodies, the
// request log line and the answers to malformed requests and header timeouts.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { errorBody } from "./errors.js";
import type { RequestLogEntry, RequestLogSink } from "./options.js";

/** Bytes of a refused body read and thrown away (so the client sees the answer, not a reset). */
const DRAIN_BYTES = 64 * 1024 * 1024;
const DRAIN_MS = 2_000;

/** Writes a JSON answer. */
export function send(
  res: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

/** Reads and discards the rest of a refused body (at most 64 MiB, 2 s), then closes the socket. */
export function drain(req: IncomingMessage): void {
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
}

/** The request log line: `<ISO time> <METHOD> <path> <status> samples=<n> ms=<t>[ code=<CODE>]`. */
export function formatLogLine(e: RequestLogEntry, at = new Date()): string {
  return `${at.toISOString()} ${e.method} ${e.path} ${e.status} samples=${e.samples} ms=${e.ms.toFixed(1)}${e.code ? ` code=${e.code}` : ""}`;
}

/** Logs one line when the response closes (`CLIENT_CLOSED` when it was never fully written). */
export function logOnClose(
  req: IncomingMessage,
  res: ServerResponse,
  log: RequestLogSink,
  meta: () => { samples?: number; code?: string } | undefined,
): void {
  const t0 = performance.now();
  res.on("close", () => {
    const locals = meta() ?? {};
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
}

const REASONS: Record<number, string> = {
  400: "Bad Request",
  408: "Request Timeout",
  431: "Request Header Fields Too Large",
};

/** `clientError` handler: malformed requests and the headers timeout get the documented JSON body. */
export function clientErrorAnswer(
  headersTimeoutMs: number,
  log: RequestLogSink | undefined,
): (error: Error & { code?: string }, socket: Socket) => void {
  return (error, socket) => {
    if (error.code === "ECONNRESET" || error.code === "EPIPE") return void socket.destroy();
    const [status, code, message]: [number, string, string] =
      error.code === "ERR_HTTP_REQUEST_TIMEOUT"
        ? [408, "HEADERS_TIMEOUT", `request headers not received within ${headersTimeoutMs} ms`]
        : error.code === "HPE_HEADER_OVERFLOW"
          ? [431, "HEADERS_TOO_LARGE", "request headers are too large"]
          : [400, "BAD_REQUEST", `malformed HTTP request (${error.code ?? error.message})`];
    if (socket.writable && !(socket as Socket & { _httpMessage?: unknown })._httpMessage) {
      const text = errorBody(code, message);
      socket.end(
        `HTTP/1.1 ${status} ${REASONS[status]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`,
      );
    } else socket.destroy();
    const entry: RequestLogEntry = { method: "-", path: "-", status, samples: 0, ms: 0, code };
    log?.(formatLogLine(entry), entry);
  };
}
