import { describe, expect, it } from "vitest";
import { fixtureFiles } from "../src/fixtures.js";
import {
  CheckpointError,
  createMemoryStorage,
  latestCheckpoint,
  listCheckpoints,
  rejectedCandidateSchema,
  type Storage,
  selectCheckpoint,
} from "../src/index.js";

/** Counts the folders (other than the run root) a storage lists. */
function counting(storage: Storage, root: string) {
  const opened = new Set<string>();
  const wrapped: Storage = {
    ...storage,
    list: (p) => {
      if (p !== root) opened.add(p);
      return storage.list(p);
    },
    stat: (p) => storage.stat(p),
    read: (p, r) => storage.read(p, r),
    readText: (p) => storage.readText(p),
    remove: (p) => storage.remove(p),
  };
  return { storage: wrapped, opened };
}

/**
 * A storage whose reads fail like EACCES below `denied` (a `chmod 000` folder or file). The tests
 * run as root, and root ignores chmod 000, so the fault is injected through the Storage adapter.
 */
function denying(storage: Storage, denied: string[]): Storage {
  const check = (p: string) => {
    for (const d of denied)
      if (p === d || p.startsWith(`${d}/`))
        throw new CheckpointError({
          code: "STORAGE_ERROR",
          message: `${p}: EACCES: permission denied`,
          details: { path: p, errno: "EACCES" },
        });
  };
  return {
    list: async (p) => {
      check(p);
      return storage.list(p);
    },
    stat: async (p) => {
      // like POSIX: stat of the denied folder itself works, of anything inside it fails
      if (!denied.includes(p)) check(p);
      return storage.stat(p);
    },
    read: async (p, r) => {
      check(p);
      return storage.read(p, r);
    },
    readText: async (p) => {
      check(p);
      return storage.readText(p);
    },
    remove: (p) => storage.remove(p),
  };
}

const hf = (steps: number[], broken?: "missing-optimizer" | "half-written") =>
  createMemoryStorage(Object.fromEntries(fixtureFiles("hf", { steps, broken }, "/run").files));

describe("selectCheckpoint: the one selector (issue 12)", () => {
  it("returns the newest qualifying checkpoint and one RejectedCandidate shape for the rest", async () => {
    const { checkpoints } = await listCheckpoints("/run", { storage: hf([2, 4, 6, 8], "missing-optimizer") });
    const sel = selectCheckpoint({ checkpoints }, { require: "resume", beforeStep: 8 });
    expect(sel.checkpoint?.name).toBe("checkpoint-6");
    // outside the bounds (final_checkpoint has no step, checkpoint-8 is not before 8): left out
    expect(sel.rejected).toEqual([]);
    const all = selectCheckpoint({ checkpoints }, { require: "resume" });
    expect(all.rejected.map((r) => [r.name, r.reasons[0]!.split(":")[0]])).toEqual([
      ["final_checkpoint", "NOT_RESUMABLE"],
      ["checkpoint-8", "OPTIMIZER_MISSING"],
    ]);
    for (const r of all.rejected) expect(rejectedCandidateSchema.parse(r)).toEqual(r);
    const none = selectCheckpoint({ checkpoints }, { maxStep: 1 });
    expect(none.checkpoint).toBeNull();
    expect(() => selectCheckpoint({ checkpoints }, { beforeStep: -1 })).toThrow(
      expect.objectContaining({ code: "INVALID_INPUT" }),
    );
  });
});

describe("latestCheckpoint reads lazily (issue 17)", () => {
  it("opens O(1) folders when the newest is complete, and fills bytes", async () => {
    const steps = Array.from({ length: 200 }, (_, i) => (i + 1) * 5);
    const { files } = fixtureFiles("hf", { steps, final: false, lean: true }, "/run");
    const c = counting(createMemoryStorage(Object.fromEntries(files)), "/run");
    const latest = await latestCheckpoint("/run", { storage: c.storage });
    expect(latest.checkpoint?.name).toBe("checkpoint-1000");
    expect(latest.checkpoint?.bytes).toBeGreaterThan(0);
    expect([...c.opened]).toEqual(["/run/checkpoint-1000"]);
  });

  it("walks back through broken ones in windows and equals the full listing's answer", async () => {
    const steps = Array.from({ length: 40 }, (_, i) => i + 1);
    const { files } = fixtureFiles("hf", { steps, final: false, lean: true }, "/run");
    for (const s of [40, 39, 38, 37, 36, 35]) files.delete(`/run/checkpoint-${s}/optimizer.pt`);
    const c = counting(createMemoryStorage(Object.fromEntries(files)), "/run");
    const lazy = await latestCheckpoint("/run", { storage: c.storage });
    expect(lazy.checkpoint?.name).toBe("checkpoint-34");
    expect(lazy.rejected.map((r) => r.name)).toEqual([40, 39, 38, 37, 36, 35].map((s) => `checkpoint-${s}`));
    for (const r of lazy.rejected) expect(r.reasons[0]).toMatch(/^OPTIMIZER_MISSING: /);
    expect(c.opened.size).toBeLessThan(30);
    const full = await latestCheckpoint("/run", { storage: c.storage, verify: "headers" });
    expect(full.checkpoint?.name).toBe(lazy.checkpoint?.name);
    expect(full.rejected).toEqual(lazy.rejected);
  });

  it("skips candidates outside the step bounds by name, without opening them", async () => {
    const c = counting(hf([10, 20, 30, 40]), "/run");
    const r = await latestCheckpoint("/run", { storage: c.storage, beforeStep: 25 });
    expect(r.checkpoint?.name).toBe("checkpoint-20");
    expect(r.rejected).toEqual([]);
    expect(c.opened.has("/run/checkpoint-40")).toBe(false);
    expect(c.opened.has("/run/checkpoint-30")).toBe(false);
  });
});

