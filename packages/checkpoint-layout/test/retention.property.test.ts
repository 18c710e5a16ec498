import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fixtureFiles } from "../src/fixtures.js";
import {
  applyRetention,
  CheckpointError,
  createMemoryStorage,
  listCheckpoints,
  type MemoryFile,
  planRunRetention,
  type RetentionPolicy,
} from "../src/index.js";

type Status = "ok" | "broken" | "half";
type Event = "none" | "appear-complete" | "appear-half" | "rewrite-planned" | "break-guard";

const runArb = fc
  .record({
    statuses: fc.array(fc.constantFrom<Status>("ok", "ok", "broken", "half"), { minLength: 2, maxLength: 9 }),
    bestAt: fc.option(fc.nat(8), { nil: undefined }),
    rollbackAt: fc.option(fc.nat(8), { nil: undefined }),
    mtimeShuffle: fc.boolean(),
    policy: fc.oneof(
      fc.record({
        kind: fc.constant("safe" as const),
        keepLast: fc.nat(4),
        keepEvery: fc.option(fc.integer({ min: 2, max: 4 }), { nil: undefined }),
      }),
      fc.record({
        kind: fc.constant("hf" as const),
        saveTotalLimit: fc.integer({ min: 0, max: 4 }),
        version: fc.constantFrom(4 as const, 5 as const),
        ordering: fc.constantFrom("numeric" as const, "mtime" as const),
        endOfTraining: fc.boolean(),
      }),
    ),
    event: fc.constantFrom<Event>("none", "appear-complete", "appear-half", "rewrite-planned", "break-guard"),
  })
  .map((r) => {
    const policy = { ...r.policy } as Record<string, unknown>;
    for (const k of Object.keys(policy)) if (policy[k] === undefined) delete policy[k];
    return { ...r, policy: policy as RetentionPolicy };
  });

function build(statuses: Status[], bestAt: number | undefined, mtimeShuffle: boolean) {
  const steps = statuses.map((_, i) => (i + 1) * 10);
  const best = bestAt !== undefined && bestAt < steps.length ? steps[bestAt] : undefined;
  const { files } = fixtureFiles("hf", { steps, bestStep: best, final: false, lean: true }, "/run");
  statuses.forEach((s, i) => {
    const d = `/run/checkpoint-${steps[i]}`;
    if (s === "broken") files.delete(`${d}/optimizer.pt`);
    if (s === "half")
      for (const k of [...files.keys()])
        if (k.startsWith(`${d}/`) && !k.endsWith(".safetensors")) files.delete(k);
  });
  // folder mtimes: in step order, or with the oldest folder rewritten last (a stale earlier run)
  const mtime = (step: number) => (mtimeShuffle && step === 10 ? 10_000_000 : step * 1000);
  const entries: Record<string, MemoryFile> = {};
  for (const [path, data] of files) {
    const step = Number(/checkpoint-(\d+)/.exec(path)?.[1] ?? 0);
    entries[path] = { data, mtimeMs: mtime(step) };
  }
  return { storage: createMemoryStorage(entries), steps };
}

describe("retention property (issues 13, 16.2): no policy ever deletes what the run needs", () => {
  it("keeps the newest resumable, the best and the rollback target; keep-last keeps exactly the newest K complete", async () => {
    await fc.assert(
      fc.asyncProperty(runArb, async (r) => {
        const { storage, steps } = build(r.statuses, r.bestAt, r.mtimeShuffle);
        const before = await listCheckpoints("/run", { storage });
        const resumable = before.checkpoints.filter((c) => c.complete && c.capabilities.resume);
        const newestResumable = resumable[resumable.length - 1];
        const best = before.checkpoints.find((c) => c.best);
        const rollback =
          r.rollbackAt !== undefined && r.rollbackAt < steps.length
            ? `checkpoint-${steps[r.rollbackAt]}`
            : undefined;
        const protect = rollback ? [{ name: rollback, reason: "rollback target of a tripped breaker" }] : [];
        const plan = await planRunRetention("/run", r.policy, { storage, protect });

        const deleted = new Set(plan.delete.map((d) => d.name));
        for (const must of [newestResumable?.name, best?.name, rollback])
          if (must) expect(deleted.has(must), `${must} planned for deletion`).toBe(false);
        if (r.policy.kind === "safe") {
          const complete = before.checkpoints.filter((c) => c.complete && c.stepText !== null);
          const newestK = complete.slice(Math.max(0, complete.length - r.policy.keepLast)).map((c) => c.name);
          for (const n of newestK) expect(deleted.has(n)).toBe(false);
          const byKeepLast = plan.keep.filter((k) => k.reason.startsWith("among the ")).map((k) => k.name);
          // each of the newest K is kept, by keep-last or by a stronger reason; nothing else uses a slot
          for (const n of byKeepLast) expect(newestK).toContain(n);
        } else {
          // hf never deletes more than transformers would
          const pure = await planRunRetention(
            "/run",
            { ...r.policy, keepNewestResumable: false },
            { storage, protect: [] },
          );
          const hfDeletes = new Set(pure.delete.map((d) => d.name));
          for (const n of deleted) expect(hfDeletes.has(n)).toBe(true);
        }

        // apply, with a writer acting at the first deletion
        const realRemove = storage.remove.bind(storage);
        let fired = false;
        let afterBreak = 0;
        let broke = false;
        const extraPlanned = plan.delete[1]?.location;
        storage.remove = async (p: string) => {
          if (!fired) {
            fired = true;
            if (r.event === "appear-complete" || r.event === "appear-half") {
              const next = `/run/checkpoint-${(steps.length + 1) * 10}`;
              await storage.write!(`${next}/model.safetensors`, new Uint8Array(16));
              if (r.event === "appear-complete")
                await storage.write!(`${next}/optimizer.pt`, new Uint8Array(16));
            } else if (r.event === "rewrite-planned" && extraPlanned)
              await storage.write!(`${extraPlanned}/optimizer.pt`, new Uint8Array(3));
            else if (r.event === "break-guard" && newestResumable) {
              await realRemove(`${newestResumable.location}/optimizer.pt`);
              broke = true;
            }
          } else if (broke) afterBreak++;
          return realRemove(p);
        };
        let error: unknown;
        const result = await applyRetention(plan, { storage }).catch((e) => {
          error = e;
          return null;
        });
        if (error) {
          expect(CheckpointError.isInstance(error) && error.code).toBe("KEPT_SET_INVALID");
          expect(r.event).toBe("break-guard");
        }
        expect(afterBreak).toBe(0);
        const exists = async (name: string) => (await storage.stat(`/run/${name}`)) !== null;
        for (const must of [newestResumable?.name, best?.name, rollback])
          if (must) expect(await exists(must)).toBe(true);
        if (r.event.startsWith("appear") && fired)
          expect(await exists(`checkpoint-${(steps.length + 1) * 10}`)).toBe(true);
        if (r.event === "rewrite-planned" && fired && extraPlanned)
          expect(await storage.stat(extraPlanned)).not.toBeNull();
        if (result) for (const d of result.deleted) expect(deleted.has(d.split("/").pop()!)).toBe(true);
        // never fewer resumable checkpoints than one, when there was one and no writer broke it
        if (newestResumable && r.event !== "break-guard") {
          const after = await listCheckpoints("/run", { storage });
          expect(after.checkpoints.some((c) => c.complete && c.capabilities.resume)).toBe(true);
        }
      }),
      { numRuns: 150 },
    );
  }, 120_000);
});
