import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { TensorBoardDecoder } from "../src/index.js";
import { discoverMetricSources, findRunRoots, readMetricRecords } from "../src/node.js";

// Metric reading and run discovery on the run trees the real trainers wrote
// (conformance/real-trainers/), against their ground truth; fresh trees too when
// RLOPS_REAL_TRAINERS_DIR points at scripts/ci-trainers.sh's output.

const FROZEN = fileURLToPath(new URL("../../../conformance/real-trainers/test-data", import.meta.url));

interface Tree {
  name: string;
  dir: string;
  truth: {
    root: string;
    tensorboard?: Record<string, Record<string, number[]>>;
    csv?: Record<string, Record<string, number[]>>;
  };
}

function trees(): Tree[] {
  const roots = [
    FROZEN,
    ...(process.env.RLOPS_REAL_TRAINERS_DIR ? [process.env.RLOPS_REAL_TRAINERS_DIR] : []),
  ];
  return roots.flatMap((root) =>
    readdirSync(root, { withFileTypes: true })
      .filter((d) => d.isDirectory() && existsSync(join(root, d.name, "ground-truth.json")))
      .map((d) => ({
        name: d.name,
        dir: join(root, d.name),
        truth: JSON.parse(readFileSync(join(root, d.name, "ground-truth.json"), "utf8")),
      })),
  );
}

/** Metric → its distinct steps, ascending. */
function stepsByMetric(records: Iterable<{ step: number; metrics: Record<string, unknown> }>) {
  const out: Record<string, number[]> = {};
  for (const r of records)
    for (const key of Object.keys(r.metrics)) {
      out[key] ??= [];
      out[key].push(r.step);
    }
  return distinct(out);
}

function distinct(steps: Record<string, number[]>): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const [key, list] of Object.entries(steps)) out[key] = [...new Set(list)].sort((a, b) => a - b);
  return out;
}

const all = trees();

describe("real trainers: TensorBoard events", () => {
  const withEvents = all.filter(
    (t) => t.truth.tensorboard !== undefined && Object.keys(t.truth.tensorboard).length,
  );

  it("there are event files to check (HF, TRL, PEFT, Lightning)", () => {
    expect(withEvents.length).toBeGreaterThanOrEqual(10);
  });

  for (const tree of withEvents)
    it(`${tree.name}: every scalar tag at the steps the trainer logged it (step 0 included)`, () => {
      for (const [file, truth] of Object.entries(tree.truth.tensorboard!)) {
        const decoder = new TensorBoardDecoder({ hfNames: false });
        const records: { step: number; metrics: Record<string, unknown> }[] = [];
        decoder.push(readFileSync(join(tree.dir, tree.truth.root, file)), (r) => records.push(r));
        decoder.end(
          (r) => records.push(r),
          (d) => expect.unreachable(d.message),
        );
        expect(stepsByMetric(records), file).toStrictEqual(distinct(truth));
      }
    });
});

describe("real trainers: one Lightning run with two loggers", () => {
  const tree = all.find((t) => t.name === "lightning-two-loggers");

  it("csv/version_0 and tb/version_0 under one root are one run with both metric sources", async () => {
    expect(tree).toBeDefined();
    const root = join(tree!.dir, tree!.truth.root);
    const roots = await findRunRoots(root);
    expect(roots.map((r) => [r.path, r.layout, r.checkpoints])).toStrictEqual([[root, "lightning", 3]]);
    const sources = await discoverMetricSources(root);
    expect(sources.map((s) => [s.kind, s.path.slice(root.length + 1)])).toStrictEqual([
      ["lightning-csv", "csv/version_0/metrics.csv"],
      ["tensorboard", Object.keys(tree!.truth.tensorboard!)[0]],
    ]);
    const csv: { step: number; metrics: Record<string, unknown> }[] = [];
    for await (const r of readMetricRecords(join(root, "csv/version_0/metrics.csv"))) csv.push(r);
    expect(stepsByMetric(csv)).toStrictEqual(distinct(tree!.truth.csv!["csv/version_0/metrics.csv"]!));
  });
});
