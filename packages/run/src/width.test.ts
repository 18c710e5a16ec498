import { describe, expect, it } from "vitest";
import { visibleWidth } from "./format.js";
import { projectDisk, renderWatchView, watchState } from "./watch-view.js";
import { fitToWidth, terminalWidth, truncateLine } from "./width.js";

describe("terminalWidth", () => {
  it("prefers COLUMNS, then a TTY's columns, else 80", () => {
    expect(terminalWidth({ isTTY: true, columns: 132 }, { COLUMNS: "100" })).toBe(100);
    expect(terminalWidth({ isTTY: true, columns: 132 }, {})).toBe(132);
    expect(terminalWidth({ isTTY: false }, {})).toBe(80);
    expect(terminalWidth({ isTTY: false }, { COLUMNS: "abc" })).toBe(80);
    expect(terminalWidth({ isTTY: false }, { COLUMNS: "10" })).toBe(40);
  });
});

describe("fitToWidth", () => {
  it("truncates table rows, keeping colour codes balanced", () => {
    const row = `\x1b[31mcheckpoint-175\x1b[39m  175  intermediate  NO  ${"x".repeat(80)}`;
    const cut = truncateLine(row, 40);
    expect(visibleWidth(cut)).toBe(40);
    expect(cut.endsWith("…\x1b[0m")).toBe(true);
  });

  it("wraps prose with a hanging indent and commands with shell continuations outside quotes", () => {
    const prose = `  ${"word ".repeat(30).trim()}`;
    const lines = fitToWidth(prose, 40).split("\n");
    expect(lines.length).toBeGreaterThan(3);
    for (const line of lines) expect(visibleWidth(line)).toBeLessThanOrEqual(40);
    expect(lines[1]?.startsWith("    word")).toBe(true);
    const command = "  $ rlops recover setup '/runs/my long run dir/with spaces' --before-step 138 --dry-run";
    const wrapped = fitToWidth(command, 40).split("\n");
    expect(wrapped.slice(0, -1).every((l) => l.endsWith(" \\"))).toBe(true);
    expect(wrapped.join("\n")).toContain("'/runs/my long run dir/with spaces'");
    // Joining the continuations gives back the command.
    expect(wrapped.map((l) => l.replace(/ \\$/, "").trim()).join(" ")).toBe(command.trim());
  });
});

describe("projectDisk", () => {
  const base = {
    lastStep: 25,
    maxSteps: 100,
    cadence: 10,
    checkpointBytes: 100,
    checkpoints: 2,
    freeBytes: 350,
  };
  it("fills at the first save whose growth exceeds the free space", () => {
    // saves at 30, 40, 50, 60: growth 100, 200, 300, 400 > 350 → step 60
    expect(projectDisk({ ...base, keepLast: null }).fillsAtStep).toBe(60);
    expect(projectDisk({ ...base, keepLast: null, freeBytes: 10_000 }).fillsAtStep).toBeNull();
    expect(projectDisk({ ...base, keepLast: null, freeBytes: 10_000 }).neededBytes).toBe(800);
  });
  it("caps growth at keepLast + 1 checkpoints with retention", () => {
    expect(projectDisk({ ...base, keepLast: 2 }).neededBytes).toBe(100);
    expect(projectDisk({ ...base, keepLast: 5 }).neededBytes).toBe(400);
    expect(projectDisk({ ...base, keepLast: 5 }).fillsAtStep).toBe(60);
  });
  it("says when it cannot project", () => {
    expect(projectDisk({ ...base, cadence: null, keepLast: null }).summary).toMatch(/no projection/);
  });
});

describe("renderWatchView", () => {
  it("fits the width", () => {
    const report = {
      root: "/runs/a-very-long-run-directory-name/with/many/segments",
      metrics: {
        lastStep: 10,
        series: [
          {
            name: "reward",
            points: [
              [1, 0.5],
              [10, 0.7],
            ],
          },
        ],
      },
      breaker: { status: "ok", trip: null },
      checkpoints: { items: [] },
    } as unknown as Parameters<typeof watchState>[0];
    const disk = {
      ...projectDisk({
        ...{
          lastStep: 10,
          maxSteps: 100,
          cadence: 10,
          checkpointBytes: 1,
          checkpoints: 0,
          keepLast: null,
          freeBytes: 5,
        },
      }),
      usedBytes: 1,
      freeBytes: 5,
    };
    const state = watchState(report, {
      samples: [
        { time: 0, step: 1 },
        { time: 60_000, step: 10 },
      ],
      maxSteps: 100,
      disk,
    });
    expect(state.stepsPerMinute).toBe(9);
    expect(state.etaSeconds).toBe(600);
    const view = renderWatchView(state, report, { color: false, width: 50, now: new Date(0) });
    for (const line of view.split("\n")) expect(visibleWidth(line)).toBeLessThanOrEqual(50);
    expect(view).toContain("step 10 / 100");
  });
});
