/**
 * `rlops report` on a run with a large metrics log, against a baseline measured in the same run:
 * reading the same files and JSON-parsing every line (the floor any report must pay).
 * Prints ratios only. Run with `pnpm --filter @rlops/cli bench`.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMonitor, defaultBreakerConfig, loadBreakerConfig } from "@rlops/recovery";
import { readMetricRecords } from "@rlops/recovery/node";
import { SeriesCollector } from "../src/metrics.js";
import { buildReport, writeExampleRuns } from "../src/node.js";

const LINES = Number(process.env.RLOPS_BENCH_LINES ?? 200_000);

async function time(fn: () => Promise<unknown>, rounds = 3): Promise<number> {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < rounds; i++) {
    const start = performance.now();
    await fn();
    best = Math.min(best, performance.now() - start);
  }
  return best;
}

const dir = await mkdtemp(join(tmpdir(), "rlops-bench-"));
try {
  const [run] = await writeExampleRuns(join(dir, "example"));
  const runDir = run!.dir;
  const lines: string[] = [];
  for (let step = 1; step <= LINES; step++)
    lines.push(
      JSON.stringify({
        step,
        reward: Math.sin(step / 500) + 1.5,
        loss: 1 / (1 + step / 1000),
        kl: step * 1e-6,
      }),
    );
  const metricsPath = join(runDir, "logs", "metrics.jsonl");
  await writeFile(metricsPath, `${lines.join("\n")}\n`);

  const baseline = await time(async () => {
    const text = await readFile(metricsPath, "utf8");
    let n = 0;
    for (const line of text.split("\n"))
      if (line) n += (JSON.parse(line) as { step: number }).step > 0 ? 1 : 0;
    return n;
  });
  const source = await time(async () => {
    let n = 0;
    for await (const _ of readMetricRecords(metricsPath, { format: "jsonl" })) n++;
    return n;
  });
  const collect = await time(async () => {
    const collector = new SeriesCollector();
    for await (const r of readMetricRecords(metricsPath, { format: "jsonl" }))
      collector.add({ step: r.step, values: r.metrics });
    return collector.series().length;
  });
  const config = loadBreakerConfig(
    defaultBreakerConfig({ rewardMetric: "reward", lossMetric: "loss", arc: false }),
  );
  const breaker = await time(async () => {
    const monitor = createMonitor(config);
    for await (const r of readMetricRecords(metricsPath, { format: "jsonl" })) monitor.observe(r);
  });
  const report = await time(() => buildReport(runDir));
  const result = await buildReport(runDir);
  console.log(
    `metrics lines: ${LINES} (+ ${result.arc?.totals.steps ?? 0} ARC response logs, ${result.checkpoints.count} checkpoints)`,
  );
  console.log(`baseline (read + JSON.parse every line): 1.00x`);
  console.log(`@rlops/recovery readMetricRecords alone: ${(source / baseline).toFixed(2)}x`);
  console.log(`  + the report's series collector: ${(collect / baseline).toFixed(2)}x`);
  console.log(
    `  + the default breaker (@rlops/recovery monitor) instead: ${(breaker / baseline).toFixed(2)}x`,
  );
  console.log(
    `buildReport (checkpoints, metrics, breaker, ARC, retention): ${(report / baseline).toFixed(2)}x the baseline`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
