import { CheckpointError } from "./errors.js";
import type { CheckpointProblem } from "./model.js";
import { readDcpMetadata } from "./pickle/meta.js";
import { type DirEntry, joinPath, type Storage } from "./storage.js";

/**
 * Checks the byte ranges a torch.distributed.checkpoint `.metadata` names: every data file exists
 * and is at least as long as the furthest `offset + length` it lists (what `dcp.load` reads).
 * Problems: `DCP_METADATA_INVALID` (the pickle is unreadable, e.g. truncated), `DCP_DATA_MISSING`,
 * `DCP_DATA_TRUNCATED`. Returns no problems when `.metadata` is absent (that is
 * `DCP_METADATA_MISSING`, reported by the presence checks).
 */
export async function checkDcpRanges(
  storage: Storage,
  dir: string,
  entries?: DirEntry[],
): Promise<CheckpointProblem[]> {
  const metaPath = joinPath(dir, ".metadata");
  const list = entries ?? (await storage.list(dir));
  if (!list.some((e) => e.type === "file" && e.name === ".metadata")) return [];
  const problems: CheckpointProblem[] = [];
  let files: Record<string, number>;
  try {
    files = (await readDcpMetadata(storage, metaPath)).files;
  } catch (error) {
    if (!CheckpointError.isInstance(error)) throw error;
    return [
      {
        code: "DCP_METADATA_INVALID",
        message: `${metaPath}: unreadable (${error.message}); dcp.load would fail`,
        file: metaPath,
        severity: "error",
      },
    ];
  }
  const byName = new Map(list.filter((e) => e.type === "file").map((e) => [e.name, e]));
  for (const [rel, end] of Object.entries(files)) {
    const path = joinPath(dir, rel);
    const e = rel.includes("/") ? undefined : byName.get(rel);
    const size = e?.size ?? (await storage.stat(path))?.size;
    if (size === undefined)
      problems.push({
        code: "DCP_DATA_MISSING",
        message: `${path}: named by .metadata but missing`,
        file: path,
        severity: "error",
      });
    else if (size < end)
      problems.push({
        code: "DCP_DATA_TRUNCATED",
        message: `${path}: ${size} bytes, but .metadata lists byte ranges up to ${end} (truncated)`,
        file: path,
        severity: "error",
      });
  }
  return problems;
}
