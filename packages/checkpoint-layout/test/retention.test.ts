import { describe, expect, it } from "vitest";
import { fixtureFiles } from "../src/fixtures.js";
import {
  applyRetention,
  createMemoryStorage,
  hfCheckpointNumber,
  listCheckpoints,
  planRetention,
  type RetentionCandidate,
} from "../src/index.js";

const OUT = "/out";
const cands = (names: Array<string | number>, mtimes?: number[]): RetentionCandidate[] =>
  names.map((n, i) => {
    const name = typeof n === "number" ? `checkpoint-${n}` : n;
    const c: RetentionCandidate = { name, location: `${OUT}/${name}` };
    if (mtimes) c.mtimeMs = mtimes[i]! * 1000;
    return c;
  });
const deleted = (plan: ReturnType<typeof planRetention>) =>
  plan.delete.map((d) => d.name.replace("checkpoint-", ""));

// reference/checkpoints.md §1.2 test vectors; "v4 and v5 agree" on every row.
const vectors: Array<{
  label: string;
  dirs: Array<string | number>;
  mtimes?: number[];
  limit: number;
  best?: number;
  ordering: "numeric" | "mtime";
  expected: string[];
}> = [
  {
    label: "4 dirs, limit 2",
    dirs: [100, 200, 300, 400],
    limit: 2,
    ordering: "numeric",
    expected: ["100", "200"],
  },
  {
    label: "limit 2, best 200",
    dirs: [100, 200, 300, 400],
    limit: 2,
    best: 200,
    ordering: "numeric",
    expected: ["100", "300"],
  },
  {
    label: "limit 1, best 200",
    dirs: [100, 200, 300],
    limit: 1,
    best: 200,
    ordering: "numeric",
    expected: ["100"],
  },
  {
    label: "limit 1, best 300",
    dirs: [100, 200, 300],
    limit: 1,
    best: 300,
    ordering: "numeric",
    expected: ["100", "200"],
  },
  {
    label: "900,1000,1100 numeric (not lexical)",
    dirs: [900, 1000, 1100],
    limit: 2,
    ordering: "numeric",
    expected: ["900"],
  },
  {
    label: "stale old run, numeric",
    dirs: [500, 600, 700, 100],
    limit: 3,
    ordering: "numeric",
    expected: ["100"],
  },
  {
    label: "stale old run, mtime",
    dirs: [500, 600, 700, 100],
    mtimes: [1000, 2000, 3000, 9000],
    limit: 3,
    ordering: "mtime",
    expected: ["500"],
  },
  {
    label: "mtimes within 0.9 s fall back to numeric",
    dirs: [500, 600, 700, 100],
    mtimes: [1000, 1000.3, 1000.6, 1000.9],
    limit: 3,
    ordering: "mtime",
    expected: ["100"],
  },
  {
    label: "merged + best siblings, mtime",
    dirs: [100, 200, "checkpoint-200-merged", "checkpoint-best"],
    mtimes: [1, 10, 20, 30],
    limit: 2,
    ordering: "mtime",
    expected: ["100", "200"],
  },
  {
    label: "merged + best siblings, numeric",
    dirs: [100, 200, "checkpoint-200-merged", "checkpoint-best"],
    mtimes: [1, 10, 20, 30],
    limit: 2,
    ordering: "numeric",
    expected: ["100"],
  },
  {
    label: "100..500, limit 3, best 100",
    dirs: [100, 200, 300, 400, 500],
    limit: 3,
    best: 100,
    ordering: "numeric",
    expected: ["200", "300"],
  },
];

describe("HF save_total_limit test vectors (reference §1.2)", () => {
  for (const version of [4, 5] as const) {
    for (const v of vectors) {
      it(`v${version}: ${v.label} → deletes ${v.expected.join(", ")}`, () => {
        const plan = planRetention(cands(v.dirs, v.mtimes), {
          kind: "hf",
          version,
          saveTotalLimit: v.limit,
          ordering: v.ordering,
          bestModelCheckpoint: v.best === undefined ? null : `${OUT}/checkpoint-${v.best}`,
        });
        expect(deleted(plan).sort()).toEqual([...v.expected].sort());
        for (const d of plan.delete) expect(d.reason).toContain("save_total_limit");
        expect(plan.keep.length + plan.delete.length).toBe(v.dirs.length);
      });
    }
  }

  it("explains the mtime fallback in the notes", () => {
    const plan = planRetention(cands([500, 600, 700, 100], [1000, 1000.3, 1000.6, 1000.9]), {
      kind: "hf",
      saveTotalLimit: 3,
      ordering: "mtime",
    });
    expect(plan.notes.join(" ")).toContain("within 1 s");
  });

  it("keeps checkpoint-best out of numeric rotation and says why", () => {
    const plan = planRetention(cands([100, 200, "checkpoint-200-merged", "checkpoint-best"]), {
      kind: "hf",
      saveTotalLimit: 2,
      ordering: "numeric",
    });
    const best = plan.keep.find((k) => k.name === "checkpoint-best");
    expect(best?.reason).toContain("numeric regex");
  });

  it("end of training with limit 1 deletes everything but the best (HF #35070)", () => {
    for (const version of [4, 5] as const) {
      const plan = planRetention(cands([100, 200, 300]), {
        kind: "hf",
        version,
        saveTotalLimit: 1,
        ordering: "numeric",
        bestModelCheckpoint: `${OUT}/checkpoint-200`,
        endOfTraining: true,
      });
      expect(deleted(plan).sort()).toEqual(["100", "300"]);
    }
  });

  it("matches a best_model_checkpoint from a moved run directory by folder name", () => {
    const plan = planRetention(cands([100, 200, 300, 400]), {
      kind: "hf",
      saveTotalLimit: 2,
      ordering: "numeric",
      bestModelCheckpoint: "/old/place/checkpoint-200",
    });
    expect(deleted(plan)).toEqual(["100", "300"]);
  });

  it("limit ≤ 0 never rotates; non-integer limit is a typed error", () => {
    expect(planRetention(cands([1, 2, 3]), { kind: "hf", saveTotalLimit: 0 }).delete).toEqual([]);
    expect(() => planRetention(cands([1, 2]), { kind: "hf", saveTotalLimit: 1.5 })).toThrow(
      expect.objectContaining({ code: "INVALID_INPUT" }),
    );
  });

  it("hfCheckpointNumber reproduces re.match('.*checkpoint-([0-9]+)') on full paths", () => {
    expect(hfCheckpointNumber("/out/checkpoint-200-merged")).toBe("200");
    expect(hfCheckpointNumber("/out/checkpoint-best")).toBeNull();
    expect(hfCheckpointNumber("/x/checkpoint-5/out/checkpoint-best")).toBe("5");
    expect(hfCheckpointNumber("/out/checkpoint-12345678901234567890")).toBe("12345678901234567890");
  });
});

