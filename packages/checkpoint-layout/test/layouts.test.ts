import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type BrokenCase, type FixtureOptions, fixtureFiles } from "../src/fixtures.js";
import {
  type Checkpoint,
  createMemoryStorage,
  detectLayout,
  type Layout,
  latestCheckpoint,
  listCheckpoints,
  parseArealName,
  parseLightningName,
  parseTinkerPath,
  validateCheckpoint,
} from "../src/index.js";

const mem = (layout: Layout, options: FixtureOptions = {}, root = "/run") => {
  const { files, run } = fixtureFiles(layout, options, root);
  return { storage: createMemoryStorage(Object.fromEntries(files)), run };
};
const data = (name: string) => readFileSync(new URL(`../test-data/${name}`, import.meta.url), "utf8");
const errorCodes = (c: Checkpoint) => c.problems.filter((p) => p.severity === "error").map((p) => p.code);

describe("detectLayout", () => {
  const expected: Array<[Layout, FixtureOptions]> = [
    ["hf", {}],
    ["areal", {}],
    ["staged", {}],
    ["tinker", {}],
    ["step-folders", {}],
    ["lightning", {}],
    ["deepspeed", {}],
    ["dcp", {}],
  ];
  for (const [layout, options] of expected) {
    it(`recognises the ${layout} fixture`, async () => {
      const { storage } = mem(layout, options);
      const det = await detectLayout("/run", { storage });
      expect(det.layout).toBe(layout);
      expect(det.candidates[0]?.evidence.length).toBeGreaterThan(0);
    });
  }

  it("returns null for an empty directory and LAYOUT_UNKNOWN from listCheckpoints", async () => {
    const storage = createMemoryStorage({ "/empty/": {}, "/empty/notes.txt": "hi" });
    expect((await detectLayout("/empty", { storage })).layout).toBeNull();
    await expect(listCheckpoints("/empty", { storage })).rejects.toMatchObject({ code: "LAYOUT_UNKNOWN" });
    await expect(listCheckpoints("/missing", { storage })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(listCheckpoints("/empty", { storage, layout: "nope" as Layout })).rejects.toMatchObject({
      code: "INVALID_INPUT",
    });
  });
});

describe("Hugging Face layout", () => {
  it("lists checkpoints numerically with the Checkpoint shape", async () => {
    const { storage } = mem("hf", { steps: [900, 1000, 1100], siblings: true, bestStep: 1000 });
    const listing = await listCheckpoints("/run", { storage });
    expect(listing.layout).toBe("hf");
    expect(listing.root).toBe("/run");
    expect(listing.checkpoints.map((c) => c.name)).toEqual([
      "checkpoint-900",
      "checkpoint-1000",
      "checkpoint-1100",
      "final_checkpoint",
    ]);
    const c = listing.checkpoints[2]!;
    expect(c).toMatchObject({
      layout: "hf",
      location: "/run/checkpoint-1100",
      step: 1100,
      stepText: "1100",
      role: "intermediate",
      capabilities: { resume: true, inference: true },
      complete: true,
    });
    expect(c.files).toEqual(
      expect.arrayContaining(["model.safetensors", "optimizer.pt", "scheduler.pt", "trainer_state.json"]),
    );
    expect(c.bytes).toBeGreaterThan(0);
    expect(c.metrics?.loss).toBeCloseTo(4.1 - 1100 * 0.04);
    expect(listing.checkpoints.find((x) => x.best)?.name).toBe("checkpoint-1000");
    const final = listing.checkpoints[3]!;
    expect(final).toMatchObject({
      role: "final",
      step: null,
      capabilities: { resume: false, inference: true },
      complete: true,
    });
    expect(listing.ignored.map((i) => i.path)).toEqual([
      "/run/checkpoint-900-merged",
      "/run/tmp-checkpoint-1102",
    ]);
  });

  const broken: Array<[BrokenCase, FixtureOptions, string[]]> = [
    ["truncated-safetensors", {}, ["SAFETENSORS_TRUNCATED"]],
    ["missing-shard", { sharded: true }, ["SHARD_MISSING"]],
    ["missing-optimizer", {}, ["OPTIMIZER_MISSING"]],
    ["missing-scheduler", {}, ["SCHEDULER_MISSING"]],
    ["step-mismatch", {}, ["STEP_MISMATCH"]],
    ["incomplete-marker", {}, ["INCOMPLETE_MARKER"]],
    ["half-written", {}, ["TRAINER_STATE_MISSING", "OPTIMIZER_MISSING", "SCHEDULER_MISSING"]],
  ];
  for (const [kind, opts, codes] of broken) {
    it(`latest resumable skips a checkpoint with ${kind} and explains why`, async () => {
      const { storage } = mem("hf", { steps: [2, 4, 6, 8], broken: kind, ...opts });
      const latest = await latestCheckpoint("/run", { storage });
      expect(latest.checkpoint?.name).toBe("checkpoint-6");
      expect(latest.location).toBe("/run/checkpoint-6");
      expect(latest.rejected.map((r) => r.name)).toEqual(["final_checkpoint", "checkpoint-8"]);
      const reasons = latest.rejected[1]!.reasons.join("\n");
      for (const code of codes) expect(reasons).toContain(code);
      expect(latest.rejected[0]!.reasons[0]).toMatch(/^NOT_RESUMABLE/);
    });
  }

  it("a truncated safetensors file still counts for neither resume nor inference", async () => {
    const { storage } = mem("hf", { steps: [2, 4], broken: "truncated-safetensors", final: false });
    const inf = await latestCheckpoint("/run", { storage, require: "inference" });
    expect(inf.checkpoint?.name).toBe("checkpoint-2");
    // presence-only listing cannot see truncation
    const shallow = await listCheckpoints("/run", { storage, verify: "presence" });
    expect(shallow.checkpoints.map((c) => c.complete)).toEqual([true, true]);
  });

  it("half-written checkpoint: inference still possible, resume is not", async () => {
    const { storage } = mem("hf", { steps: [2, 4], broken: "half-written", final: false });
    const listing = await listCheckpoints("/run", { storage });
    expect(listing.checkpoints[1]!.capabilities).toEqual({ resume: false, inference: true });
    expect((await latestCheckpoint("/run", { storage, require: "inference" })).checkpoint?.name).toBe(
      "checkpoint-4",
    );
  });

  it("PEFT, DDP ranks, DeepSpeed and FSDP sub-layouts", async () => {
    const peft = mem("hf", { steps: [2, 4], peft: true, world: 4 });
    const l1 = await listCheckpoints("/run", { storage: peft.storage });
    expect(l1.checkpoints[1]!.capabilities.resume).toBe(true);
    expect(l1.checkpoints[1]!.files).toEqual(
      expect.arrayContaining(["adapter_model.safetensors", "rng_state_3.pth"]),
    );
    await peft.storage.remove("/run/checkpoint-4/rng_state_2.pth");
    const l1b = await listCheckpoints("/run", { storage: peft.storage });
    expect(errorCodes(l1b.checkpoints[1]!)).toEqual(["RNG_RANK_MISSING"]);

    const ds = mem("hf", { steps: [2, 4], deepspeed: true, world: 2 });
    const l2 = await listCheckpoints("/run", { storage: ds.storage });
    expect(l2.checkpoints[1]!.complete).toBe(true);
    expect(l2.checkpoints[1]!.files).toContain("global_step4/bf16_zero_pp_rank_1_mp_rank_00_optim_states.pt");
    await ds.storage.remove("/run/checkpoint-4/global_step4/bf16_zero_pp_rank_1_mp_rank_00_optim_states.pt");
    await ds.storage.write!("/run/checkpoint-2/latest", "global_step3");
    const l2b = await listCheckpoints("/run", { storage: ds.storage });
    expect(errorCodes(l2b.checkpoints[1]!)).toContain("DEEPSPEED_RANK_MISSING");
    expect(errorCodes(l2b.checkpoints[0]!)).toContain("DEEPSPEED_TAG_MISSING");

    const fsdp = createMemoryStorage({
      "/f/checkpoint-500/pytorch_model_fsdp_0/.metadata": "m",
      "/f/checkpoint-500/pytorch_model_fsdp_0/__0_0.distcp": "d",
      "/f/checkpoint-500/optimizer_0/.metadata": "m",
      "/f/checkpoint-500/optimizer_0/__0_0.distcp": "d",
      "/f/checkpoint-500/scheduler.pt": "s",
      "/f/checkpoint-500/rng_state_0.pth": "r",
      "/f/checkpoint-500/rng_state_1.pth": "r",
      "/f/checkpoint-500/trainer_state.json": '{"global_step": 500, "log_history": []}',
      "/f/checkpoint-500/training_args.bin": "t",
    });
    const l3 = await listCheckpoints("/f", { storage: fsdp, verify: "presence" });
    expect(l3.checkpoints[0]!.capabilities).toEqual({ resume: true, inference: false });
  });

  it("orders huge step numbers exactly and filters by before/max step", async () => {
    const storage = createMemoryStorage({
      "/h/checkpoint-9007199254740993/x": "",
      "/h/checkpoint-9007199254740992/x": "",
      "/h/checkpoint-10/x": "",
    });
    const listing = await listCheckpoints("/h", { storage, layout: "hf" });
    expect(listing.checkpoints.map((c) => c.stepText)).toEqual([
      "10",
      "9007199254740992",
      "9007199254740993",
    ]);
    const before = await listCheckpoints("/h", { storage, beforeStep: "9007199254740993" });
    expect(before.checkpoints.map((c) => c.stepText)).toEqual(["10", "9007199254740992"]);
    const max = await listCheckpoints("/h", { storage, maxStep: 10n });
    expect(max.checkpoints.map((c) => c.stepText)).toEqual(["10"]);
    await expect(listCheckpoints("/h", { storage, maxStep: -1 })).rejects.toMatchObject({
      code: "INVALID_INPUT",
    });
  });

  it("step filters leave out checkpoints without a step; include: complete drops incomplete ones", async () => {
    const { storage } = mem("hf", { steps: [2, 4, 6], broken: "missing-optimizer" });
    const b = await listCheckpoints("/run", { storage, beforeStep: 6 });
    expect(b.checkpoints.map((c) => c.name)).toEqual(["checkpoint-2", "checkpoint-4"]);
    const m = await listCheckpoints("/run", { storage, maxStep: 6 });
    expect(m.checkpoints.map((c) => c.name)).toEqual(["checkpoint-2", "checkpoint-4", "checkpoint-6"]);
    const c = await listCheckpoints("/run", { storage, include: "complete" });
    expect(c.checkpoints.map((x) => x.name)).toEqual(["checkpoint-2", "checkpoint-4", "final_checkpoint"]);
    const latest = await latestCheckpoint("/run", { storage, beforeStep: 4 });
    expect(latest.checkpoint?.name).toBe("checkpoint-2");
  });

  it("parses the reference trainer_state.json (checkpoint-8 of the executed run)", async () => {
    const storage = createMemoryStorage({
      "/o/checkpoint-8/model.safetensors": "x",
      "/o/checkpoint-8/trainer_state.json": data("hf-checkpoint-8-trainer_state.json").replace(
        "<output_dir>",
        "/o",
      ),
      "/o/checkpoint-8/optimizer.pt": "x",
      "/o/checkpoint-8/scheduler.pt": "x",
      "/o/checkpoint-8/rng_state.pth": "x",
    });
    const [c] = (await listCheckpoints("/o", { storage, verify: "presence" })).checkpoints;
    expect(c).toMatchObject({ complete: true, best: true, capabilities: { resume: true, inference: true } });
    expect(c!.metrics).toMatchObject({
      eval_loss: 3.766005516052246,
      loss: 3.7891578674316406,
      grad_norm: 0.7285596132278442,
    });
  });

  it("an unreadable or malformed trainer_state.json blocks resume with TRAINER_STATE_INVALID", async () => {
    for (const text of ['{"global_step": "8"}', "{not json", '{"global_step": 8, "log_history": {}}']) {
      const { storage } = mem("hf", { steps: [6, 8], final: false });
      await storage.write!("/run/checkpoint-8/trainer_state.json", text);
      const latest = await latestCheckpoint("/run", { storage });
      expect(latest.checkpoint?.name).toBe("checkpoint-6");
      expect(latest.rejected[0]!.reasons[0]).toMatch(
        /^TRAINER_STATE_INVALID: \/run\/checkpoint-8\/trainer_state.json/,
      );
    }
  });

  it("hyper-parameter search runs: run-*/checkpoint-N", async () => {
    const storage = createMemoryStorage({
      "/hp/run-0/checkpoint-5/model.safetensors": "x",
      "/hp/run-1/checkpoint-3/model.safetensors": "x",
    });
    const listing = await listCheckpoints("/hp", { storage, verify: "presence" });
    expect(listing.layout).toBe("hf");
    expect(listing.checkpoints.map((c) => c.name)).toEqual(["run-1/checkpoint-3", "run-0/checkpoint-5"]);
  });
});

describe("AReaL layout", () => {
  it("finds exports and the recover slot under fileroot/checkpoints/user/exp/trial", async () => {
    const { storage } = mem("areal");
    const listing = await listCheckpoints("/run", { storage });
    expect(listing.layout).toBe("areal");
    expect(listing.checkpoints.map((c) => `${c.name}@${c.step}/${c.epoch}`)).toEqual([
      "default/epoch0epochstep4globalstep4@4/0",
      "default/epoch0epochstep9globalstep9@9/0",
      "default/epoch1epochstep4globalstep14@14/1",
      "default/epoch1epochstep9globalstep19@19/1",
      "default/recover_checkpoint@19/1",
    ]);
    const exp = listing.checkpoints[0]!;
    expect(exp.capabilities).toEqual({ resume: false, inference: true });
    expect(exp.complete).toBe(true);
    const rec = listing.checkpoints[4]!;
    expect(rec).toMatchObject({
      role: "recover",
      capabilities: { resume: true, inference: false },
      complete: true,
    });
    const latest = await latestCheckpoint("/run", { storage });
    expect(latest.checkpoint?.name).toBe("default/recover_checkpoint");
    const beforeCrash = await latestCheckpoint("/run", { storage, require: "inference", beforeStep: 19 });
    expect(beforeCrash.checkpoint?.name).toBe("default/epoch1epochstep4globalstep14");
    expect(beforeCrash.rejected.map((r) => r.name)).toEqual([]);
  });

  it("a model folder given directly finds recover_info/ in the save root; validate agrees", async () => {
    const { storage } = mem("areal");
    const model = "/run/checkpoints/root/gsm8k-grpo/trial0/default";
    const listing = await listCheckpoints(model, { storage });
    const rec = listing.checkpoints.find((c) => c.role === "recover")!;
    expect(rec).toMatchObject({ name: "recover_checkpoint", step: 19, complete: true });
    const report = await validateCheckpoint(`${model}/recover_checkpoint`, { storage });
    expect(report.ok).toBe(true);
    expect(report.checkpoint?.capabilities.resume).toBe(true);
  });

  it("a recover dump interrupted mid-write is not resumable; weights-only exports never are", async () => {
    const { storage } = mem("areal", { broken: "half-written" });
    const latest = await latestCheckpoint("/run", { storage });
    expect(latest.checkpoint).toBeNull();
    const rec = latest.rejected[0]!;
    expect(rec.name).toBe("default/recover_checkpoint");
    expect(rec.reasons.join()).toContain("DCP_WRITE_IN_PROGRESS");
    expect(rec.reasons.join()).toContain("RECOVER_INFO_MISSING");
    expect(latest.rejected[1]!.reasons[0]).toMatch(/^NOT_RESUMABLE/);
  });

  it("accepts the reference recover_info files and a critic model", async () => {
    const base = "/r/checkpoints/root/gsm8k-grpo/trial0";
    const storage = createMemoryStorage({
      [`${base}/default/epoch0epochstep9globalstep9/model.safetensors`]: "x",
      [`${base}/default/recover_checkpoint/.metadata`]: "m",
      [`${base}/default/recover_checkpoint/__0_0.distcp`]: "d",
      [`${base}/critic/epoch0epochstep9globalstep9/model.safetensors`]: "x",
      [`${base}/recover_info/step_info.json`]: data("areal-step_info.json"),
      [`${base}/recover_info/saver_info.json`]: data("areal-saver_info.json"),
      [`${base}/recover_info/checkpoint_info.json`]: data("areal-saver_info.json"),
      [`${base}/recover_info/evaluator_info.json`]: data("areal-evaluator_info.json"),
      [`${base}/recover_info/stats_logger_info.json`]: data("areal-stats_logger_info.json"),
      [`${base}/recover_info/dataloader_info.pkl`]: "\x80\x04]\x94.",
    });
    const listing = await listCheckpoints("/r", { storage, verify: "presence" });
    const rec = listing.checkpoints.find((c) => c.role === "recover")!;
    expect(rec.step).toBe(9);
    expect(errorCodes(rec)).toEqual(["RECOVER_CHECKPOINT_MISSING"]);
    expect(listing.checkpoints.map((c) => c.name)).toContain("critic/epoch0epochstep9globalstep9");
  });

  it("parses AReaL folder names", () => {
    expect(parseArealName("epoch0epochstep187globalstep187")).toEqual({
      epoch: "0",
      epochStep: "187",
      globalStep: "187",
    });
    expect(parseArealName("epoch1epochstepXglobalstep2")).toBeNull();
    expect(parseArealName("epoch1epochstep2globalstep")).toBeNull();
  });
});

describe("staged, step folders, Lightning, DeepSpeed, DCP", () => {
  it("staged: stage_N, best and final with metrics", async () => {
    const { storage } = mem("staged", { broken: "half-written" });
    const listing = await listCheckpoints("/run", { storage });
    expect(listing.checkpoints.map((c) => `${c.name}:${c.role}`)).toEqual([
      "checkpoints/best:best",
      "checkpoints/stage_1:intermediate",
      "checkpoints/stage_2:intermediate",
      "checkpoints/stage_3:intermediate",
      "checkpoints/stage_4:intermediate",
      "checkpoints/stage_5:intermediate",
      "checkpoints/final:final",
    ]);
    expect(listing.checkpoints[1]!.metrics).toMatchObject({ "generator.avg_reward": 0.1 });
    expect(listing.checkpoints[5]!.capabilities).toEqual({ resume: false, inference: true });
    const before = await latestCheckpoint("/run", { storage, maxStep: 5 });
    expect(before.checkpoint?.name).toBe("checkpoints/stage_4");
    expect((await latestCheckpoint("/run", { storage })).checkpoint?.name).toBe("checkpoints/final");
  });

  it("step folders: weights-only step counts for inference, not resume; response-log metrics", async () => {
    const { storage } = mem("step-folders", { broken: "missing-optimizer" });
    const listing = await listCheckpoints("/run", { storage });
    const s150 = listing.checkpoints.find((c) => c.name === "checkpoints/step_150")!;
    expect(s150.capabilities).toEqual({ resume: false, inference: true });
    expect(s150.metrics?.best_accuracy).toBeCloseTo(0.65);
    expect((await latestCheckpoint("/run", { storage })).checkpoint?.name).toBe("checkpoints/step_100");
    expect((await latestCheckpoint("/run", { storage, require: "inference" })).checkpoint?.name).toBe(
      "final_model",
    );
    expect(
      (await latestCheckpoint("/run", { storage, require: "inference", beforeStep: 1000 })).checkpoint?.name,
    ).toBe("checkpoints/step_150");
  });

  it("Lightning: epoch=X-step=Y.ckpt, last.ckpt, versions and metrics in names", async () => {
    expect(parseLightningName("epoch=2-val_loss=0.12.ckpt")).toEqual({
      last: false,
      epoch: "2",
      metrics: { val_loss: 0.12 },
    });
    expect(parseLightningName("last-v1.ckpt")).toEqual({ last: true, version: 1, metrics: {} });
    expect(parseLightningName("epoch=0-step=4-v2.ckpt")).toMatchObject({ epoch: "0", step: "4", version: 2 });
    const { storage } = mem("lightning", { broken: "half-written" });
    const latest = await latestCheckpoint("/run", { storage, beforeStep: 100 });
    // last.ckpt (a copy of the previous save, step 4 read from its pickle) ties with epoch=0-step=4.ckpt
    expect(latest.checkpoint?.step).toBe(4);
    expect(latest.checkpoint?.name).toBe("lightning_logs/version_0/checkpoints/last.ckpt");
    expect(latest.rejected[0]!.reasons.join()).toContain("ZIP_INVALID");
  });

  it("DeepSpeed: a tag newer than `latest` was not committed", async () => {
    const { storage } = mem("deepspeed", { broken: "half-written" });
    const latest = await latestCheckpoint("/run", { storage });
    expect(latest.checkpoint?.name).toBe("global_step100");
    expect(latest.rejected[0]!.reasons.join()).toContain("DEEPSPEED_NOT_COMMITTED");
  });

  it("DCP: .metadata is the commit marker", async () => {
    const { storage } = mem("dcp", { broken: "half-written" });
    const latest = await latestCheckpoint("/run", { storage });
    expect(latest.checkpoint?.name).toBe("step-3");
    expect(latest.rejected[0]!.reasons.map((r) => r.split(":")[0])).toEqual([
      "DCP_WRITE_IN_PROGRESS",
      "DCP_METADATA_MISSING",
    ]);
  });
});

describe("Tinker layout", () => {
  it("parses tinker:// paths like the SDK", () => {
    expect(parseTinkerPath("tinker://b89f6676-49c4-53ed-9788-2e0c81a9eabf:train:0/weights/final")).toEqual({
      tinkerPath: "tinker://b89f6676-49c4-53ed-9788-2e0c81a9eabf:train:0/weights/final",
      trainingRunId: "b89f6676-49c4-53ed-9788-2e0c81a9eabf:train:0",
      checkpointType: "training",
      checkpointId: "weights/final",
      name: "final",
    });
    expect(parseTinkerPath("tinker://run/sampler_weights/000020")?.checkpointType).toBe("sampler");
    expect(parseTinkerPath("tinker://model/final")).toBeNull();
    expect(parseTinkerPath("tinker://a/b/c/d")).toBeNull();
    expect(parseTinkerPath("tinker://a/other/c")).toBeNull();
    expect(parseTinkerPath("s3://a/weights/c")).toBeNull();
  });

  it("the reference SL checkpoints.jsonl: resume → weights/, inference → sampler_weights/", async () => {
    const storage = createMemoryStorage({ "/t/checkpoints.jsonl": data("tinker-sl-checkpoints.jsonl") });
    const listing = await listCheckpoints("/t", { storage });
    expect(listing.layout).toBe("tinker");
    expect(
      listing.checkpoints.map((c) => [
        c.name,
        c.step,
        c.role,
        c.capabilities.resume,
        c.capabilities.inference,
      ]),
    ).toEqual([
      ["000005", 5, "intermediate", false, false],
      ["000020", 20, "intermediate", true, true],
      ["final", null, "final", true, true],
    ]);
    expect(errorCodes(listing.checkpoints[0]!)).toEqual(["TINKER_DELETED"]);
    expect((await latestCheckpoint("/t", { storage })).location).toBe("tinker://RUN/weights/final");
    expect((await latestCheckpoint("/t", { storage, require: "inference" })).location).toBe(
      "tinker://RUN/sampler_weights/final",
    );
    expect(
      (await latestCheckpoint("/t", { storage, require: "inference", beforeStep: 20 })).checkpoint,
    ).toBeNull();
  });

  it("RL rows: the rolling checkpoint before the final was deleted", async () => {
    const storage = createMemoryStorage({ "/t/checkpoints.jsonl": data("tinker-rl-checkpoints.jsonl") });
    const latest = await latestCheckpoint("/t", { storage, maxStep: 21 });
    expect(latest.location).toBe("tinker://RUN/weights/000020");
    expect(latest.rejected[0]!.reasons[0]).toContain("rolling checkpoint replaced");
  });

  it("a torn last line is reported, not fatal", async () => {
    const { storage } = mem("tinker", { broken: "torn-jsonl" });
    const listing = await listCheckpoints("/run", { storage });
    expect(listing.ignored).toHaveLength(1);
    expect(listing.ignored[0]!.path).toBe("/run/checkpoints.jsonl:5");
    expect(listing.ignored[0]!.reason).toMatch(/^TORN_LINE/);
    expect((await latestCheckpoint("/run", { storage, beforeStep: 1000 })).checkpoint?.name).toBe("000040");
  });

  it("remote expiry and deletion are taken into account when known", async () => {
    const storage = createMemoryStorage({ "/t/checkpoints.jsonl": data("tinker-sl-checkpoints.jsonl") });
    const latest = await latestCheckpoint("/t", {
      storage,
      tinker: {
        now: Date.parse("2026-01-02T00:00:00Z"),
        checkpoints: [
          { tinker_path: "tinker://RUN/weights/000020", expires_at: "2026-01-01T00:00:00Z" },
          { tinker_path: "tinker://RUN/sampler_weights/000020" },
        ],
      },
    });
    expect(latest.checkpoint).toBeNull();
    expect(latest.rejected.map((r) => r.reasons[0]!.split(":")[0])).toEqual([
      "TINKER_DELETED",
      "TINKER_EXPIRED",
      "TINKER_DELETED",
    ]);
  });

  it("final_checkpoint_info.json with the seed's two-segment URIs is flagged", async () => {
    const storage = createMemoryStorage({
      "/s/checkpoints/final_checkpoint_info.json": data("tinker-final_checkpoint_info.json"),
    });
    const listing = await listCheckpoints("/s", { storage });
    expect(listing.root).toBe("/s/checkpoints");
    expect(listing.checkpoints).toHaveLength(1);
    expect(errorCodes(listing.checkpoints[0]!)).toEqual(["TINKER_PATH_INVALID", "TINKER_PATH_INVALID"]);
  });
});
