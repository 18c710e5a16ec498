import { savedOnlyModel, stoppedHere } from "../folder-hints.js";
import { checkTorchZip } from "../integrity.js";
import { compareStepText, isDigits, normalizeDigits } from "../model.js";
import { joinPath } from "../storage.js";
import type { FolderRule, FolderState } from "./state.js";
import { metricsAtStep, readTrainerStateFast } from "./trainer-state.js";

const OPTIMIZER_FILES = ["optimizer.pt", "optimizer.bin"];

function rngRank(name: string): number | null | undefined {
  if (name === "rng_state.pth") return null;
  if (!name.startsWith("rng_state_") || !name.endsWith(".pth")) return undefined;
  const mid = name.slice(10, -4);
  return isDigits(mid) ? Number(mid) : undefined;
}

/** Optimizer state present? Then, with `kind`, is this a training checkpoint? */
export const trainingKindRule: FolderRule = {
  id: "training-kind",
  run(s) {
    const { fileMap } = s;
    s.hasOptimizer =
      s.deepSpeed.optimStates ||
      OPTIMIZER_FILES.some(
        (n) => (fileMap.get(n)?.size ?? 0) > 0 || (fileMap.has(n) && fileMap.get(n)!.size === undefined),
      ) ||
      s.dirs.some((d) => d.includes("optimizer")) ||
      [...fileMap.keys()].some((n) => n.startsWith("rank") && n.endsWith("-optimizer.pt"));
    const hasState = fileMap.has("trainer_state.json");
    s.training = s.expect.kind === "training" || (s.expect.kind === "auto" && (hasState || s.hasOptimizer));
  },
};

/** `trainer_state.json`: parses, its `global_step` matches the folder, metrics and best; required for HF. */
export const trainerStateRule: FolderRule = {
  id: "trainer-state",
  async run(s) {
    if (!s.fileMap.has("trainer_state.json")) {
      if (!s.training || !s.expect.requireTrainerState) return;
      s.err(
        "TRAINER_STATE_MISSING",
        `${s.dir}: no trainer_state.json (resume would fail with FileNotFoundError)`,
        "trainer_state.json",
      );
      s.resumeBlocked = true;
      return;
    }
    const path = joinPath(s.dir, "trainer_state.json");
    try {
      const ts = readTrainerStateFast(await s.ctx.storage.readText(path), path);
      s.globalStepText = ts.globalStepText;
      const bmc = ts.raw.best_model_checkpoint;
      s.bestModelCheckpoint = typeof bmc === "string" ? bmc : null;
      s.trainingStopped = stoppedHere(ts.raw);
      s.metrics = metricsAtStep(ts.raw, s.expect.expectedStep ?? s.globalStepText);
      if (
        s.expect.expectedStep !== undefined &&
        compareStepText(s.globalStepText, s.expect.expectedStep) !== 0
      ) {
        s.err(
          "STEP_MISMATCH",
          `${s.dir}/trainer_state.json: global_step is ${s.globalStepText} but the folder says ${normalizeDigits(s.expect.expectedStep)}`,
          "trainer_state.json",
        );
        s.resumeBlocked = true;
      }
    } catch (error) {
      s.err(
        "TRAINER_STATE_INVALID",
        error instanceof Error ? error.message : String(error),
        "trainer_state.json",
      );
      s.resumeBlocked = true;
    }
  },
};

const isTraining = (s: FolderState) => s.training;

/** Empty optimizer / scheduler / scaler files block resume. */
export const emptyResumeFilesRule: FolderRule = {
  id: "empty-resume-files",
  when: isTraining,
  run(s) {
    for (const n of ["optimizer.pt", "optimizer.bin", "scheduler.pt", "scaler.pt"]) {
      const e = s.fileMap.get(n);
      if (e && e.size === 0) {
        s.err("EMPTY_FILE", `${s.dir}/${n}: file is empty`, n);
        s.resumeBlocked = true;
      }
    }
  },
};

