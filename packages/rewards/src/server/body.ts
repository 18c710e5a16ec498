// Request bodies under a size limit, a deadline and a minimum rate. Time is counted on one shared clock
// that only advances while this process could read: a stall of our own event loop (inline scoring, GC)
// never counts against a client's deadline.
import type { IncomingMessage } from "node:http";
import { HttpError } from "./errors.js";

const TICK_MS = 100;

interface Pending {
  start: number;
  received: number;
  fail(error: HttpError): void;
}

/** A clock of "fair" milliseconds plus the bodies being read. */
export class BodyClock {
  private fair = 0;
  private last = Date.now();
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly pending = new Set<Pending>();

  constructor(private readonly limits: BodyLimits) {}

  now(): number {
    return this.fair;
  }

  add(p: Pending): void {
    this.pending.add(p);
    if (!this.timer) {
      this.last = Date.now();
      this.timer = setInterval(() => this.tick(), TICK_MS);
      this.timer.unref();
    }
  }

  delete(p: Pending): void {
    this.pending.delete(p);
    if (this.pending.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private tick(): void {
    const t = Date.now();
    // A late tick (blocked loop) counts as at most two ticks.
    this.fair += Math.min(t - this.last, 2 * TICK_MS);
    this.last = t;
    const { bodyTimeoutMs, minBodyBytesPerSecond, bodyGraceMs } = this.limits;
    for (const p of [...this.pending]) {
      const elapsed = this.fair - p.start;
      if (elapsed > bodyTimeoutMs)
        p.fail(new HttpError(408, "REQUEST_TIMEOUT", `request body not received within ${bodyTimeoutMs} ms`));
      else if (
        minBodyBytesPerSecond > 0 &&
        elapsed > bodyGraceMs &&
        p.received < (minBodyBytesPerSecond * elapsed) / 1000
      )
        p.fail(
          new HttpError(
            408,
            "BODY_TOO_SLOW",
            `request body arrived at ${Math.round((p.received * 1000) / elapsed)} bytes/s, below the minimum of ${minBodyBytesPerSecond}`,
          ),
        );
    }
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.pending.clear();
  }
}

/** Limits of {@link readBody}. */
export interface BodyLimits {
  maxBodyBytes: number;
  bodyTimeoutMs: number;
  minBodyBytesPerSecond: number;
  bodyGraceMs: number;
}

/** Bytes held by bodies being read (for the global `maxBufferedBytes` bound). */
export interface BufferBudget {
  take(bytes: number): boolean;
  give(bytes: number): void;
}

/** A budget of `max` bytes over every body being held. */
export function bufferBudget(max: number): BufferBudget {
  let held = 0;
  return {
    take: (n) => {
      if (held + n > max) return false;
      held += n;
      return true;
    },
    give: (n) => {
      held -= n;
    },
  };
}

/**
 * Reads a request body into one buffer. Rejects with an {@link HttpError}: 413 `BODY_TOO_LARGE` when the
 * declared or received size passes the limit (chunked too), 408 on the deadline or minimum rate, 503
 * when the global buffer budget is spent. The caller answers, and gives `body.length` back to the budget
 * once done with the body; the request stream is left to drain.
 */
export function readBody(
  req: IncomingMessage,
  limits: BodyLimits,
  clock: BodyClock,
  budget: BufferBudget,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const limit = limits.maxBodyBytes;
    const declared = req.headers["content-length"];
    const length = declared === undefined ? undefined : Number(declared);
    if (length !== undefined && length > limit) {
      reject(
        new HttpError(413, "BODY_TOO_LARGE", `request body of ${length} bytes exceeds the limit of ${limit}`),
      );
      return;
    }
    const chunks: Buffer[] = [];
    let held = 0;
    let done = false;
    const finish = (error: HttpError | Error | null, value?: Buffer) => {
      if (done) return;
      done = true;
      clock.delete(pending);
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      req.off("aborted", onAborted);
      chunks.length = 0;
      if (error) {
        budget.give(held);
        reject(error);
      } else resolve(value!); // the caller gives the body's bytes back once answered
    };
    const pending: Pending = { start: clock.now(), received: 0, fail: (e) => finish(e) };
    const onData = (chunk: Buffer) => {
      pending.received += chunk.length;
      if (pending.received > limit) {
        finish(new HttpError(413, "BODY_TOO_LARGE", `request body exceeds the limit of ${limit} bytes`));
        return;
      }
      if (!budget.take(chunk.length)) {
        finish(
          new HttpError(503, "OVERLOADED", "request bodies in flight exceed the server's buffer budget"),
        );
        return;
      }
      held += chunk.length;
      chunks.push(chunk);
    };
    const onEnd = () => {
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, pending.received);
      finish(null, body);
    };
    const onError = (e: Error) => finish(e);
    const onAborted = () => finish(new Error("client aborted the request"));
    clock.add(pending);
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
    req.on("aborted", onAborted);
  });
}
