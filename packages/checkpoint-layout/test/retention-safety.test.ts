import { describe, expect, it } from "vitest";
import { fixtureFiles } from "../src/fixtures.js";
import {
  applyRetention,
  createMemoryStorage,
  diffPlans,
  listCheckpoints,
  planRetention,
  planRunRetention,
  type RetentionPlan,
  retentionPlanSchema,
} from "../src/index.js";

/** An HF run in memory: `broken` steps lose optimizer.pt, `half` steps keep only their weights. */
function hfRun(steps: number[], o: { best?: number; broken?: number[]; half?: number[] } = {}) {
  const { files } = fixtureFiles("hf", { steps, bestStep: o.best, final: false }, "/run");
  for (const s of o.broken ?? []) files.delete(`/run/checkpoint-${s}/optimizer.pt`);
  for (const s of o.half ?? [])
    for (const k of [...files.keys()])
      if (k.startsWith(`/run/checkpoint-${s}/`) && !k.endsWith(".safetensors")) files.delete(k);
  return createMemoryStorage(Object.fromEntries(files));
}
const names = (ds: { name: string }[]) => ds.map((d) => d.name);

describe("safe policy: keep-last counts complete checkpoints only (issue 13)", () => {
  it("broken checkpoints never take a keep-last slot", async () => {
    const storage = hfRun([1, 2, 3, 4, 5], { broken: [2], half: [5] });
    const { checkpoints } = await listCheckpoints("/run", { storage });
    const plan = planRetention(checkpoints, { kind: "safe", keepLast: 2 });
    // the two newest complete ones are 4 and 3; the half-written 5 may be a save in progress
    expect(names(plan.keep).sort()).toEqual(["checkpoint-3", "checkpoint-4", "checkpoint-5"]);
    expect(names(plan.delete)).toEqual(["checkpoint-1", "checkpoint-2"]);
    expect(plan.delete[1]!.reason).toContain("incomplete (OPTIMIZER_MISSING");
  });

  it("says what keep-last 0 means instead of 'older than the 0 newest'", async () => {
    const storage = hfRun([1, 2, 3]);
    const { checkpoints } = await listCheckpoints("/run", { storage });
    const plan = planRetention(checkpoints, { kind: "safe", keepLast: 0 });
    expect(names(plan.keep)).toEqual(["checkpoint-3"]);
    for (const d of plan.delete) {
      expect(d.reason).toContain("keep-last is 0, so no checkpoint is kept for recency");
      expect(d.reason).not.toContain("0 newest");
    }
  });

  it("keeps a protected rollback target under every policy, with its reason", async () => {
    const storage = hfRun([1, 2, 3, 4]);
    const { checkpoints } = await listCheckpoints("/run", { storage });
    const protect = [{ name: "checkpoint-1", reason: "rollback target of breaker rule reward_collapse" }];
    for (const policy of [
      { kind: "safe", keepLast: 1 } as const,
      { kind: "hf", saveTotalLimit: 1, ordering: "numeric" } as const,
      {
        kind: "hf",
        saveTotalLimit: 1,
        version: 4,
        endOfTraining: true,
        bestModelCheckpoint: "checkpoint-3",
      } as const,
    ]) {
      const plan = planRetention(checkpoints, policy, { protect });
      const kept = plan.keep.find((k) => k.name === "checkpoint-1");
      expect(kept?.reason).toContain("rollback target of breaker rule reward_collapse");
      expect(kept?.guard).toBe("protected");
      expect(names(plan.delete)).not.toContain("checkpoint-1");
    }
  });

  it("keeps a breaker's rollback target given as a step ({step, reason}) under every policy", async () => {
    const storage = hfRun([1, 2, 3, 4]);
    const { checkpoints } = await listCheckpoints("/run", { storage });
    const reason = "rollback target of breaker rule reward_collapse";
    for (const step of [2, "2", "0002"]) {
      for (const policy of [
        { kind: "safe", keepLast: 1 } as const,
        { kind: "hf", saveTotalLimit: 1, ordering: "numeric" } as const,
      ]) {
        const plan = planRetention(checkpoints, policy, { protect: [{ step, reason }] });
        const kept = plan.keep.find((k) => k.name === "checkpoint-2");
        expect(kept?.reason).toContain(reason);
        expect(kept?.guard).toBe("protected");
        expect(names(plan.delete)).toContain("checkpoint-1");
        expect(names(plan.delete)).not.toContain("checkpoint-2");
        // the plan records the protect list, and its JSON reads back
        expect(retentionPlanSchema.parse(JSON.parse(JSON.stringify(plan))).protect).toEqual([
          { step, reason },
        ]);
      }
    }
  });

  it("a protected step with no checkpoint is a note; a protect entry naming nothing is INVALID_INPUT", async () => {
    const storage = hfRun([1, 2]);
    const { checkpoints } = await listCheckpoints("/run", { storage });
    const plan = planRetention(
      checkpoints,
      { kind: "safe", keepLast: 1 },
      { protect: [{ step: 7, reason: "r" }] },
    );
    expect(plan.notes).toContain("protected step 7 (r) is not among the checkpoints");
    expect(() =>
      planRetention(checkpoints, { kind: "safe", keepLast: 1 }, { protect: [{ reason: "r" }] }),
    ).toThrow(
      expect.objectContaining({
        code: "INVALID_INPUT",
        message: "protect[0]: expected {name, location or step, reason}",
      }),
    );
    expect(() =>
      planRetention(checkpoints, { kind: "safe", keepLast: 1 }, { protect: [{ step: -1, reason: "r" }] }),
    ).toThrow(expect.objectContaining({ code: "INVALID_INPUT" }));
  });

  it("planRunRetention takes protected steps too, and applyRetention keeps them", async () => {
    const storage = hfRun([1, 2, 3, 4]);
    const protect = [{ step: 1, reason: "rollback target of breaker rule kl_spike" }];
    const plan = await planRunRetention("/run", { kind: "safe", keepLast: 1 }, { storage, protect });
    expect(names(plan.delete)).toEqual(["checkpoint-2", "checkpoint-3"]);
    const result = await applyRetention(plan, { storage });
    expect(result.deleted.map((p) => p.split("/").pop())).toEqual(["checkpoint-2", "checkpoint-3"]);
    expect(await storage.stat("/run/checkpoint-1")).not.toBeNull();
  });

  it("rejects keepBest: false (the best is always kept)", () => {
    expect(() => planRetention([], { kind: "safe", keepLast: 1, keepBest: false })).toThrow(
      expect.objectContaining({ code: "INVALID_INPUT" }),
    );
  });
});

