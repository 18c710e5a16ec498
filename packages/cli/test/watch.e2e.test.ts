import { type ChildProcess, spawn } from "node:child_process";
import { appendFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeFixtureRun } from "@rlops/checkpoint-layout/fixtures";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BIN, rlops } from "./helpers.js";

interface WatchLine {
  step: number | null;
  maxSteps: number | null;
  stepsPerMinute: number | null;
  breaker: { status: string; action: string | null; rule: string | null };
  checkpoint: { name: string } | null;
  disk: { fillsAtStep: number | null; neededBytes: number | null; savesLeft: number | null };
  metrics: Record<string, number | null>;
}

const metricLine = (step: number, loss: number | string) =>
  `{"step": ${step}, "loss": ${loss}, "reward": 0.5}\n`;

/** Spawns `rlops watch` (stdout is a pipe: JSON lines) and collects its lines. */
function startWatch(args: string[]) {
  const child: ChildProcess = spawn(process.execPath, [BIN, "watch", ...args], {
    env: { ...process.env, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: WatchLine[] = [];
  let buffer = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    buffer += chunk.toString("utf8");
    let nl = buffer.indexOf("\n");
    while (nl !== -1) {
      lines.push(JSON.parse(buffer.slice(0, nl)) as WatchLine);
      buffer = buffer.slice(nl + 1);
      nl = buffer.indexOf("\n");
    }
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const waitFor = async (test: (l: WatchLine) => boolean, ms = 15_000) => {
    const start = Date.now();
    while (Date.now() - start < ms) {
      const found = lines.find(test);
      if (found) return found;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(
      `no matching watch line in ${ms} ms; got ${JSON.stringify(lines.at(-1))}; stderr ${stderr}`,
    );
  };
  return { child, lines, exited, waitFor, stderr: () => stderr };
}

describe("rlops watch", () => {
  let dir: string;
  let metrics: string;
  let child: ChildProcess | undefined;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "rlops-watch-"));
    writeFixtureRun(dir, "hf", { steps: [10, 20] });
    metrics = join(dir, "metrics.jsonl");
    writeFileSync(metrics, Array.from({ length: 25 }, (_, i) => metricLine(i + 1, 1 - i * 0.01)).join(""));
  });

  afterEach(async () => {
    if (child && child.exitCode === null) child.kill("SIGTERM");
    await rm(dir, { recursive: true, force: true });
  });

  it("updates as the metrics file grows and exits 4 on a rollback trip under --exit-on-trip", async () => {
    const watch = startWatch([dir, "--exit-on-trip", "--interval", "200", "--max-steps", "100"]);
    child = watch.child;
    const first = await watch.waitFor((l) => l.step !== null);
    expect(first.step).toBeGreaterThanOrEqual(25);
    expect(first.breaker.status).toBe("ok");
    expect(first.maxSteps).toBe(100);
    const base = first.step as number;

    appendFileSync(metrics, [1, 2, 3].map((k) => metricLine(base + k, 0.7)).join(""));
    const grown = await watch.waitFor((l) => l.step === base + 3);
    expect(grown.metrics.loss).toBe(0.7);

    appendFileSync(metrics, metricLine(base + 4, "NaN"));
    await watch.waitFor((l) => l.breaker.action === "rollback");
    expect(await watch.exited).toBe(4);
    const last = watch.lines.at(-1) as WatchLine;
    expect(last.breaker.rule).toBe("loss-nonfinite");
    // A rate needs two observed steps: it was measured once the file grew.
    expect(last.stepsPerMinute).toBeGreaterThan(0);
  });

  it("projects the disk as computed by hand, with and without retention", () => {
    const report = JSON.parse(rlops(["report", dir, "--json", "--no-progress"]).stdout) as {
      metrics: { lastStep: number };
      checkpoints: { items: { step: number | null; bytes: number; complete: boolean }[] };
    };
    const last = report.metrics.lastStep;
    const newest = report.checkpoints.items.filter((c) => c.complete && c.step !== null).at(-1)!;
    const b = newest.bytes;
    const free = Math.floor(3.5 * b);
    // By hand: saves every 10 steps after the last step up to step 100; each save adds b bytes.
    let expected: number | null = null;
    let saves = 0;
    for (let s = (Math.floor(last / 10) + 1) * 10; s <= 100; s += 10) {
      saves++;
      if (saves * b > free) {
        expected = s;
        break;
      }
    }
    expect(expected).not.toBeNull();
    const args = [
      "watch",
      dir,
      "--once",
      "--max-steps",
      "100",
      "--save-every",
      "10",
      "--free-bytes",
      String(free),
    ];
    const run = rlops(args);
    expect(run.status, run.stderr).toBe(0);
    const line = JSON.parse(run.stdout.trim()) as WatchLine;
    expect(line.disk.fillsAtStep).toBe(expected);

    // keep-last 2 with 2 on disk: the disk holds at most 3 (the new one before rotation): +b, never fills.
    const kept = JSON.parse(rlops([...args, "--keep-last", "2"]).stdout.trim()) as WatchLine;
    expect(kept.disk.fillsAtStep).toBeNull();
    expect(kept.disk.neededBytes).toBe(b);
  });

  it("exits 2 on a missing run directory", () => {
    const missing = rlops(["watch", join(dir, "nope")]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/^rlops: PATH_NOT_FOUND: /);
  });
});
