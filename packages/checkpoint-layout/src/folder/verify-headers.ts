import { checkDcpRanges } from "../dcp.js";
import { checkSafetensors, checkTorchZip } from "../integrity.js";
import type { Checkpoint, CheckpointProblem } from "../model.js";
import { joinPath, type Storage } from "../storage.js";

const RESUME_ZIPS = new Set(["optimizer.pt", "scheduler.pt", "discriminator.pt"]);
const WEIGHT_ZIPS = new Set(["pytorch_model.bin", "generator.pt", "adapter_model.bin"]);

/**
 * Header-level checks of one already listed checkpoint (safetensors headers, zip end records,
 * AReaL `dataloader_info.pkl` STOP byte). Appends problems and clears the capabilities they break.
 * Used by `latestCheckpoint` to verify only the candidates it walks.
 */
export async function verifyCheckpointHeaders(storage: Storage, c: Checkpoint): Promise<void> {
  if (c.layout === "tinker") return;
  const add = (problems: CheckpointProblem[], breaks: "both" | "resume") => {
    const errors = problems.filter((p) => p.severity === "error");
    if (!errors.length) return;
    c.problems.push(...errors);
    c.complete = false;
    c.capabilities.resume = false;
    if (breaks === "both") c.capabilities.inference = false;
  };
  if (c.layout === "dcp" || (c.role === "recover" && c.files.includes(".metadata"))) {
    add(await checkDcpRanges(storage, c.location), "both");
    if (c.layout === "dcp") return;
  }
  if (c.layout === "lightning") {
    add(
      (await checkTorchZip(storage, c.location, { verifyCrc: false, endRecordOnly: true })).problems,
      "both",
    );
    return;
  }
  for (const f of c.files) {
    if (f.includes("/")) continue;
    const path = joinPath(c.location, f);
    if (f.endsWith(".safetensors")) add((await checkSafetensors(storage, path)).problems, "both");
    else if (RESUME_ZIPS.has(f) || WEIGHT_ZIPS.has(f))
      add(
        (await checkTorchZip(storage, path, { verifyCrc: false, endRecordOnly: true })).problems,
        WEIGHT_ZIPS.has(f) ? "both" : "resume",
      );
  }
  if (c.role === "recover") {
    if (c.files.some((f) => f.endsWith("recover_info/dataloader_info.pkl"))) {
      for (const up of [["..", ".."], [".."]]) {
        const real = normalizeDots(joinPath(c.location, ...up, "recover_info", "dataloader_info.pkl"));
        const s = await storage.stat(real);
        if (!s) continue;
        if (s.size > 0) {
          const last = await storage.read(real, { start: s.size - 1, end: s.size });
          if (last[0] !== 0x2e)
            add(
              [
                {
                  code: "PICKLE_NO_STOP",
                  message: `${real}: does not end with the pickle STOP opcode (truncated?)`,
                  file: real,
                  severity: "error",
                },
              ],
              "resume",
            );
        }
        break;
      }
    }
  }
}

function normalizeDots(path: string): string {
  const out: string[] = [];
  for (const seg of path.split("/")) {
    if (seg === "..") out.pop();
    else if (seg !== ".") out.push(seg);
  }
  return out.join("/") || "/";
}
