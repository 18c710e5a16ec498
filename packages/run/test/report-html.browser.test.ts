import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { deflateSync } from "node:zlib";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chartKit } from "../src/html/kit.js";
import { type Report, renderComparisonHtml, renderReportHtml } from "../src/index.js";
import { buildReport, writeExampleRuns } from "../src/node.js";

const CHROMIUM = process.env.RLOPS_CHROMIUM ?? "/usr/bin/chromium";
const hasChromium = existsSync(CHROMIUM);
const onCi = Boolean(process.env.CI);
const ARTIFACTS = resolve(import.meta.dirname, "../../../artifacts");
const kit = chartKit();
const deflate = (b: Uint8Array) => deflateSync(b);

if (!hasChromium && !onCi)
  console.warn(
    `report-html.browser.test: SKIPPED — ${CHROMIUM} not found and CI is not set (install with: apt-get install -y chromium)`,
  );

interface Box {
  text: string;
  x: number;
  y: number;
  w: number;
  h: number;
}
interface ChartView {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
  left: number;
  top: number;
  pw: number;
  ph: number;
}

const overlapping = (boxes: Box[]) => {
  const out: string[] = [];
  for (let i = 0; i < boxes.length; i++)
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i] as Box;
      const b = boxes[j] as Box;
      // 0.5 px tolerance for sub-pixel rounding of adjacent boxes.
      if (a.x + 0.5 < b.x + b.w && b.x + 0.5 < a.x + a.w && a.y + 0.5 < b.y + b.h && b.y + 0.5 < a.y + a.h)
        out.push(`"${a.text}" overlaps "${b.text}"`);
    }
  return out;
};

