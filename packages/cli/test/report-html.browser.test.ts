import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderReportHtml } from "../src/index.js";
import { buildReport, writeExampleRuns } from "../src/node.js";

const CHROMIUM = "/usr/bin/chromium";
const hasChromium = existsSync(CHROMIUM);
const onCi = Boolean(process.env.CI);
const ARTIFACTS = resolve(import.meta.dirname, "../../../artifacts");

if (!hasChromium && !onCi)
  console.warn(
    `report-html.browser.test: SKIPPED — ${CHROMIUM} not found and CI is not set (install with: apt-get install -y chromium)`,
  );

describe.skipIf(!hasChromium && !onCi)("report.html in headless Chromium", () => {
  let dir: string;
  let htmlPath: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "rlops-browser-"));
    const runs = await writeExampleRuns(join(dir, "example"));
    const report = await buildReport(runs[0]!.dir);
    htmlPath = join(dir, "report.html");
    await writeFile(htmlPath, renderReportHtml(report));
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("renders every chart with data, offline, with no console errors", async () => {
    const { chromium } = await import("playwright-core");
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    try {
      const context = await browser.newContext({ offline: true, viewport: { width: 1100, height: 900 } });
      const blocked: string[] = [];
      await context.route("**/*", (route) => {
        const url = route.request().url();
        if (url.startsWith("file:")) return route.continue();
        blocked.push(url);
        return route.abort();
      });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on("console", (message) => {
        if (message.type() === "error") errors.push(message.text());
      });
      page.on("pageerror", (error) => errors.push(error.message));
      await page.goto(pathToFileURL(htmlPath).href, { waitUntil: "load" });

      const charts = await page.$$eval("figure.chart", (figures) =>
        figures.map((figure) => {
          const svg = figure.querySelector("svg");
          const box = svg?.getBoundingClientRect();
          return {
            id: figure.id,
            paths: svg ? svg.querySelectorAll("path").length : 0,
            // A drawn data line is a path with many segments.
            longestPath: svg
              ? Math.max(
                  0,
                  ...Array.from(svg.querySelectorAll("path")).map((p) => (p.getAttribute("d") ?? "").length),
                )
              : 0,
            width: box?.width ?? 0,
            height: box?.height ?? 0,
          };
        }),
      );
      const ids = charts.map((c) => c.id);
      expect(ids).toEqual([
        "chart-reward",
        "chart-metric-1",
        "chart-metric-2",
        "chart-metric-3",
        "chart-metric-4",
        "chart-timeline",
        "chart-arc",
        "chart-disk",
      ]);
      for (const chart of charts) {
        expect(chart.width, chart.id).toBeGreaterThan(300);
        expect(chart.height, chart.id).toBeGreaterThan(100);
        expect(chart.paths, chart.id).toBeGreaterThan(5);
      }
      // The reward line has one vertex per step (175 steps): its path data is long.
      expect(charts[0]!.longestPath).toBeGreaterThan(1000);
      const text = await page.textContent("#next-action");
      expect(text).toContain("Resume from checkpoint-125");
      expect(await page.textContent("body")).toContain("checkpoint-175");

      await mkdir(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, "report.png"), fullPage: true });
      expect(errors).toEqual([]);
      expect(blocked).toEqual([]);
      await context.close();
    } finally {
      await browser.close();
    }
  });
});