describe("hf policy safety (issues 14, 16.2)", () => {
  it("protects best_model_checkpoint from trainer_state.json without --keep-best", async () => {
    const storage = hfRun([100, 200, 300, 400, 500], { best: 200 });
    const plan = await planRunRetention(
      "/run",
      { kind: "hf", saveTotalLimit: 2, ordering: "numeric" },
      { storage },
    );
    expect(plan.policy).toMatchObject({ bestModelCheckpoint: "/run/checkpoint-200" });
    // HF 5.x: protected {500, 200}, keep 2 → deletes 100, 300, 400
    expect(names(plan.delete)).toEqual(["checkpoint-100", "checkpoint-300", "checkpoint-400"]);
    expect(plan.overrides).toEqual([]);
  });

  it("keeps the newest complete resumable checkpoint where HF would delete it, and says so", async () => {
    // bundled-example shape: the newest checkpoint is half-written
    const storage = hfRun([100, 125, 150, 175], { half: [175] });
    const plan = await planRunRetention(
      "/run",
      { kind: "hf", saveTotalLimit: 1, ordering: "numeric" },
      { storage },
    );
    expect(names(plan.delete)).toEqual(["checkpoint-100", "checkpoint-125"]);
    const kept = plan.keep.find((k) => k.name === "checkpoint-150");
    expect(kept?.guard).toBe("newest-resumable");
    expect(kept?.reason).toContain("transformers would delete it");
    expect(plan.overrides).toEqual([
      expect.objectContaining({ name: "checkpoint-150", keptBecause: "newest resumable checkpoint" }),
    ]);
    expect(plan.notes.join("\n")).toContain("transformers would delete checkpoint-150");
  });

  it("lets the newest resumable go only when asked explicitly", async () => {
    const storage = hfRun([100, 125, 150, 175], { half: [175] });
    const plan = await planRunRetention(
      "/run",
      { kind: "hf", saveTotalLimit: 1, ordering: "numeric", keepNewestResumable: false },
      { storage },
    );
    expect(names(plan.delete)).toEqual(["checkpoint-100", "checkpoint-125", "checkpoint-150"]);
  });

  it("models the train-end rule of save_total_limit=1 with a best: numeric folders only", () => {
    const c = (name: string, mtime: number, resume = true) => ({
      name,
      location: `/o/${name}`,
      mtimeMs: mtime * 1000,
      complete: true,
      capabilities: { resume, inference: true },
      stepText: /\d+$/.exec(name)?.[0] ?? null,
    });
    const plan = planRetention(
      [c("checkpoint-10", 1), c("checkpoint-20", 2), c("checkpoint-best", 3, false)],
      {
        kind: "hf",
        saveTotalLimit: 1,
        bestModelCheckpoint: "/o/checkpoint-10",
        endOfTraining: true,
        keepNewestResumable: false,
      },
    );
    // rotation (mtime): protected {checkpoint-best (newest), checkpoint-10 (best)} → deletes 20;
    // train end (numeric sort, regex only): deletes everything numbered but the best
    expect(names(plan.delete)).toEqual(["checkpoint-20"]);
    expect(names(plan.keep).sort()).toEqual(["checkpoint-10", "checkpoint-best"]);
  });
});

