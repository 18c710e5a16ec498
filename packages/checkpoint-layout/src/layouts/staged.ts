import { listDir } from "../folder.js";
import { checkTorchZip } from "../integrity.js";
import { parseLenientJson } from "../json.js";
import type { CheckpointProblem, CheckpointRole, IgnoredEntry } from "../model.js";
import { type DirEntry, joinPath } from "../storage.js";
import { makeCheckpoint, prefixedStep, progressMap, type ScanOptions, type ScanResult } from "./common.js";

// ---------------------------------------------------------------- staged trainer

function flattenNumbers(value: unknown, prefix: string, out: Record<string, number>, depth = 0): void {
  if (depth > 4) return;
  if (typeof value === "number") out[prefix] = value;
  else if (typeof value === "object" && value !== null && !Array.isArray(value))
    for (const [k, v] of Object.entries(value))
      flattenNumbers(v, prefix ? `${prefix}.${k}` : k, out, depth + 1);
}

export async function scanStaged(
  opts: ScanOptions,
  root: string,
  rootEntries: DirEntry[],
): Promise<ScanResult> {
  const hasCkptDir =
    rootEntries.some((e) => e.type === "dir" && e.name === "checkpoints") &&
    !rootEntries.some((e) => e.type === "dir" && prefixedStep(e.name, "stage_"));
  const base = hasCkptDir ? joinPath(root, "checkpoints") : root;
  const entries = hasCkptDir ? await listDir(opts, base) : rootEntries;
  const prefix = hasCkptDir ? "checkpoints/" : "";
  const ignored: IgnoredEntry[] = [];
  const jobs: Array<{ e: DirEntry; step: string | null; role: CheckpointRole }> = [];
  for (const e of entries) {
    if (e.type !== "dir") continue;
    const s = prefixedStep(e.name, "stage_");
    if (s !== null) jobs.push({ e, step: s, role: "intermediate" });
    else if (e.name === "best") jobs.push({ e, step: null, role: "best" });
    else if (e.name === "final") jobs.push({ e, step: null, role: "final" });
    else if (e.name.startsWith("stage"))
      ignored.push({ path: joinPath(base, e.name), reason: "not a stage_<N> folder" });
  }
  const out = await progressMap(opts, jobs, async (job) => {
    const dir = joinPath(base, job.e.name);
    const list = await listDir(opts, dir);
    const files = new Map(list.filter((x) => x.type === "file").map((x) => [x.name, x]));
    const problems: CheckpointProblem[] = [];
    const bad = new Set<string>();
    for (const req of ["generator.pt", "discriminator.pt"]) {
      const f = files.get(req);
      if (!f) {
        problems.push({
          code: "STAGED_FILE_MISSING",
          message: `${dir}: ${req} missing`,
          file: joinPath(dir, req),
          severity: "error",
        });
        bad.add(req);
      } else if (f.size === 0) {
        problems.push({
          code: "EMPTY_FILE",
          message: `${dir}/${req}: file is empty`,
          file: joinPath(dir, req),
          severity: "error",
        });
        bad.add(req);
      } else if (opts.verify === "headers") {
        const rep = await checkTorchZip(opts.storage, joinPath(dir, req), {
          fileSize: f.size,
          verifyCrc: false,
          endRecordOnly: true,
        });
        if (!rep.ok) {
          problems.push(...rep.problems.filter((p) => p.severity === "error"));
          bad.add(req);
        }
      }
    }
    const metaName = job.role === "final" ? "training_config.json" : "metrics.json";
    let metrics: Record<string, number> | undefined;
    if (!files.has(metaName))
      problems.push({
        code: "METADATA_MISSING",
        message: `${dir}: ${metaName} missing`,
        file: joinPath(dir, metaName),
        severity: "warning",
      });
    else {
      try {
        const v = parseLenientJson(await opts.storage.readText(joinPath(dir, metaName)), {
          source: joinPath(dir, metaName),
        });
        if (typeof v !== "object" || v === null || Array.isArray(v))
          throw new Error(`${joinPath(dir, metaName)}: not a JSON object`);
        if (metaName === "metrics.json") {
          const m: Record<string, number> = {};
          flattenNumbers(v, "", m);
          if (Object.keys(m).length) metrics = m;
        }
      } catch (error) {
        problems.push({
          code: "METADATA_INVALID",
          message: (error as Error).message,
          file: joinPath(dir, metaName),
          severity: "warning",
        });
      }
    }
    let bytes: number | null = opts.sizes ? 0 : null;
    for (const x of list) if (bytes !== null && x.type === "file") bytes += x.size ?? 0;
    return makeCheckpoint(
      "staged",
      dir,
      prefix + job.e.name,
      job.role,
      job.step,
      {
        problems,
        resume: bad.size === 0,
        inference: !bad.has("generator.pt"),
        files: list.map((x) => (x.type === "dir" ? `${x.name}/` : x.name)),
        bytes,
        metrics,
      },
      { mtimeMs: job.e.mtimeMs, ...(job.role === "best" ? { best: true } : {}) },
    );
  });
  return { root, checkpoints: out, ignored };
}
