// The hf policy against what transformers 5.18 itself deleted: every rotation recorded by the
// real-trainer conformance suite (conformance/real-trainers/, written by the `trainers` work: HF
// Trainer, TRL GRPO and PEFT runs, rotation wrapped and recorded) is replayed through the planner.
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { planRetention, type RetentionCandidate } from "../src/index.js";
import { planRunRetention } from "../src/node.js";

const DATA = resolve(import.meta.dirname, "../../../conformance/real-trainers/test-data");

interface Rotation {
  at: "save" | "train_end";
  saveTotalLimit: number | null;
  useMtime?: boolean;
  bestModelCheckpoint: string | null;
  before: string[];
  deleted: string[];
}

const trees = readdirSync(DATA).flatMap((tree) => {
  const truth = JSON.parse(readFileSync(join(DATA, tree, "ground-truth.json"), "utf8")) as {
    rotations?: Rotation[];
    versions: { transformers: string };
  };
  return truth.rotations?.length
    ? [{ tree, rotations: truth.rotations, version: truth.versions.transformers }]
    : [];
});

const candidates = (before: string[]): RetentionCandidate[] =>
  before.map((name) => {
    const step = Number(name.slice("checkpoint-".length));
    // saved in step order, 2 s apart (what mtime ordering sees on a real disk)
    return { name, location: `/run/${name}`, step, stepText: String(step), mtimeMs: step * 2000 };
  });

describe("hf policy = what transformers deleted at every recorded rotation", () => {
  it("has recorded rotations to replay", () => {
    expect(trees.length).toBeGreaterThanOrEqual(5);
    expect(trees.some((t) => t.rotations.some((r) => r.at === "train_end"))).toBe(true);
  });
  for (const { tree, rotations, version } of trees)
    rotations.forEach((r, i) => {
      it(`${tree} (transformers ${version}) rotation ${i + 1} at ${r.at}: deletes ${r.deleted.join(", ") || "nothing"}`, () => {
        for (const ordering of ["numeric", "mtime"] as const) {
          const plan = planRetention(candidates(r.before), {
            kind: "hf",
            saveTotalLimit: r.saveTotalLimit ?? 0,
            version: 5,
            ordering,
            bestModelCheckpoint: r.bestModelCheckpoint,
            endOfTraining: r.at === "train_end",
            keepNewestResumable: false,
          });
          expect(plan.delete.map((d) => d.name).sort()).toEqual([...r.deleted].sort());
        }
      });
    });

  it("at train end with save_total_limit=1, keeps the newest resumable HF deletes, and says so", () => {
    const end = trees.flatMap((t) => t.rotations).find((r) => r.at === "train_end" && r.deleted.length > 0)!;
    const plan = planRetention(
      candidates(end.before).map((c) => ({
        ...c,
        complete: true,
        capabilities: { resume: true, inference: true },
      })),
      {
        kind: "hf",
        saveTotalLimit: 1,
        bestModelCheckpoint: end.bestModelCheckpoint,
        endOfTraining: true,
      },
    );
    expect(plan.delete).toEqual([]);
    expect(plan.overrides.map((o) => o.name)).toEqual(end.deleted);
    expect(plan.overrides[0]!.hf).toContain("train end with save_total_limit=1");
  });
});

describe("hf policy on a real frozen HF tree (EarlyStoppingCallback run, best checkpoint-4)", () => {
  const run = join(DATA, "hf-early-stop", "run");
  it("reads best_model_checkpoint from the real trainer_state.json and protects it without --keep-best", async () => {
    const plan = await planRunRetention(run, { kind: "hf", saveTotalLimit: 1, ordering: "numeric" });
    // trainer_state.json says "run/checkpoint-4" (relative to where training ran)
    expect(plan.policy).toMatchObject({ bestModelCheckpoint: "run/checkpoint-4" });
    // HF 5.x: protected {checkpoint-8 (newest), checkpoint-4 (best)}, num_to_keep 2 → nothing deleted
    expect(plan.delete).toEqual([]);
    expect(plan.keep.find((k) => k.name === "checkpoint-4")?.reason).toBe("best_model_checkpoint");
  });
});