describe("applyRetention re-validates (issue 16.2)", () => {
  it("stops when the kept newest resumable lost optimizer.pt after planning", async () => {
    const storage = hfRun([1, 2, 3, 4]);
    const plan = await planRunRetention("/run", { kind: "safe", keepLast: 1 }, { storage });
    expect(names(plan.delete)).toEqual(["checkpoint-1", "checkpoint-2", "checkpoint-3"]);
    await storage.remove("/run/checkpoint-4/optimizer.pt");
    await expect(applyRetention(plan, { storage })).rejects.toMatchObject({ code: "KEPT_SET_INVALID" });
    expect((await listCheckpoints("/run", { storage })).checkpoints).toHaveLength(4);
  });

  it("stops mid-way when the kept set changes between deletions", async () => {
    const storage = hfRun([1, 2, 3, 4]);
    const plan = await planRunRetention("/run", { kind: "safe", keepLast: 1 }, { storage });
    const remove = storage.remove.bind(storage);
    storage.remove = async (p: string) => {
      await remove(p);
      if (p.endsWith("checkpoint-1")) await remove("/run/checkpoint-4/scheduler.pt");
    };
    await expect(applyRetention(plan, { storage })).rejects.toMatchObject({
      code: "KEPT_SET_INVALID",
      details: { deleted: ["/run/checkpoint-1"] },
    });
    expect(await storage.stat("/run/checkpoint-2")).not.toBeNull();
  });

  it("skips a folder rewritten in place with the same mtime (content identity, not only mtime)", async () => {
    const storage = hfRun([1, 2, 3]);
    const plan = await planRunRetention("/run", { kind: "safe", keepLast: 1 }, { storage });
    expect(names(plan.delete)).toEqual(["checkpoint-1", "checkpoint-2"]);
    const before = await storage.stat("/run/checkpoint-1");
    await storage.write!("/run/checkpoint-1/optimizer.pt", new Uint8Array(7));
    expect((await storage.stat("/run/checkpoint-1"))?.mtimeMs).toBe(before?.mtimeMs);
    const result = await applyRetention(plan, { storage });
    expect(result.deleted).toEqual(["/run/checkpoint-2"]);
    expect(result.skipped[0]).toMatchObject({ location: "/run/checkpoint-1" });
    expect(result.skipped[0]!.reason).toContain("content changed since the plan");
  });

  it("never touches a checkpoint that appears between plan and apply", async () => {
    const storage = hfRun([1, 2, 3]);
    const plan = await planRunRetention("/run", { kind: "safe", keepLast: 1 }, { storage });
    await storage.write!("/run/checkpoint-4/model.safetensors", new Uint8Array(3));
    const result = await applyRetention(plan, { storage });
    expect(result.deleted).toEqual(["/run/checkpoint-1", "/run/checkpoint-2"]);
    expect(await storage.stat("/run/checkpoint-4/model.safetensors")).not.toBeNull();
  });

  it("a plan survives JSON (the --json → --plan round trip) and diffPlans names what changed", async () => {
    const storage = hfRun([1, 2, 3, 4]);
    const given = retentionPlanSchema.parse(
      JSON.parse(JSON.stringify(await planRunRetention("/run", { kind: "safe", keepLast: 2 }, { storage }))),
    ) as RetentionPlan;
    expect(diffPlans(given, await planRunRetention("/run", given.policy, { storage }))).toEqual({
      changed: [],
      extra: [],
    });
    // checkpoint-2 was planned for deletion; after checkpoint-4 breaks it is one of the 2 newest complete
    await storage.remove("/run/checkpoint-4/optimizer.pt");
    const diff = diffPlans(given, await planRunRetention("/run", given.policy, { storage }));
    expect(diff.changed).toEqual([expect.stringContaining("checkpoint-2: planned for deletion, now kept")]);
  });

  it("rejects a malformed plan with INVALID_INPUT", async () => {
    const storage = createMemoryStorage();
    await expect(applyRetention({ policy: { kind: "safe" } } as never, { storage })).rejects.toMatchObject({
      code: "INVALID_INPUT",
    });
  });
});
