import { type ScanContext, tryListDir } from "../folder.js";
import type { Layout } from "../model.js";
import { type DirEntry, joinPath } from "../storage.js";
import { findArealRoots } from "./areal.js";
import { prefixedStep } from "./common.js";
import { DCP_PARENTS, isDcpFolder } from "./dcp.js";
import { hasLightningCheckpoints } from "./lightning.js";
import { hfStep, parseArealName } from "./names.js";

// ---------------------------------------------------------------- detection

/** One layout that matched, with the evidence. */
export interface LayoutCandidate {
  layout: Layout;
  score: number;
  evidence: string[];
}

/** Result of `detectLayout`. */
export interface LayoutDetection {
  /** Best match, or `null` when nothing matched. */
  layout: Layout | null;
  root: string;
  candidates: LayoutCandidate[];
}

/** Scores every layout against `dir`'s entries (and `checkpoints/` one level down). */
export async function detectFromEntries(
  opts: ScanContext,
  root: string,
  entries: DirEntry[],
): Promise<LayoutDetection> {
  const scores = new Map<Layout, LayoutCandidate>();
  const add = (layout: Layout, score: number, why: string) => {
    const c = scores.get(layout) ?? { layout, score: 0, evidence: [] };
    c.score += score;
    if (c.evidence.length < 5) c.evidence.push(why);
    scores.set(layout, c);
  };
  const scan = (list: DirEntry[], where: string) => {
    for (const e of list) {
      const n = e.name;
      if (e.type === "dir") {
        if (hfStep(n) !== null) add("hf", 10, `${where}${n}/`);
        else if (n === "final_checkpoint" || n.startsWith("tmp-checkpoint-")) add("hf", 5, `${where}${n}/`);
        else if (parseArealName(n)) add("areal", 10, `${where}${n}/`);
        else if (n === "recover_info" || n === "recover_checkpoint") add("areal", 8, `${where}${n}/`);
        else if (prefixedStep(n, "stage_") !== null) add("staged", 10, `${where}${n}/`);
        else if (n === "best" || n === "final") add("staged", 2, `${where}${n}/`);
        else if (prefixedStep(n, "step_") !== null || prefixedStep(n, "step-") !== null)
          add("step-folders", 9, `${where}${n}/`);
        else if (n === "final_model") add("step-folders", 5, `${where}${n}/`);
        else if (prefixedStep(n, "global_step") !== null) add("deepspeed", 10, `${where}${n}/`);
        else if (n === "lightning_logs") add("lightning", 6, `${where}${n}/`);
      } else if (e.type === "file") {
        if (n === "checkpoints.jsonl" || n === "final_checkpoint_info.json")
          add("tinker", 20, `${where}${n}`);
        else if (n.endsWith(".ckpt")) add("lightning", 10, `${where}${n}`);
        else if (n === "latest" && !where) add("deepspeed", 3, n);
        else if ((n === ".metadata" || n.endsWith(".distcp")) && !where) add("dcp", 10, n);
      }
    }
  };
  scan(entries, "");
  const dirs = entries.filter((e) => e.type === "dir");
  for (const sub of ["checkpoints", "logs"]) {
    if (!dirs.some((e) => e.name === sub)) continue;
    const list = await tryListDir({ ...opts, sizes: false }, joinPath(root, sub));
    if (!list) continue;
    if (sub === "logs") {
      if (list.some((e) => e.name === "responses")) add("step-folders", 4, "logs/responses/");
      continue;
    }
    scan(list, "checkpoints/");
    // AReaL fileroot: checkpoints/<user>/<experiment>/<trial>
    if (!scores.size || [...scores.keys()].every((l) => l === "step-folders")) {
      const found = await findArealRoots({ ...opts, sizes: false }, joinPath(root, sub), list, 1);
      if (found.length)
        add("areal", 10, `checkpoints/…/${found[0]!.saveRoot.split("/").slice(-3).join("/")}`);
    }
  }
  // torch.distributed.checkpoint step folders (often named step-N, like plain step folders): at the
  // root or in the torchtitan layout outputs/checkpoint/step-N/. DCP files are decisive.
  const dcpWhere: Array<{ base: string; list: DirEntry[] }> = [{ base: "", list: entries }];
  for (const parent of DCP_PARENTS) {
    const first = parent.split("/")[0]!;
    if (!dirs.some((e) => e.name === first)) continue;
    const list = await tryListDir({ ...opts, sizes: false }, joinPath(root, parent));
    if (list) dcpWhere.push({ base: `${parent}/`, list });
  }
  for (const { base, list } of dcpWhere) {
    const stepDir = list.find(
      (e) =>
        e.type === "dir" &&
        (prefixedStep(e.name, "step_") !== null || prefixedStep(e.name, "step-") !== null),
    );
    if (!stepDir) continue;
    const inner = await tryListDir({ ...opts, sizes: false }, joinPath(root, base + stepDir.name));
    if (inner && isDcpFolder(inner)) {
      add("dcp", 100, `${base}${stepDir.name}/.metadata`);
      break;
    }
  }
  if (!scores.size && dirs.length && dirs.length <= 64) {
    // DCP step folders, AReaL save roots, HP-search run-* folders
    for (const d of dirs) {
      const list = await tryListDir({ ...opts, sizes: false }, joinPath(root, d.name));
      if (!list) continue;
      if (list.some((e) => e.type === "file" && e.name === ".metadata")) add("dcp", 5, `${d.name}/.metadata`);
      if (list.some((e) => e.type === "dir" && (parseArealName(e.name) || e.name === "recover_checkpoint")))
        add("areal", 8, `${d.name}/`);
      if (d.name.startsWith("run-") && list.some((e) => e.type === "dir" && hfStep(e.name) !== null))
        add("hf", 8, `${d.name}/checkpoint-*`);
    }
  }
  if (!scores.size && dirs.length) {
    // Lightning checkpoints under any logger name: <name>/version_N/checkpoints/*.ckpt
    const where = await hasLightningCheckpoints({ ...opts, sizes: false }, root, entries);
    if (where) add("lightning", 10, where);
  }
  const candidates = [...scores.values()].sort((a, b) => b.score - a.score);
  return { layout: candidates[0]?.layout ?? null, root, candidates };
}