describe.skipIf(!hasChromium && !onCi)("report.html in headless Chromium", () => {
  let dir: string;
  let browser: Browser;
  let single: Report;
  const files: Record<string, string> = {};

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "rlops-browser-"));
    const runs = await writeExampleRuns(join(dir, "example"));
    const byName = Object.fromEntries(runs.map((r) => [r.name, r.dir]));
    single = await buildReport(byName["arc-dapo"] as string);
    const areal = await buildReport(byName["areal-grpo"] as string);
    const lightning = await buildReport(byName.lightning as string);
    const pages: Record<string, string> = {
      single: renderReportHtml(single, { deflate }),
      plain: renderReportHtml(single),
      compare: renderComparisonHtml([single, areal], { deflate }),
      lightning: renderReportHtml(lightning, { deflate }),
    };
    for (const [name, html] of Object.entries(pages)) {
      files[name] = join(dir, `${name}.html`);
      await writeFile(files[name] as string, html);
    }
    const { chromium } = await import("playwright-core");
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--no-first-run",
      ],
    });
    await mkdir(ARTIFACTS, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Opens a page offline with every non-file request blocked; collects console errors. */
  async function open(name: string, width = 1400, javaScriptEnabled = true) {
    const context: BrowserContext = await browser.newContext({
      offline: true,
      javaScriptEnabled,
      viewport: { width, height: 900 },
    });
    const blocked: string[] = [];
    await context.route("**/*", (route) => {
      const url = route.request().url();
      if (url.startsWith("file:")) return route.continue();
      blocked.push(url);
      return route.abort();
    });
    const page: Page = await context.newPage();
    const errors: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(pathToFileURL(files[name] as string).href, { waitUntil: "load" });
    if (javaScriptEnabled)
      await page.waitForFunction(() => document.documentElement.dataset.chartsDrawn === "true", null, {
        timeout: 15_000,
      });
    return { page, context, errors, blocked };
  }

  const view = (page: Page, id: string) =>
    page.evaluate(
      (chartId) =>
        (window as unknown as { rlopsReport: { chart(id: string): { view: ChartView } } }).rlopsReport.chart(
          chartId,
        ).view,
      id,
    );
  const hash = (page: Page, id: string) =>
    page.evaluate(
      (chartId) =>
        (
          window as unknown as { rlopsReport: { chart(id: string): { drawnHash: number } } }
        ).rlopsReport.chart(chartId).drawnHash,
      id,
    );
  /** Page coordinates of a step on a chart (vertical middle of its plot). */
  async function at(page: Page, id: string, step: number) {
    const v = await view(page, id);
    const box = await page.locator(`#${id} canvas.overlay`).boundingBox();
    if (!box) throw new Error(`no canvas for ${id}`);
    return { x: box.x + v.left + ((step - v.x0) / (v.x1 - v.x0)) * v.pw, y: box.y + v.top + v.ph / 2 };
  }

  /** Canvas label boxes per chart and the DOM text boxes of every figure: none may overlap. */
  async function textOverlaps(page: Page): Promise<string[]> {
    const canvas = await page.evaluate(() =>
      (
        window as unknown as { rlopsReport: { charts: { id: string; labels: Box[] }[] } }
      ).rlopsReport.charts.map((c) => ({ id: c.id, labels: c.labels })),
    );
    const dom = await page.$$eval("figure.chart", (figures) =>
      figures.map((f) => ({
        id: f.id,
        boxes: Array.from(
          f.querySelectorAll("figcaption .title, figcaption label, .legend button, .legend-static > span"),
        ).map((el) => {
          const r = el.getBoundingClientRect();
          return { text: el.textContent ?? "", x: r.x, y: r.y, w: r.width, h: r.height };
        }),
      })),
    );
    return [
      ...canvas.flatMap((c) => overlapping(c.labels).map((o) => `${c.id}: ${o}`)),
      ...dom.flatMap((f) => overlapping(f.boxes).map((o) => `${f.id}: ${o}`)),
    ];
  }

  it("hover shows the exact value at a step; zoom, legend, smoothing and log scale redraw", async () => {
    const { page, context, errors, blocked } = await open("single");
    const reward = single.metrics.series.find((s) => s.name === "reward")!;
    const [step, value] = reward.points.find((p) => p[0] === 137)! as [number, number];
    const index = await page.$eval(
      "#chart-reward .legend button",
      (b) => (b as HTMLElement).dataset.series as string,
    );
    const point = await at(page, "chart-reward", step);
    await page.mouse.move(point.x, point.y);
    const tip = page.locator("#chart-reward .tip");
    await expect.poll(() => tip.isVisible()).toBe(true);
    expect(await tip.textContent()).toContain(`step ${step}`);
    expect(await page.textContent(`#chart-reward .tip b.v[data-series="${index}"]`)).toBe(
      kit.formatValue(Math.fround(value)),
    );

    // Brush zoom from step 40 to 80: every chart shows that range.
    const from = await at(page, "chart-reward", 40);
    const to = await at(page, "chart-reward", 80);
    await page.mouse.move(from.x, from.y);
    await page.mouse.down();
    await page.mouse.move(to.x, to.y, { steps: 4 });
    await page.mouse.up();
    for (const id of ["chart-reward", "chart-loss"]) {
      const v = await view(page, id);
      expect(v.x0).toBeCloseTo(40, 0);
      expect(v.x1).toBeCloseTo(80, 0);
    }
    expect(await page.textContent("#range")).toContain("(zoomed)");
    await page.click("#reset-zoom");
    expect((await view(page, "chart-reward")).x1).toBe(single.metrics.lastStep);

    // Legend: hiding reward_std removes its line and its hover value.
    const before = await hash(page, "chart-reward");
    const stdButton = page.locator("#chart-reward .legend button", { hasText: "reward_std" });
    await stdButton.click();
    expect(await stdButton.getAttribute("aria-pressed")).toBe("false");
    expect(await hash(page, "chart-reward")).not.toBe(before);

    // Smoothing changes the drawn line (and the pixels).
    const pixels = await page.$eval("#chart-loss canvas:not(.overlay)", (c) =>
      (c as HTMLCanvasElement).toDataURL(),
    );
    const lossBefore = await hash(page, "chart-loss");
    await page.$eval("#smoothing", (el) => {
      (el as HTMLInputElement).value = "0.9";
      el.dispatchEvent(new Event("input"));
    });
    expect(await page.textContent("#smoothing-value")).toBe("0.90");
    expect(await hash(page, "chart-loss")).not.toBe(lossBefore);
    expect(
      await page.$eval("#chart-loss canvas:not(.overlay)", (c) => (c as HTMLCanvasElement).toDataURL()),
    ).not.toBe(pixels);

    // Log scale on the KL chart (all values positive).
    const kl = await hash(page, "chart-kl");
    await page.check("#chart-kl input.log");
    expect((await view(page, "chart-kl")).y0).toBeGreaterThan(0);
    expect(await hash(page, "chart-kl")).not.toBe(kl);

    await page.screenshot({ path: join(ARTIFACTS, "report.png"), fullPage: true });
    expect(errors).toEqual([]);
    expect(blocked).toEqual([]);
    await context.close();
  });

  it("charts every metric group, marks checkpoints and trips, and shows samples with channels", async () => {
    const { page, context, errors } = await open("single");
    const ids = await page.$$eval("figure.chart", (fs) => fs.map((f) => f.id));
    for (const id of [
      "chart-reward",
      "chart-loss",
      "chart-kl",
      "chart-grad-norm",
      "chart-lr",
      "chart-completions",
    ])
      expect(ids).toContain(id);
    expect(ids.some((id) => id.startsWith("chart-arc"))).toBe(true);
    expect(ids).toContain("chart-timeline");
    const legends = await page.$$eval(".legend button", (bs) => bs.map((b) => b.textContent));
    for (const name of ["reward_std", "rewards/arc_pixel_reward/mean", "learning_rate", "kl", "epoch"])
      expect(legends).toContain(name);
    const labels = await page.evaluate(() =>
      (window as unknown as { rlopsReport: { chart(id: string): { labels: Box[] } } }).rlopsReport
        .chart("chart-loss")
        .labels.map((l) => l.text),
    );
    expect(labels).toContain("rollback 147");
    expect(labels).toContain("first bad 138");
    expect(await page.textContent("#sample-best")).toContain("channel final");
    expect(await page.textContent("#sample-collapse")).toContain("channel analysis");
    expect(await page.textContent("#generated")).toMatch(
      /generated \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ by rlops /,
    );
    expect(await page.textContent("#disk-legend")).toContain("would delete");
    expect(await page.textContent("body")).not.toContain(`${single.root}/checkpoint-175`);
    expect(errors).toEqual([]);
    await context.close();
  });

  for (const width of [1400, 760, 420])
    it(`fits a ${width} px window: no overflow, no text over other text`, async () => {
      const { page, context, errors } = await open("single", width);
      expect(await textOverlaps(page)).toEqual([]);
      const { scroll, inner, charts } = await page.evaluate(() => ({
        scroll: document.documentElement.scrollWidth,
        inner: window.innerWidth,
        charts: document.querySelector(".charts")?.getBoundingClientRect().width ?? 0,
      }));
      expect(scroll).toBeLessThanOrEqual(inner);
      expect(charts).toBeGreaterThan(inner * 0.85);
      expect(errors).toEqual([]);
      await context.close();
    });

  it("compares two runs: one table row each, runs overlaid, no overlaps", async () => {
    const { page, context, errors } = await open("compare");
    expect(await page.locator("#comparison tbody tr").count()).toBe(2);
    const legends = await page.$$eval("#chart-reward-m1 .legend button, #chart-reward .legend button", (bs) =>
      bs.map((b) => b.textContent),
    );
    expect(legends.length).toBeGreaterThan(0);
    expect(await textOverlaps(page)).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, "report-compare.png"), fullPage: true });
    expect(errors).toEqual([]);
    await context.close();
  });

  it("the Lightning run charts its loss, not epoch as a reward", async () => {
    const { page, context, errors } = await open("lightning");
    const first = await page.$eval("figure.chart", (f) => ({
      id: f.id,
      title: f.querySelector(".title")?.textContent,
    }));
    expect(first).toEqual({ id: "chart-loss", title: "Loss" });
    expect(await page.textContent("body")).not.toContain("Reward per step");
    expect(await textOverlaps(page)).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, "report-lightning.png"), fullPage: true });
    expect(errors).toEqual([]);
    await context.close();
  });

  it("works uncompressed, and without JavaScript shows the static SVG charts", async () => {
    const plain = await open("plain");
    expect(plain.errors).toEqual([]);
    await plain.context.close();
    const { page, context } = await open("single", 1000, false);
    const svgs = await page.$$eval("figure.chart .static svg", (s) =>
      s.map((svg) => ({
        visible: svg.getBoundingClientRect().width > 100,
        lines: svg.querySelectorAll("polyline").length,
      })),
    );
    expect(svgs.length).toBeGreaterThan(5);
    expect(svgs.every((s) => s.visible)).toBe(true);
    expect(svgs[0]!.lines).toBeGreaterThan(0);
    await context.close();
  });
});
