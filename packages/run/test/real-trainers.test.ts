// The report on the real trainers' frozen trees (conformance/real-trainers/): its metric steps are
// the steps the trainer wrote to TensorBoard (or Lightning's metrics.csv), its next action follows
// how the run really ended, and its retention advice keeps the run's own save_total_limit.
import { describe, expect, it } from "vitest";
import { type Truth, treeRoots, trees } from "../../checkpoint-layout/test/real-trainers.helpers.js";
import type { Report } from "../src/index.js";
import { buildReport } from "../src/node.js";

/** Union of the steps of every scalar of every logged file in the ground truth. */
function truthSteps(files: Record<string, Record<string, number[]>> | undefined): number[] {
  const steps = new Set<number>();
  for (const scalars of Object.values(files ?? {}))
    for (const list of Object.values(scalars)) for (const step of list) steps.add(step);
  return [...steps].sort((a, b) => a - b);
}

/** Every step the report holds a value at (any series). */
function reportSteps(report: Report): number[] {
  const steps = new Set<number>();
  for (const series of report.metrics.series)
    for (const [step, value] of series.points) if (value !== null) steps.add(step);
  return [...steps].sort((a, b) => a - b);
}

for (const root of treeRoots()) {
  const all = trees(root.dir);

  describe(`report on real trainers (${root.label}): metric steps`, () => {
    for (const t of all) {
      const logged = truthSteps({ ...t.truth.tensorboard, ...t.truth.csv });
      if (logged.length === 0) continue;
      it(`${t.name}: the report's metric steps are the steps the trainer logged`, async () => {
        const report = await buildReport(`${t.dir}/${t.truth.root}`);
        expect(reportSteps(report)).toEqual(logged);
        expect(report.metrics.firstStep).toBe(logged[0]);
        expect(report.metrics.lastStep).toBe(logged[logged.length - 1]);
      });
    }
  });

  describe(`report on real trainers (${root.label}): next action and retention`, () => {
    const ended = all.filter((t) => typeof t.truth.endState === "string");
    it("covers finished, early-stopped and crashed runs", () => {
      expect(new Set(ended.map((t) => t.truth.endState))).toEqual(
        new Set(["max_steps", "early-stopped", "crashed"]),
      );
    });

    for (const t of ended) {
      const ex: Truth = t.truth.expected;
      it(`${t.name} (${t.truth.endState}): the next action is right`, async () => {
        const report = await buildReport(`${t.dir}/${t.truth.root}`);
        if (t.truth.endState === "crashed") {
          // resume from the newest complete, resumable checkpoint (never the half-written newest)
          const resumable = ex.checkpoints.filter((c: Truth) => c.complete && c.resumable);
          expect(report.nextAction.kind).toBe("resume");
          expect(report.nextAction.checkpoint).toBe(resumable[resumable.length - 1].name);
        } else {
          // finished: the checkpoint for inference is HF's best, else the newest usable one
          expect(report.nextAction.kind).toBe("finish");
          expect(report.nextAction.checkpoint).toBe(t.truth.bestModelCheckpoint ?? ex.latestInference);
        }
      });
    }

    for (const t of ended.filter((e) => e.truth.layout === "hf" && e.truth.args)) {
      const limit: number | null = t.truth.args.save_total_limit ?? null;
      it(`${t.name}: retention keeps the run's own save_total_limit (${limit ?? "none: default 2"})`, async () => {
        const report = await buildReport(`${t.dir}/${t.truth.root}`);
        expect(report.retention?.policy).toBe(`safe, keep the ${limit ?? 2} newest and the best`);
      });
    }
  });
}
