import type { CheckpointProblem } from "../model.js";
import { compareStepText, isDigits } from "../model.js";
import { type DirEntry, joinPath } from "../storage.js";
import { type ScanContext, tryListDir } from "./context.js";

/** What {@link analyzeDeepSpeed} found. */
export interface DeepSpeedAnalysis {
  /** Model states present (ZeRO per rank or `mp_rank_*`). */
  modelStates: boolean;
  /** ZeRO optimizer states present. */
  optimStates: boolean;
  /** Data-parallel world size the rank files imply, `null` when none. */
  world: number | null;
  /** Summed size of the tag folder's files. */
  bytes: number;
}

/** DeepSpeed `latest` + `global_stepN/` checks inside `dir`. */
export async function analyzeDeepSpeed(
  ctx: ScanContext,
  dir: string,
  entries: DirEntry[],
  problems: CheckpointProblem[],
  files: string[],
  forcedTag?: string,
): Promise<DeepSpeedAnalysis> {
  const out: DeepSpeedAnalysis = { modelStates: false, optimStates: false, world: null, bytes: 0 };
  const latest = entries.find((e) => e.type === "file" && e.name === "latest");
  let tag: string | null = null;
  if (forcedTag !== undefined) tag = forcedTag;
  else if (latest) {
    tag = (await ctx.storage.readText(joinPath(dir, "latest"))).trim();
  } else {
    const tags = entries.filter(
      (e) => e.type === "dir" && e.name.startsWith("global_step") && isDigits(e.name.slice(11)),
    );
    if (!tags.length) return out;
    problems.push({
      code: "DEEPSPEED_LATEST_MISSING",
      message: `${dir}: global_step* folder without a DeepSpeed 'latest' file (save interrupted?)`,
      file: joinPath(dir, "latest"),
      severity: "error",
    });
    tags.sort((a, b) => compareStepText(a.name.slice(11), b.name.slice(11)));
    tag = tags[tags.length - 1]!.name;
  }
  if (!tag || tag.includes("/") || tag === "..") {
    problems.push({
      code: "DEEPSPEED_TAG_MISSING",
      message: `${dir}/latest: names no usable tag (${JSON.stringify(tag)})`,
      file: joinPath(dir, "latest"),
      severity: "error",
    });
    return out;
  }
  const tagEntries = entries.some((e) => e.type === "dir" && e.name === tag)
    ? await tryListDir(ctx, joinPath(dir, tag))
    : null;
  if (!tagEntries) {
    problems.push({
      code: "DEEPSPEED_TAG_MISSING",
      message: `${dir}/latest points to "${tag}", which does not exist`,
      file: joinPath(dir, tag),
      severity: "error",
    });
    return out;
  }
  const model = new Set<number>();
  const optim = new Set<number>();
  let mpOnly = false;
  for (const e of tagEntries) {
    if (e.type !== "file") continue;
    files.push(`${tag}/${e.name}`);
    out.bytes += e.size ?? 0;
    const n = e.name;
    if (n.startsWith("zero_pp_rank_") && n.endsWith("_model_states.pt"))
      model.add(Number(n.slice(13, n.indexOf("_", 13))));
    else if (n.startsWith("mp_rank_") && n.endsWith("_model_states.pt")) mpOnly = true;
    const o = n.startsWith("bf16_") ? n.slice(5) : n;
    if (o.startsWith("zero_pp_rank_") && o.endsWith("_optim_states.pt"))
      optim.add(Number(o.slice(13, o.indexOf("_", 13))));
    if (e.size === 0)
      problems.push({
        code: "EMPTY_FILE",
        message: `${dir}/${tag}/${n}: file is empty`,
        file: joinPath(dir, tag, n),
        severity: "error",
      });
  }
  out.modelStates = model.size > 0 || mpOnly;
  if (!out.modelStates)
    problems.push({
      code: "DEEPSPEED_RANK_MISSING",
      message: `${dir}/${tag}: no *_model_states.pt file`,
      file: joinPath(dir, tag),
      severity: "error",
    });
  const allRanks = [...optim, ...model];
  const world = allRanks.length ? Math.max(...allRanks) + 1 : null;
  out.world = world;
  if (world !== null) {
    for (let r = 0; r < world; r++) {
      if (!optim.has(r))
        problems.push({
          code: "DEEPSPEED_RANK_MISSING",
          message: `${dir}/${tag}: optimizer state of data-parallel rank ${r} is missing (zero_pp_rank_${r}_mp_rank_00_optim_states.pt)`,
          file: joinPath(dir, tag),
          severity: "error",
        });
      if (model.size && !model.has(r))
        problems.push({
          code: "DEEPSPEED_RANK_MISSING",
          message: `${dir}/${tag}: model state of rank ${r} is missing`,
          file: joinPath(dir, tag),
          severity: "error",
        });
    }
  }
  out.optimStates = optim.size > 0;
  return out;
}
