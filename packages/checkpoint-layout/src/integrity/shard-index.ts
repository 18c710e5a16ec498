import { parseLenientJson } from "../json.js";
import type { CheckpointProblem } from "../model.js";
import { joinPath, type Storage } from "../storage.js";
import { checkSafetensors } from "./safetensors.js";

/** An index file's `weight_map` parsed and checked for safe shard names. */
export interface ShardIndex {
  totalSize?: number;
  weightMap: Record<string, string>;
  shards: string[];
}

/** Parses `model.safetensors.index.json` / `pytorch_model.bin.index.json` text; problems for bad content. */
export function parseShardIndex(
  text: string,
  file: string,
  problems: CheckpointProblem[],
): ShardIndex | null {
  let value: unknown;
  try {
    value = parseLenientJson(text, { source: file });
  } catch (error) {
    problems.push({
      code: "INDEX_INVALID",
      message: String((error as Error).message),
      file,
      severity: "error",
    });
    return null;
  }
  const v = value as { weight_map?: unknown; metadata?: { total_size?: unknown } };
  if (typeof v !== "object" || v === null || typeof v.weight_map !== "object" || v.weight_map === null) {
    problems.push({ code: "INDEX_INVALID", message: `${file}: missing weight_map`, file, severity: "error" });
    return null;
  }
  const weightMap: Record<string, string> = {};
  const shards = new Set<string>();
  for (const [k, s] of Object.entries(v.weight_map as Record<string, unknown>)) {
    if (typeof s !== "string") {
      problems.push({
        code: "INDEX_INVALID",
        message: `${file}: weight_map["${k}"] is not a string`,
        file,
        severity: "error",
      });
      continue;
    }
    if (s === "" || s.startsWith("/") || s.split(/[\\/]/).includes("..")) {
      problems.push({
        code: "INDEX_INVALID",
        message: `${file}: shard "${s}" escapes the checkpoint folder`,
        file,
        severity: "error",
      });
      continue;
    }
    weightMap[k] = s;
    shards.add(s);
  }
  const ts = v.metadata?.total_size;
  return { totalSize: typeof ts === "number" ? ts : undefined, weightMap, shards: [...shards].sort() };
}

/**
 * Deep index check: every tensor named in `weight_map` is in its shard's header, every shard tensor is
 * listed, and `metadata.total_size` equals the summed tensor data bytes.
 */
export async function checkShardedSafetensors(
  storage: Storage,
  dir: string,
  index: ShardIndex,
  indexFile: string,
): Promise<CheckpointProblem[]> {
  const problems: CheckpointProblem[] = [];
  let total = 0;
  for (const shard of index.shards) {
    const path = joinPath(dir, shard);
    const stat = await storage.stat(path);
    if (!stat) {
      problems.push({
        code: "SHARD_MISSING",
        message: `${indexFile}: shard ${shard} is missing`,
        file: path,
        severity: "error",
      });
      continue;
    }
    const rep = await checkSafetensors(storage, path, stat.size);
    problems.push(...rep.problems);
    if (!rep.ok) continue;
    total += rep.dataBytes;
    const inShard = new Set(rep.tensors.map((t) => t.name));
    for (const [name, s] of Object.entries(index.weightMap)) {
      if (s === shard && !inShard.has(name))
        problems.push({
          code: "INDEX_MISMATCH",
          message: `${indexFile}: "${name}" is mapped to ${shard} but not in its header`,
          file: path,
          severity: "error",
        });
    }
    for (const name of inShard) {
      if (index.weightMap[name] !== shard)
        problems.push({
          code: "INDEX_MISMATCH",
          message: `${shard}: tensor "${name}" is not mapped to this shard in ${indexFile}`,
          file: path,
          severity: "error",
        });
    }
  }
  if (!problems.length && index.totalSize !== undefined && index.totalSize !== total)
    problems.push({
      code: "INDEX_MISMATCH",
      message: `${indexFile}: metadata.total_size is ${index.totalSize} but shards hold ${total} tensor bytes`,
      file: joinPath(dir, indexFile),
      severity: "error",
    });
  return problems;
}
