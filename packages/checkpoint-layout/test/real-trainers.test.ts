import { describe, expect, it } from "vitest";
import { readLightningCheckpointMeta, readTrainingArgs } from "../src/index.js";
import {
  createNodeStorage,
  detectLayout,
  latestCheckpoint,
  listCheckpoints,
  validateCheckpoint,
} from "../src/node.js";
import { base, type Truth, treeRoots, trees } from "./real-trainers.helpers.js";

const storage = createNodeStorage();

for (const root of treeRoots()) {
  const all = trees(root.dir);
  const hf = all.filter((t) => t.truth.layout === "hf" && t.truth.expected?.checkpoints);
  const lightning = all.filter((t) => t.truth.layout === "lightning");

  describe(`real trainers (${root.label}): HF Trainer / TRL / PEFT`, () => {
    it("has every tree", () => {
      expect(all.map((t) => t.name)).toEqual(
        expect.arrayContaining([
          "hf-limit1-best",
          "hf-crash-in-save",
          "trl-grpo",
          "peft-lora",
          "dcp-torchtitan",
        ]),
      );
    });

    for (const t of hf) {
      const run = `${t.dir}/${t.truth.root}`;
      const ex: Truth = t.truth.expected;
      it(`${t.name}: layout, checkpoints in order, flags, roles, best`, async () => {
        const listing = await listCheckpoints(run, { storage });
        expect(listing.layout).toBe("hf");
        const numbered = listing.checkpoints.filter((c) => c.step !== null);
        expect(numbered.map((c) => [c.name, c.step])).toEqual(
          ex.checkpoints.map((c: Truth) => [c.name, c.step]),
        );
        for (const want of ex.checkpoints) {
          const got = numbered.find((c) => c.name === want.name)!;
          const why = `${want.name}: ${got.problems.map((p) => p.code).join(",")}`;
          expect(got.complete, why).toBe(want.complete);
          expect(got.capabilities.resume, why).toBe(want.resumable);
          expect(got.capabilities.inference, why).toBe(want.inference);
          expect(got.best === true, why).toBe(want.best);
          expect(got.role, why).toBe(want.name === ex.finalCheckpoint ? "final" : "intermediate");
          expect(
            got.problems.some((p) => p.code === "NEEDS_BASE_MODEL"),
            why,
          ).toBe(want.adapterOnly);
        }
        const rootModel = listing.checkpoints.find((c) => c.name === ".");
        expect(rootModel !== undefined).toBe(ex.rootFinalModel || t.name === "peft-lora");
      });

      it(`${t.name}: ckpt latest (resume and inference)`, async () => {
        const latest = await latestCheckpoint(run, { storage, require: "resume" });
        expect(base(latest.location)).toBe(ex.latestResumable);
        const inf = await latestCheckpoint(run, { storage, require: "inference" });
        expect(inf.location === run ? "." : base(inf.location)).toBe(ex.latestInference);
      });

      it(`${t.name}: the run's own training_args.bin`, async () => {
        const listing = await listCheckpoints(run, { storage, verify: "presence", sizes: false });
        const args = t.truth.args;
        expect(listing.trainingArgs?.save_total_limit).toBe(args.save_total_limit ?? null);
        expect(listing.trainingArgs?.save_steps).toBe(args.save_steps);
        expect(listing.trainingArgs?.max_steps).toBe(args.max_steps);
        expect(listing.trainingArgs?.output_dir).toBe("run");
        if (args.load_best_model_at_end !== undefined) {
          expect(listing.trainingArgs?.load_best_model_at_end).toBe(args.load_best_model_at_end);
          expect(listing.trainingArgs?.greater_is_better).toBe(args.greater_is_better);
          expect(listing.trainingArgs?.metric_for_best_model).toBe(args.metric_for_best_model);
        }
      });
    }

    it("hf-crash-in-save: the half-written checkpoint-6 (HF's own resume fails on it) is rejected", async () => {
      const t = all.find((x) => x.name === "hf-crash-in-save")!;
      expect(t.truth.hfResume.ok).toBe(false);
      expect(t.truth.hfGetLastCheckpoint).toBe("checkpoint-6");
      const latest = await latestCheckpoint(`${t.dir}/run`, { storage });
      expect(base(latest.location)).toBe("checkpoint-4");
      expect(
        latest.rejected.map((r) => [r.name, r.reasons.some((x) => x.startsWith("TRAINER_STATE_MISSING"))]),
      ).toEqual([["checkpoint-6", true]]);
    });

    it("hf-save-only-model: complete for inference, not an exact resume (HF resumes with a fresh optimizer)", async () => {
      const t = all.find((x) => x.name === "hf-save-only-model")!;
      expect(t.truth.hfResume.ok).toBe(true);
      const listing = await listCheckpoints(`${t.dir}/run`, { storage });
      for (const c of listing.checkpoints) {
        expect(c.problems.map((p) => [p.code, p.severity])).toContainEqual(["SAVE_ONLY_MODEL", "warning"]);
        expect(c.problems.some((p) => p.code === "OPTIMIZER_MISSING")).toBe(false);
      }
    });
  });

  describe(`real trainers (${root.label}): Lightning`, () => {
    for (const t of lightning) {
      const run = `${t.dir}/${t.truth.root}`;
      it(`${t.name}: found from the root, steps (last.ckpt from its pickle), epochs, best`, async () => {
        expect((await detectLayout(run, { storage })).layout).toBe("lightning");
        const listing = await listCheckpoints(run, { storage });
        expect(listing.layout).toBe("lightning");
        const want: Array<[string, number, number, boolean]> = [];
        for (const fit of t.truth.fits)
          for (const f of fit.files)
            want.push([
              `${fit.checkpointDir}/${f}`,
              fit.saved[f].global_step,
              fit.saved[f].epoch,
              f === fit.bestModelPath,
            ]);
        const got = listing.checkpoints.map((c) => [c.name, c.step, c.epoch, c.best === true]);
        expect([...got].sort()).toEqual([...want].sort());
        const steps = listing.checkpoints.map((c) => c.step!);
        expect(steps).toEqual([...steps].sort((a, b) => a - b));
        expect(listing.checkpoints.every((c) => c.complete && c.capabilities.resume)).toBe(true);
      });

      it(`${t.name}: ModelCheckpoint best and EarlyStopping state read from last.ckpt`, async () => {
        for (const fit of t.truth.fits) {
          const meta = await readLightningCheckpointMeta(storage, `${run}/${fit.checkpointDir}/last.ckpt`);
          expect(meta.global_step).toBe(fit.saved["last.ckpt"].global_step);
          expect(meta.epoch).toBe(fit.saved["last.ckpt"].epoch);
          const mc = meta.model_checkpoints[0]!;
          expect(base(mc.best_model_path)).toBe(fit.bestModelPath);
          expect(mc.best_model_score).toBeCloseTo(fit.bestModelScore, 6);
          expect(mc.best_k_models.map((k) => base(k.path)).sort()).toEqual(fit.bestKModels);
          if (fit.stoppedEpoch !== null) {
            const es = meta.early_stopping[0]!;
            expect(es.patience).toBeGreaterThan(0);
            // at the epoch where EarlyStopping stops, ModelCheckpoint writes nothing: last.ckpt is older
            if (fit.earlyStopped) expect(meta.epoch!).toBeLessThan(fit.stoppedEpoch);
          } else expect(meta.early_stopping).toEqual([]);
        }
      });
    }
  });

  describe(`real trainers (${root.label}): torch DCP (torchtitan layout), sharded, corrupted copies`, () => {
    const dcp = all.find((t) => t.name === "dcp-torchtitan");
    if (dcp)
      it("dcp-torchtitan: from the run root, detected and with --layout dcp", async () => {
        const run = `${dcp.dir}/run`;
        const ex = dcp.truth.expected;
        for (const layout of [undefined, "dcp" as const]) {
          const listing = await listCheckpoints(run, { storage, ...(layout ? { layout } : {}) });
          expect(listing.layout).toBe("dcp");
          expect(listing.checkpoints.map((c) => [c.name, c.step, c.complete, c.capabilities.resume])).toEqual(
            ex.checkpoints.map((c: Truth) => [c.name, c.step, c.complete, c.resumable]),
          );
          expect(listing.checkpoints.flatMap((c) => c.problems.map((p) => p.code))).not.toContain(
            "WEIGHTS_MISSING",
          );
          expect(listing.checkpoints.at(-1)!.problems.map((p) => p.code)).toContain("DCP_METADATA_MISSING");
        }
        const latest = await latestCheckpoint(run, { storage });
        expect(latest.location).toBe(`${run}/${ex.latestResumable}`);
        for (const c of ex.checkpoints)
          for (const deep of [false, true]) {
            const rep = await validateCheckpoint(`${run}/${c.name}`, { storage, deep });
            expect(rep.ok, `${c.name} deep=${deep}: ${rep.problems.map((p) => p.code)}`).toBe(c.dcpLoad.ok);
          }
      });

    const sharded = all.find((t) => t.name === "hf-sharded");
    if (sharded)
      it("hf-sharded: save_pretrained shards validate plain and deep (from_pretrained loads them)", async () => {
        expect(sharded.truth.fromPretrained.ok).toBe(true);
        for (const deep of [false, true]) {
          const rep = await validateCheckpoint(`${sharded.dir}/${sharded.truth.root}`, { storage, deep });
          expect(rep.ok, rep.problems.map((p) => p.message).join("\n")).toBe(true);
        }
      });

    const corrupt = all.find((t) => t.name === "corrupt");
    for (const c of corrupt?.truth.cases ?? [])
      it(`corrupt/${c.case}: validate fails like the real loader (${Object.entries(c.loaders)
        .map(([k, v]: [string, Truth]) => `${k}: ${v.ok ? "ok" : v.error}`)
        .join(", ")})`, async () => {
        const path = `${corrupt!.dir}/${c.checkpoint}`;
        const deep = await validateCheckpoint(path, { storage, deep: true });
        expect(deep.ok, deep.problems.map((p) => p.code).join(",")).toBe(c.expected.validateDeepOk);
        if (c.expected.validateOk !== null) {
          const plain = await validateCheckpoint(path, { storage });
          expect(plain.ok, plain.problems.map((p) => p.code).join(",")).toBe(c.expected.validateOk);
        }
      });
  });

  describe(`real trainers (${root.label}): training_args.bin of every HF checkpoint`, () => {
    for (const t of hf)
      it(`${t.name}`, async () => {
        for (const c of t.truth.present) {
          const args = await readTrainingArgs(
            storage,
            `${t.dir}/${t.truth.root}/${c.name}/training_args.bin`,
          );
          expect(args.save_total_limit).toBe(t.truth.args.save_total_limit ?? null);
          expect(args.save_only_model).toBe(t.truth.args.save_only_model ?? false);
        }
      });
  });
}
