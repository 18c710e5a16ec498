import type { CheckpointProblem } from "../model.js";
import { type DirEntry, joinPath } from "../storage.js";

/** DCP folder checks (`.metadata` commit marker, no `.metadata.tmp`, `.distcp` data). */
export function checkDcpEntries(dir: string, entries: DirEntry[], problems: CheckpointProblem[]): boolean {
  const names = new Set(entries.filter((e) => e.type === "file").map((e) => e.name));
  let ok = true;
  if (names.has(".metadata.tmp")) {
    problems.push({
      code: "DCP_WRITE_IN_PROGRESS",
      message: `${dir}: .metadata.tmp present (torch.distributed.checkpoint save not finished)`,
      file: joinPath(dir, ".metadata.tmp"),
      severity: "error",
    });
    ok = false;
  }
  const meta = entries.find((e) => e.name === ".metadata" && e.type === "file");
  if (!meta) {
    problems.push({
      code: "DCP_METADATA_MISSING",
      message: `${dir}: no .metadata (the DCP commit marker)`,
      file: joinPath(dir, ".metadata"),
      severity: "error",
    });
    ok = false;
  } else if (meta.size === 0) {
    problems.push({
      code: "EMPTY_FILE",
      message: `${dir}/.metadata is empty`,
      file: joinPath(dir, ".metadata"),
      severity: "error",
    });
    ok = false;
  }
  if (![...names].some((n) => n.endsWith(".distcp"))) {
    problems.push({
      code: "DCP_DATA_MISSING",
      message: `${dir}: no __<rank>_<n>.distcp data file`,
      file: dir,
      severity: "error",
    });
    ok = false;
  }
  return ok;
}
