import { CheckpointError } from "../errors.js";
import { analyzeModelFolder, listDir } from "../folder.js";
import {
  type Checkpoint,
  type CheckpointRole,
  compareCheckpoints,
  compareStepText,
  type IgnoredEntry,
} from "../model.js";
import { readTrainingArgs, type TrainingArgs } from "../pickle/meta.js";
import { type DirEntry, joinPath, trimSlash } from "../storage.js";
import { makeCheckpoint, progressMap, type ScanOptions, type ScanResult } from "./common.js";

import { HF_RE_PREFIX, hfStep, ROOT_MODEL_FILES } from "./names.js";

// ---------------------------------------------------------------- Hugging Face

export async function scanHf(
  opts: ScanOptions,
  root: string,
  rootEntries: DirEntry[],
  prefix = "",
): Promise<ScanResult> {
  const ignored: IgnoredEntry[] = [];
  const jobs: Array<{ name: string; entry: DirEntry; step: string | null; role: CheckpointRole }> = [];
  const nested: DirEntry[] = [];
  for (const e of rootEntries) {
    if (e.type !== "dir") continue;
    const step = hfStep(e.name);
    if (step !== null) jobs.push({ name: e.name, entry: e, step, role: "intermediate" });
    else if (e.name === "final_checkpoint") jobs.push({ name: e.name, entry: e, step: null, role: "final" });
    else if (e.name === "last-checkpoint")
      jobs.push({ name: e.name, entry: e, step: null, role: "intermediate" });
    else if (e.name.startsWith("tmp-checkpoint-"))
      ignored.push({
        path: joinPath(root, e.name),
        reason: "staging folder of an interrupted save (tmp-checkpoint-*)",
      });
    else if (e.name.startsWith(HF_RE_PREFIX)) {
      const entry: IgnoredEntry = {
        path: joinPath(root, e.name),
        reason: "not a checkpoint-<N> folder (HF resume ignores it; save_total_limit may still rotate it)",
      };
      if (e.mtimeMs !== undefined) entry.mtimeMs = e.mtimeMs;
      ignored.push(entry);
    } else if (e.name.startsWith("run-") && !prefix) nested.push(e);
  }
  const checkpoints = await progressMap(opts, jobs, async (job) => {
    const dir = joinPath(root, job.name);
    const entries = await listDir(opts, dir);
    const a = await analyzeModelFolder(opts, dir, entries, {
      kind: job.role === "final" ? "auto" : "training",
      expectedStep: job.step ?? undefined,
      requireTrainerState: true,
      requireScheduler: true,
    });
    let stepDigits = job.step;
    if (stepDigits === null && job.name === "last-checkpoint" && a.globalStepText)
      stepDigits = a.globalStepText;
    // folder mtimes feed HF's mtime-ordered rotation; one stat per folder when sizes are read anyway
    const mtimeMs = job.entry.mtimeMs ?? (opts.sizes ? (await opts.storage.stat(dir))?.mtimeMs : undefined);
    const c = makeCheckpoint(
      "hf",
      dir,
      prefix + job.name,
      job.role,
      stepDigits,
      a,
      mtimeMs === undefined ? {} : { mtimeMs },
    );
    return { c, best: a.bestModelCheckpoint, gs: a.globalStepText, stopped: a.trainingStopped === true };
  });
  // the newest trainer_state names the best checkpoint
  let newest: { best?: string | null; gs?: string } | undefined;
  for (const r of checkpoints) if (r.gs && (!newest?.gs || compareStepText(r.gs, newest.gs) > 0)) newest = r;
  const out = checkpoints.map((r) => r.c);
  if (newest?.best) {
    const bestName = trimSlash(newest.best).split("/").pop();
    const match = out.find((c) => c.name === prefix + bestName);
    if (match) match.best = true;
  }
  // the newest numbered checkpoint of a run that ended there (max_steps reached, early stop) is final
  const numbered = checkpoints.filter((r) => r.c.stepText !== null && r.c.role === "intermediate");
  const last = numbered.reduce<(typeof numbered)[number] | undefined>(
    (a, b) => (!a || compareStepText(b.c.stepText!, a.c.stepText!) > 0 ? b : a),
    undefined,
  );
  // …unless the run has an explicit final save (final_checkpoint/, save_model() into the root)
  const explicitFinal =
    jobs.some((j) => j.role === "final") ||
    rootEntries.some((e) => e.type === "file" && ROOT_MODEL_FILES.includes(e.name));
  if (last?.stopped && !explicitFinal && !prefix) last.c.role = "final";
  const trainingArgs = prefix
    ? undefined
    : await runTrainingArgs(
        opts,
        root,
        rootEntries,
        numbered.map((r) => r.c),
      );
  // root-level save_model() output
  if (!prefix && rootEntries.some((e) => e.type === "file" && ROOT_MODEL_FILES.includes(e.name))) {
    const a = await analyzeModelFolder(
      opts,
      root,
      rootEntries.filter((e) => e.type === "file"),
      { kind: "export", requireTrainerState: false, requireScheduler: false },
    );
    out.push(makeCheckpoint("hf", root, ".", "final", null, a));
  }
  for (const n of nested) {
    const sub = joinPath(root, n.name);
    const r = await scanHf(opts, sub, await listDir(opts, sub), `${n.name}/`);
    out.push(...r.checkpoints);
    ignored.push(...r.ignored);
  }
  return { root, checkpoints: out, ignored, ...(trainingArgs ? { trainingArgs } : {}) };
}

/** The run's own `training_args.bin`: the newest checkpoint's, else the root's (`save_model()`). */
async function runTrainingArgs(
  opts: ScanOptions,
  root: string,
  rootEntries: DirEntry[],
  numbered: Checkpoint[],
): Promise<TrainingArgs | undefined> {
  const sorted = [...numbered].sort(compareCheckpoints).reverse();
  const paths = sorted
    .filter((c) => c.files.includes("training_args.bin"))
    .map((c) => joinPath(c.location, "training_args.bin"));
  if (rootEntries.some((e) => e.type === "file" && e.name === "training_args.bin"))
    paths.push(joinPath(root, "training_args.bin"));
  for (const p of paths.slice(0, 2)) {
    try {
      return await readTrainingArgs(opts.storage, p);
    } catch (error) {
      if (!CheckpointError.isInstance(error)) throw error;
    }
  }
  return undefined;
}