/** Optimizer state: missing is an error unless the run saved with `save_only_model=True` (a warning). */
export const optimizerRule: FolderRule = {
  id: "optimizer",
  when: isTraining,
  async run(s) {
    s.saveOnlyModel =
      (!s.hasOptimizer || !s.fileMap.has("scheduler.pt")) && s.fileMap.has("training_args.bin")
        ? await savedOnlyModel(s.ctx, joinPath(s.dir, "training_args.bin"))
        : false;
    if (s.saveOnlyModel) {
      // save_only_model=True: weights + trainer state by design; resuming starts a fresh optimizer
      s.warn(
        "SAVE_ONLY_MODEL",
        `${s.dir}: saved with save_only_model=True (training_args.bin): no optimizer, scheduler or RNG state; usable for inference, not for an exact resume`,
      );
      s.resumeBlocked = true;
    } else if (!s.hasOptimizer) {
      s.err(
        "OPTIMIZER_MISSING",
        `${s.dir}: no optimizer state (optimizer.pt); resuming would silently start a fresh optimizer`,
        "optimizer.pt",
      );
      s.resumeBlocked = true;
    }
  },
};

/** `scheduler.pt`: required by HF Trainer (it loads the optimizer only with it), a warning elsewhere. */
export const schedulerRule: FolderRule = {
  id: "scheduler",
  when: (s) => s.training && !s.fileMap.has("scheduler.pt") && !s.saveOnlyModel,
  run(s) {
    if (s.expect.requireScheduler && !s.deepSpeed.optimStates) {
      s.err(
        "SCHEDULER_MISSING",
        `${s.dir}: no scheduler.pt; HF loads optimizer state only when the scheduler is present too`,
        "scheduler.pt",
      );
      s.resumeBlocked = true;
    } else s.warn("SCHEDULER_MISSING", `${s.dir}: no scheduler.pt`, "scheduler.pt");
  },
};

/** `headers` level: zip end records of `optimizer.pt` and `scheduler.pt`. */
export const resumeHeadersRule: FolderRule = {
  id: "resume-headers",
  when: (s) => s.training && s.ctx.verify === "headers",
  async run(s) {
    for (const n of ["optimizer.pt", "scheduler.pt"]) {
      const e = s.fileMap.get(n);
      if (!e || e.size === 0) continue;
      const rep = await checkTorchZip(s.ctx.storage, joinPath(s.dir, n), {
        fileSize: e.size,
        verifyCrc: false,
        endRecordOnly: true,
      });
      if (!rep.ok) {
        s.problems.push(...rep.problems.filter((p) => p.severity === "error"));
        s.resumeBlocked = true;
      }
    }
  },
};

/** RNG state: one `rng_state_<rank>.pth` per rank (a missing one blocks resume), none is a warning. */
export const rngRule: FolderRule = {
  id: "rng",
  when: isTraining,
  run(s) {
    const ranks: number[] = [];
    let single = false;
    for (const name of s.fileMap.keys()) {
      const r = rngRank(name);
      if (r === null) single = true;
      else if (r !== undefined) ranks.push(r);
    }
    if (!single && !ranks.length && !s.saveOnlyModel) {
      s.warn("RNG_MISSING", `${s.dir}: no rng_state*.pth (reproducibility is not guaranteed)`);
      return;
    }
    if (!ranks.length) return;
    const world = Math.max(s.deepSpeed.world ?? 0, Math.max(...ranks) + 1);
    const have = new Set(ranks);
    for (let r = 0; r < world; r++) {
      if (have.has(r)) continue;
      s.err(
        "RNG_RANK_MISSING",
        `${s.dir}: rng_state_${r}.pth missing (expected one RNG file per rank, ${world} ranks)`,
        `rng_state_${r}.pth`,
      );
      s.resumeBlocked = true;
    }
  },
};
