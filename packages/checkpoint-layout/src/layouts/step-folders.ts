import { parseResponseLog, responseLogFileStep } from "@rlops/arc-eval/response-log";
import { analyzeModelFolder, listDir, tryListDir } from "../folder.js";
import { parseLenientJson } from "../json.js";
import { type CheckpointRole, compareStepText, type IgnoredEntry, normalizeDigits } from "../model.js";
import { type DirEntry, joinPath } from "../storage.js";
import { makeCheckpoint, prefixedStep, progressMap, type ScanOptions, type ScanResult } from "./common.js";

// ---------------------------------------------------------------- step folders

export async function scanStepFolders(
  opts: ScanOptions,
  root: string,
  rootEntries: DirEntry[],
): Promise<ScanResult> {
  const ignored: IgnoredEntry[] = [];
  const hasCkptDir = rootEntries.some((e) => e.type === "dir" && e.name === "checkpoints");
  const ckptRoot = hasCkptDir ? joinPath(root, "checkpoints") : root;
  const ckptEntries = hasCkptDir ? await listDir(opts, ckptRoot) : rootEntries;
  const prefix = hasCkptDir ? "checkpoints/" : "";
  const jobs: Array<{
    dir: string;
    name: string;
    step: string | null;
    role: CheckpointRole;
    entry: DirEntry;
  }> = [];
  for (const e of ckptEntries) {
    if (e.type !== "dir") continue;
    const s = prefixedStep(e.name, "step_") ?? prefixedStep(e.name, "step-");
    if (s !== null)
      jobs.push({
        dir: joinPath(ckptRoot, e.name),
        name: prefix + e.name,
        step: s,
        role: "intermediate",
        entry: e,
      });
    else if (e.name.startsWith("step"))
      ignored.push({ path: joinPath(ckptRoot, e.name), reason: "not a step_<N> folder" });
  }
  for (const e of rootEntries)
    if (e.type === "dir" && (e.name === "final_model" || e.name === "final"))
      jobs.push({ dir: joinPath(root, e.name), name: e.name, step: null, role: "final", entry: e });
  // response logs, keyed by step
  const logDir = joinPath(root, "logs", "responses");
  const logs = rootEntries.some((e) => e.name === "logs") ? await tryListDir(opts, logDir) : null;
  const logByStep = new Map<string, string>();
  for (const e of logs ?? []) {
    const step = e.type === "file" ? responseLogFileStep(e.name) : null;
    if (step !== null) logByStep.set(String(step), e.name);
  }
  const out = await progressMap(opts, jobs, async (job) => {
    const entries = await listDir(opts, job.dir);
    const a = await analyzeModelFolder(opts, job.dir, entries, {
      kind: "auto",
      expectedStep: job.step ?? undefined,
      requireTrainerState: false,
      requireScheduler: false,
    });
    const c = makeCheckpoint("step-folders", job.dir, job.name, job.role, job.step, a, {
      mtimeMs: job.entry.mtimeMs,
    });
    const logName = job.step === null ? undefined : logByStep.get(normalizeDigits(job.step));
    if (logName) {
      const file = joinPath(logDir, logName);
      try {
        const log = parseResponseLog(parseLenientJson(await opts.storage.readText(file), { source: file }), {
          source: file,
        });
        const acc = log.best_accuracy;
        if (typeof acc === "number") c.metrics = { ...c.metrics, best_accuracy: acc };
        if (compareStepText(String(log.step), job.step!) !== 0)
          c.problems.push({
            code: "RESPONSE_LOG_STEP_MISMATCH",
            message: `${file}: step is ${log.step}, file name says ${normalizeDigits(job.step!)}`,
            file,
            severity: "warning",
          });
      } catch (error) {
        ignored.push({ path: file, reason: `response log unreadable: ${(error as Error).message}` });
      }
    }
    return c;
  });
  return { root, checkpoints: out, ignored };
}
