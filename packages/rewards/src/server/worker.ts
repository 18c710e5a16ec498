// Worker-thread entry of the scoring pool: compiles the spec once, then answers jobs with runRoute.
import { parentPort, workerData } from "node:worker_threads";
import { createScorer } from "../scorer.js";
import type { PoolJob, PoolReply, PoolWorkerData } from "./pool.js";
import { runRoute } from "./routes.js";

const data = workerData as PoolWorkerData;
const port = parentPort!;
try {
  const scorer = createScorer(data.spec);
  port.on("message", (job: PoolJob) => {
    const outcome = runRoute(scorer, job.route, job.body, data.limits);
    port.postMessage({ id: job.id, outcome } satisfies PoolReply);
  });
  port.postMessage({ ready: true });
} catch (error) {
  port.postMessage({ ready: false, message: (error as Error)?.message ?? String(error) });
}