describe("unreadable entries are problems on their checkpoint (issue 16.5)", () => {
  it("a chmod-000 checkpoint folder is UNREADABLE; list and latest still work", async () => {
    const storage = denying(hf([2, 4, 6]), ["/run/checkpoint-4"]);
    const listing = await listCheckpoints("/run", { storage });
    const c4 = listing.checkpoints.find((c) => c.name === "checkpoint-4")!;
    expect(c4.complete).toBe(false);
    expect(c4.capabilities).toEqual({ resume: false, inference: false });
    expect(c4.problems).toEqual([
      expect.objectContaining({ code: "UNREADABLE", file: "/run/checkpoint-4", severity: "error" }),
    ]);
    expect(listing.checkpoints.filter((c) => c.complete).map((c) => c.name)).toEqual([
      "checkpoint-2",
      "checkpoint-6",
      "final_checkpoint",
    ]);
    expect((await latestCheckpoint("/run", { storage })).checkpoint?.name).toBe("checkpoint-6");
    const back = await latestCheckpoint("/run", { storage, beforeStep: 6 });
    expect(back.checkpoint?.name).toBe("checkpoint-2");
    expect(back.rejected.find((r) => r.name === "checkpoint-4")?.reasons[0]).toMatch(/^UNREADABLE: /);
  });

  it("one unreadable optimizer.pt is a problem on that checkpoint, with the path", async () => {
    const storage = denying(hf([2, 4]), ["/run/checkpoint-4/optimizer.pt"]);
    const listing = await listCheckpoints("/run", { storage });
    const c4 = listing.checkpoints.find((c) => c.name === "checkpoint-4")!;
    expect(c4.problems).toContainEqual(
      expect.objectContaining({ code: "UNREADABLE", file: "/run/checkpoint-4/optimizer.pt" }),
    );
    expect(c4.capabilities.resume).toBe(false);
    expect((await latestCheckpoint("/run", { storage })).checkpoint?.name).toBe("checkpoint-2");
  });

  it("an unreadable run root is still a typed error", async () => {
    await expect(listCheckpoints("/run", { storage: denying(hf([2]), ["/run"]) })).rejects.toMatchObject({
      code: "STORAGE_ERROR",
    });
  });
});

describe("lazy and full latestCheckpoint agree on every layout's fixture", () => {
  const cases: Array<[Parameters<typeof fixtureFiles>[0], Parameters<typeof fixtureFiles>[1]]> = [
    ["hf", { broken: "missing-optimizer", bestStep: 2 }],
    ["hf", { broken: "half-written", siblings: true }],
    ["step-folders", { broken: "truncated-safetensors" }],
    ["step-folders", {}],
    ["deepspeed", {}],
    ["areal", { broken: "half-written" }],
    ["staged", {}],
    ["lightning", {}],
    ["dcp", {}],
    ["tinker", { broken: "torn-jsonl" }],
  ];
  for (const [layout, options] of cases)
    it(`${layout} ${JSON.stringify(options)}`, async () => {
      const storage = createMemoryStorage(Object.fromEntries(fixtureFiles(layout, options, "/x").files));
      for (const require of ["resume", "inference"] as const)
        for (const beforeStep of [undefined, 4]) {
          const lazy = await latestCheckpoint("/x", { storage, require, beforeStep });
          const full = await latestCheckpoint("/x", { storage, require, beforeStep, verify: "headers" });
          expect(lazy.checkpoint?.name ?? null).toBe(full.checkpoint?.name ?? null);
          expect(lazy.location).toBe(full.location);
          expect(lazy.rejected.map((r) => [r.name, r.reasons[0]?.split(":")[0]])).toEqual(
            full.rejected.map((r) => [r.name, r.reasons[0]?.split(":")[0]]),
          );
        }
    });
});
