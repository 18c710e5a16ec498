import { analyzeDeepSpeed, listDir } from "../folder.js";
import { type CheckpointProblem, compareStepText, type IgnoredEntry } from "../model.js";
import { type DirEntry, joinPath } from "../storage.js";
import { makeCheckpoint, prefixedStep, progressMap, type ScanOptions, type ScanResult } from "./common.js";

// ---------------------------------------------------------------- DeepSpeed and DCP

export async function scanDeepSpeed(
  opts: ScanOptions,
  root: string,
  rootEntries: DirEntry[],
): Promise<ScanResult> {
  const ignored: IgnoredEntry[] = [];
  const latestEntry = rootEntries.find((e) => e.type === "file" && e.name === "latest");
  const latestTag = latestEntry ? (await opts.storage.readText(joinPath(root, "latest"))).trim() : null;
  const tags = rootEntries.filter((e) => e.type === "dir" && prefixedStep(e.name, "global_step") !== null);
  if (latestTag !== null && !tags.some((t) => t.name === latestTag))
    ignored.push({
      path: joinPath(root, "latest"),
      reason: `points to "${latestTag}", which does not exist`,
    });
  const latestStep = latestTag ? prefixedStep(latestTag, "global_step") : null;
  const out = await progressMap(opts, tags, async (t) => {
    const dir = joinPath(root, t.name);
    const step = prefixedStep(t.name, "global_step")!;
    const entries = await listDir(opts, dir);
    const problems: CheckpointProblem[] = [];
    const files: string[] = [];
    // analyse the tag folder as if `latest` pointed at it
    const ds = await analyzeDeepSpeed(opts, root, [t], problems, files, t.name);
    if (latestTag === null)
      problems.push({
        code: "DEEPSPEED_LATEST_MISSING",
        message: `${root}: no 'latest' file; DeepSpeed cannot pick a tag`,
        file: joinPath(root, "latest"),
        severity: "warning",
      });
    else if (latestStep !== null && compareStepText(step, latestStep) > 0)
      problems.push({
        code: "DEEPSPEED_NOT_COMMITTED",
        message: `${dir}: newer than the tag in 'latest' (${latestTag}); the save did not finish`,
        file: dir,
        severity: "error",
      });
    const okNoErr = !problems.some((p) => p.severity === "error");
    let bytes: number | null = opts.sizes ? 0 : null;
    for (const e of entries) if (bytes !== null && e.type === "file") bytes += e.size ?? 0;
    return makeCheckpoint(
      "deepspeed",
      dir,
      t.name,
      "intermediate",
      step,
      {
        problems,
        resume: okNoErr && ds.modelStates && ds.optimStates,
        inference: okNoErr && ds.modelStates,
        files: files.map((f) => f.slice(t.name.length + 1)),
        bytes,
      },
      { mtimeMs: t.mtimeMs },
    );
  });
  return { root, checkpoints: out, ignored };
}