describe("safe retention policy", () => {
  it("never deletes the newest resumable, the best or the final checkpoint", async () => {
    const { files } = fixtureFiles(
      "hf",
      { steps: [2, 4, 6, 8, 10], bestStep: 4, broken: "missing-optimizer" },
      "/run",
    );
    const storage = createMemoryStorage(Object.fromEntries(files));
    const listing = await listCheckpoints("/run", { storage });
    const plan = planRetention(listing.checkpoints, { kind: "safe", keepLast: 1 });
    const kept = Object.fromEntries(plan.keep.map((k) => [k.name, k.reason]));
    // the broken newest never takes a keep-last slot: it is kept as a possible save in progress
    expect(kept["checkpoint-10"]).toContain("newer than every complete checkpoint");
    expect(kept["checkpoint-8"]).toBe("newest resumable checkpoint");
    expect(kept["checkpoint-4"]).toBe("best checkpoint");
    expect(kept.final_checkpoint).toBe("final checkpoint");
    expect(plan.delete.map((d) => d.name)).toEqual(["checkpoint-2", "checkpoint-6"]);
    for (const d of plan.delete) expect(d.reason).toContain("not among the 1 newest complete checkpoint;");
  });

  it("keeps every N-th step and the best metric", () => {
    const c = (step: number, loss: number): RetentionCandidate => ({
      name: `s${step}`,
      location: `/r/s${step}`,
      step,
      stepText: String(step),
      complete: true,
      capabilities: { resume: true, inference: true },
      metrics: { eval_loss: loss },
    });
    const plan = planRetention([c(1, 3), c(2, 1), c(3, 2), c(4, 4), c(5, 5)], {
      kind: "safe",
      keepLast: 1,
      keepEvery: 3,
      bestMetric: { name: "eval_loss" },
    });
    expect(plan.keep.map((k) => k.name).sort()).toEqual(["s2", "s3", "s5"]);
    expect(plan.keep.find((k) => k.name === "s2")?.reason).toContain("best eval_loss");
  });

  it("rejects bad policies with INVALID_INPUT", () => {
    expect(() => planRetention([], { kind: "safe", keepLast: -1 })).toThrow(
      expect.objectContaining({ code: "INVALID_INPUT" }),
    );
    expect(() => planRetention([], { kind: "nope" } as never)).toThrow(
      expect.objectContaining({ code: "INVALID_INPUT" }),
    );
  });
});

describe("applyRetention", () => {
  it("deletes exactly the planned folders and re-checks each first", async () => {
    const { files } = fixtureFiles("hf", { steps: [2, 4, 6, 8] }, "/run");
    const storage = createMemoryStorage(Object.fromEntries(files));
    const listing = await listCheckpoints("/run", { storage });
    const plan = planRetention(listing.checkpoints, { kind: "hf", saveTotalLimit: 2, ordering: "numeric" });
    expect(plan.delete.map((d) => d.name)).toEqual(["checkpoint-2", "checkpoint-4"]);
    // one planned folder disappears before apply: it is skipped, not an error
    await storage.remove("/run/checkpoint-2");
    const result = await applyRetention(plan, { storage });
    expect(result.deleted).toEqual(["/run/checkpoint-4"]);
    expect(result.skipped).toEqual([{ location: "/run/checkpoint-2", reason: "no longer exists" }]);
    const after = await listCheckpoints("/run", { storage });
    expect(after.checkpoints.map((c) => c.name)).toEqual([
      "checkpoint-6",
      "checkpoint-8",
      "final_checkpoint",
    ]);
  });

  it("refuses folders modified since the plan and remote URIs", async () => {
    const storage = createMemoryStorage({ "/r/checkpoint-1/model.safetensors": { size: 10, mtimeMs: 5 } });
    const plan = {
      policy: { kind: "safe", keepLast: 0 } as const,
      keep: [],
      delete: [
        { name: "checkpoint-1", location: "/r/checkpoint-1", step: 1, reason: "test", mtimeMs: 4 },
        { name: "000005", location: "tinker://RUN/weights/000005", step: 5, reason: "test" },
      ],
      notes: [],
    };
    const result = await applyRetention(plan, { storage });
    expect(result.deleted).toEqual([]);
    expect(result.skipped.map((s) => s.reason)).toEqual([
      "modified since the plan was made (a save may be in progress); re-plan",
      "remote checkpoint: delete it with the provider's tools",
    ]);
    expect(await storage.stat("/r/checkpoint-1")).not.toBeNull();
  });
});
