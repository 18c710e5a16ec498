/**
 * HTML report size and render time in headless Chromium (first paint → every chart drawn) for 1k and
 * 10k steps × 40 metrics, and one 100k-point series; plus the charting choice measured: the inlined
 * hand-written chart script against a minimal Apache ECharts build (line chart, canvas renderer,
 * tooltip, dataZoom, legend, markLine) bundled and minified with esbuild. Ratios against the 2 MB budget
 * and against ECharts. Needs Chromium (RLOPS_CHROMIUM, default /usr/bin/chromium); skipped without it.
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { deflateSync } from "node:zlib";
import { build } from "esbuild";
import { CLIENT_SOURCE } from "../src/html/client.js";
import { CHART_KIT_SOURCE } from "../src/html/kit.js";
import { type Report, renderReportHtml } from "../src/index.js";
import { buildReport, writeExampleRuns } from "../src/node.js";

const CHROMIUM = process.env.RLOPS_CHROMIUM ?? "/usr/bin/chromium";
const BUDGET = 2 * 1024 * 1024;

function synthetic(base: Report, steps: number, metrics: number, seed = 1): Report {
  let s = seed;
  const random = () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
  const names = [
    "reward",
    "reward_std",
    "loss",
    "kl",
    "entropy",
    "grad_norm",
    "learning_rate",
    "completions/mean_length",
    "completions/clipped_ratio",
    "clip_ratio/region_mean",
  ];
  for (let i = 0; names.length < metrics; i++)
    names.push(i % 2 ? `rewards/r${i}/mean` : `custom/metric_${i}`);
  const series = names.slice(0, metrics).map((name, k) => ({
    name,
    points: Array.from({ length: steps }, (_, i): [number, number | null] => [
      i + 1,
      // A trend plus noise at float64 precision: the worst case for compression.
      (k + 1) * (Math.sin(i / 300 + k) + 1.5) + random() * 0.1,
    ]),
  }));
  return { ...base, metrics: { ...base.metrics, firstStep: 1, lastStep: steps, steps, series } };
}

/** Best of 3: ms from navigation start to every chart drawn, and to first paint. */
async function renderTime(
  path: string,
  chromium: typeof import("playwright-core").chromium,
): Promise<{ drawn: number; paint: number }> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu"],
  });
  try {
    let best = { drawn: Number.POSITIVE_INFINITY, paint: 0 };
    for (let round = 0; round < 3; round++) {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      await page.goto(pathToFileURL(path).href);
      await page.waitForFunction(() => document.documentElement.dataset.chartsDrawn === "true", null, {
        timeout: 60_000,
      });
      const ms = await page.evaluate(() => {
        const paint = performance.getEntriesByType("paint").find((e) => e.name === "first-paint");
        const drawn = performance.getEntriesByName("rlops-charts-drawn")[0];
        return { drawn: drawn?.startTime ?? 0, paint: paint?.startTime ?? 0 };
      });
      if (ms.drawn < best.drawn) best = ms;
      await page.close();
    }
    return best;
  } finally {
    await browser.close();
  }
}

async function echartsBytes(dir: string): Promise<number> {
  const entry = join(dir, "echarts-entry.mjs");
  await writeFile(
    entry,
    `import * as echarts from "echarts/core";
import { LineChart } from "echarts/charts";
import { GridComponent, TooltipComponent, DataZoomComponent, LegendComponent, MarkLineComponent } from "echarts/components";
import { CanvasRenderer } from "echarts/renderers";
echarts.use([LineChart, GridComponent, TooltipComponent, DataZoomComponent, LegendComponent, MarkLineComponent, CanvasRenderer]);
globalThis.echarts = echarts;`,
  );
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    write: false,
    format: "iife",
    nodePaths: [join(import.meta.dirname, "../node_modules")],
  });
  return result.outputFiles[0]?.contents.length ?? 0;
}

const dir = await mkdtemp(join(tmpdir(), "rlops-html-bench-"));
try {
  const [run] = await writeExampleRuns(join(dir, "example"));
  const base = await buildReport(run!.dir);
  const script = `${CLIENT_SOURCE}(${CHART_KIT_SOURCE})`.length;
  let echarts: number | null = null;
  try {
    echarts = await echartsBytes(dir);
  } catch (error) {
    console.log(`echarts bundle: not measured (${(error as Error).message.split("\n")[0]})`);
  }
  console.log(`chart script inlined: ${(script / 1024).toFixed(1)} KiB (unminified)`);
  if (echarts)
    console.log(
      `minimal ECharts build (minified): ${(echarts / 1024).toFixed(1)} KiB → the hand-written script is ${(script / echarts).toFixed(3)}× its size`,
    );
  const cases: [string, Report][] = [
    ["1k steps × 40 metrics", synthetic(base, 1000, 40)],
    ["10k steps × 40 metrics", synthetic(base, 10_000, 40)],
    ["100k steps × 1 metric", synthetic(base, 100_000, 1)],
  ];
  const { chromium } = existsSync(CHROMIUM) ? await import("playwright-core") : { chromium: null };
  if (!chromium) console.log(`render time: skipped (${CHROMIUM} not found)`);
  for (const [label, report] of cases) {
    const html = renderReportHtml(report, { deflate: (b) => deflateSync(b, { level: 9 }) });
    const raw = renderReportHtml(report);
    const path = join(dir, `${label.replace(/\W+/g, "-")}.html`);
    await writeFile(path, html);
    const size = Buffer.byteLength(html);
    const line = `${label}: ${(size / 1024 / 1024).toFixed(2)} MiB = ${(size / BUDGET).toFixed(2)}× the 2 MiB budget (uncompressed data: ${(Buffer.byteLength(raw) / BUDGET).toFixed(2)}×)`;
    console.log(line);
    if (chromium) {
      const t = await renderTime(path, chromium);
      console.log(
        `  navigation → every chart drawn ${t.drawn.toFixed(0)} ms; first paint at ${t.paint.toFixed(0)} ms (first paint → charts drawn ${Math.max(0, t.drawn - t.paint).toFixed(0)} ms)`,
      );
    }
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
