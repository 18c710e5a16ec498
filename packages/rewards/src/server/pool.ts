// A pool of scoring threads (node:worker_threads). Each worker compiles the spec once and runs the same
// runRoute as the inline path; the body bytes are transferred, the JSON answer comes back as text.
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { RewardSpec } from "../spec.js";
import { errorBody } from "./errors.js";
import type { RouteLimits, RouteOutcome, ScoringRoute } from "./routes.js";

/** `workerData` of a pool worker. */
export interface PoolWorkerData {
  spec: RewardSpec;
  limits: RouteLimits;
}

/** A job sent to a worker. */
export interface PoolJob {
  id: number;
  route: ScoringRoute;
  body: Uint8Array;
}

/** A worker's answer to a job. */
export interface PoolReply {
  id: number;
  outcome: RouteOutcome;
}

interface Slot {
  worker: Worker;
  job: { id: number; resolve: (o: RouteOutcome) => void } | undefined;
}

function spawn(data: PoolWorkerData): Worker {
  const here = import.meta.url;
  if (!here.endsWith(".ts")) return new Worker(new URL("./server-worker.js", here), { workerData: data });
  // Running from source (tests, benches under tsx): load the TypeScript entry through tsx's loader.
  const tsxDir = dirname(createRequire(here).resolve("tsx/package.json"));
  const tsx = pathToFileURL(join(tsxDir, "dist/esm/api/index.mjs")).href;
  const entry = new URL("./worker.ts", here).href;
  const code = `(async () => { const { register } = await import(${JSON.stringify(tsx)}); register(); await import(${JSON.stringify(entry)}); })();`;
  return new Worker(code, { eval: true, workerData: data, execArgv: ["--conditions=@rlops/source"] });
}

function transferable(body: Uint8Array): Uint8Array {
  const whole = body.byteOffset === 0 && body.byteLength === body.buffer.byteLength;
  return whole && body.buffer instanceof ArrayBuffer ? body : new Uint8Array(body);
}

/** A fixed set of scoring threads with a FIFO queue (its length is bounded by the server's admission). */
export class ScoringPool {
  private readonly slots: Slot[] = [];
  private readonly queue: { job: Omit<PoolJob, "id">; resolve: (o: RouteOutcome) => void }[] = [];
  private nextId = 1;
  private closing = false;
  private starting = 0;

  private constructor(
    private readonly data: PoolWorkerData,
    private readonly size: number,
  ) {}

  /** Starts `size` workers and waits until each has compiled the spec. */
  static async start(data: PoolWorkerData, size: number): Promise<ScoringPool> {
    const pool = new ScoringPool(data, size);
    try {
      await Promise.all(Array.from({ length: size }, () => pool.add()));
    } catch (error) {
      await pool.close();
      throw error;
    }
    return pool;
  }

  /** Jobs waiting for a free worker. */
  get queued(): number {
    return this.queue.length;
  }

  /** Workers running. */
  get workers(): number {
    return this.slots.length;
  }

  private add(): Promise<void> {
    this.starting++;
    return this.start().finally(() => {
      this.starting--;
    });
  }

  private start(): Promise<void> {
    const worker = spawn(this.data);
    const slot: Slot = { worker, job: undefined };
    return new Promise<void>((resolve, reject) => {
      const onFirst = (m: { ready?: boolean; message?: string }) => {
        if (m.ready) {
          worker.off("error", onStartError);
          worker.on("message", (reply: PoolReply) => this.done(slot, reply.outcome));
          worker.on("error", () => {});
          worker.on("exit", () => this.lost(slot));
          this.slots.push(slot);
          this.pump();
          resolve();
        } else {
          void worker.terminate();
          reject(new Error(`scoring worker failed to start: ${m.message}`));
        }
      };
      const onStartError = (e: Error) => reject(e);
      worker.once("message", onFirst);
      worker.once("error", onStartError);
    });
  }

  /** Scores a job on the next free worker. */
  run(route: ScoringRoute, body: Uint8Array): Promise<RouteOutcome> {
    return new Promise((resolve) => {
      if (this.slots.length === 0 && this.starting === 0) {
        resolve({
          status: 503,
          code: "OVERLOADED",
          samples: 0,
          body: errorBody("OVERLOADED", "no scoring worker is running"),
        });
        return;
      }
      this.queue.push({ job: { route, body }, resolve });
      this.pump();
    });
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (slot.job) continue;
      const { job, resolve } = this.queue.shift()!;
      const id = this.nextId++;
      slot.job = { id, resolve };
      const body = transferable(job.body);
      slot.worker.postMessage({ id, route: job.route, body } satisfies PoolJob, [body.buffer as ArrayBuffer]);
    }
  }

  private done(slot: Slot, outcome: RouteOutcome): void {
    const job = slot.job;
    slot.job = undefined;
    job?.resolve(outcome);
    this.pump();
  }

  /** A worker died (out of memory, crash): fail its job with 500 and start a replacement. */
  private lost(slot: Slot): void {
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
    const job = slot.job;
    slot.job = undefined;
    job?.resolve({
      status: 500,
      code: "INTERNAL",
      samples: 0,
      body: errorBody("INTERNAL", "the scoring worker exited while scoring this request"),
    });
    if (!this.closing && this.slots.length < this.size)
      this.add().catch((error) => {
        // No worker left and none can start: queued jobs must not wait forever.
        if (this.slots.length > 0) return;
        for (const { resolve } of this.queue.splice(0))
          resolve({
            status: 503,
            code: "OVERLOADED",
            samples: 0,
            body: errorBody("OVERLOADED", `no scoring worker could be started: ${(error as Error).message}`),
          });
      });
  }

  /** Stops every worker; queued jobs get 503. */
  async close(): Promise<void> {
    this.closing = true;
    for (const { resolve } of this.queue.splice(0))
      resolve({
        status: 503,
        code: "OVERLOADED",
        samples: 0,
        body: errorBody("OVERLOADED", "server is shutting down"),
      });
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    this.slots.length = 0;
  }
}
