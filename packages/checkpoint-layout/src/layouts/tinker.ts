import { tryListDir } from "../folder.js";
import { parseLenientJson } from "../json.js";
import { type Checkpoint, type CheckpointProblem, type IgnoredEntry, isDigits } from "../model.js";
import {
  type CheckpointRecord,
  finalCheckpointInfoSchema,
  parseCheckpointsJsonl,
  validateWithSchema,
} from "../schemas.js";
import { type DirEntry, joinPath } from "../storage.js";
import { parseTinkerPath } from "../tinker.js";
import { makeCheckpoint, type ScanOptions, type ScanResult } from "./common.js";

// ---------------------------------------------------------------- Tinker

type UriKind = "weights" | "sampler_weights";
/** Checks one `tinker://` address (shape, remote list, expiry); false with a problem when unusable. */
type CheckUri = (
  uri: string,
  kind: UriKind,
  what: string,
  problems: CheckpointProblem[],
  expiresAt?: string | null,
) => boolean;

function uriChecker(opts: ScanOptions): CheckUri {
  const now = opts.tinker?.now ?? Date.now();
  const remote = opts.tinker?.checkpoints
    ? new Map(opts.tinker.checkpoints.map((c) => [c.tinker_path, c]))
    : null;
  return (uri, kind, what, problems, expiresAt) => {
    const parsed = parseTinkerPath(uri);
    if (!parsed || parsed.checkpointId.split("/")[0] !== kind) {
      problems.push({
        code: "TINKER_PATH_INVALID",
        message: `${what}: "${uri}" is not tinker://<run-id>/${kind}/<name>`,
        severity: "error",
      });
      return false;
    }
    const r = remote?.get(uri);
    if (remote && !r) {
      problems.push({
        code: "TINKER_DELETED",
        message: `${what}: ${uri} is not in the remote checkpoint list (deleted or expired)`,
        severity: "error",
      });
      return false;
    }
    const exp = r?.expires_at ?? expiresAt;
    if (!exp) return true;
    const t = Date.parse(exp);
    if (!Number.isFinite(t) || t > now) return true;
    problems.push({
      code: "TINKER_EXPIRED",
      message: `${what}: ${uri} expired at ${exp}`,
      severity: "error",
    });
    return false;
  };
}

/** What later rows of `checkpoints.jsonl` say about earlier ones (read newest first). */
interface LaterRows {
  rolling: boolean;
  final: boolean;
}

/** One `checkpoints.jsonl` row as a checkpoint (rolling rows replaced by a later save are deleted). */
function rowCheckpoint(
  r: CheckpointRecord & { line: number },
  file: string,
  checkUri: CheckUri,
  later: LaterRows,
): Checkpoint {
  const probs: CheckpointProblem[] = [];
  const what = `${file}:${r.line} (${r.name})`;
  const isFinal = r.name === "final" || r.final === true;
  const stateOk = r.state_path ? checkUri(r.state_path, "weights", what, probs, r.expires_at) : false;
  const samplerOk = r.sampler_path
    ? checkUri(r.sampler_path, "sampler_weights", what, probs, r.expires_at)
    : false;
  let resume = stateOk;
  if (r.rolling === true && (later.rolling || later.final)) {
    probs.push({
      code: "TINKER_DELETED",
      message: `${what}: rolling checkpoint replaced by a later save (deleted server-side)`,
      severity: "error",
    });
    resume = false;
  }
  if (r.rolling === true) later.rolling = true;
  if (isFinal) later.final = true;
  if (!r.state_path && !r.sampler_path)
    probs.push({
      code: "TINKER_PATH_INVALID",
      message: `${what}: row has neither state_path nor sampler_path`,
      severity: "error",
    });
  const legacyStep = (r as Record<string, unknown>).step;
  const stepDigits = isDigits(r.name)
    ? r.name
    : typeof legacyStep === "number" && Number.isSafeInteger(legacyStep) && legacyStep >= 0 && !isFinal
      ? String(legacyStep)
      : null;
  const uris: { state?: string; sampler?: string } = {};
  if (r.state_path) uris.state = r.state_path;
  if (r.sampler_path) uris.sampler = r.sampler_path;
  const extra: Partial<Checkpoint> = { uris };
  if (typeof r.epoch === "number") extra.epoch = r.epoch;
  const metrics: Record<string, number> = {};
  for (const [k, v] of Object.entries(r))
    if (typeof v === "number" && !["batch", "epoch", "line", "step"].includes(k)) metrics[k] = v;
  if (typeof r.batch === "number") metrics.batch = r.batch;
  return makeCheckpoint(
    "tinker",
    r.state_path ?? r.sampler_path ?? `${file}:${r.line}`,
    r.name,
    isFinal ? "final" : "intermediate",
    stepDigits,
    {
      problems: probs,
      resume,
      inference: samplerOk,
      files: [],
      bytes: null,
      metrics: Object.keys(metrics).length ? metrics : undefined,
    },
    extra,
  );
}

/** The checkpoints of `checkpoints.jsonl`, oldest first; torn and superseded rows go to `ignored`. */
async function scanCheckpointsJsonl(
  opts: ScanOptions,
  base: string,
  checkUri: CheckUri,
  ignored: IgnoredEntry[],
): Promise<Checkpoint[]> {
  const file = joinPath(base, "checkpoints.jsonl");
  const { records, problems } = parseCheckpointsJsonl(await opts.storage.readText(file), file);
  for (const p of problems) ignored.push({ path: `${file}:${p.line}`, reason: `${p.code}: ${p.message}` });
  // later rows with the same name supersede earlier ones (restarts append again)
  const lastIndex = new Map<string, number>();
  for (const [i, r] of records.entries()) lastIndex.set(r.name, i);
  const later: LaterRows = { rolling: false, final: false };
  const built: Checkpoint[] = [];
  for (let i = records.length - 1; i >= 0; i--) {
    const r = records[i]!;
    if (lastIndex.get(r.name) !== i) {
      ignored.push({
        path: `${file}:${r.line}`,
        reason: `superseded by a later row named "${r.name}" (line ${records[lastIndex.get(r.name)!]!.line})`,
      });
      continue;
    }
    built.push(rowCheckpoint(r, file, checkUri, later));
  }
  return built.reverse();
}

/** The final checkpoint of `final_checkpoint_info.json`, unless `checkpoints.jsonl` already lists it. */
async function scanFinalInfo(
  opts: ScanOptions,
  base: string,
  checkUri: CheckUri,
  listed: Checkpoint[],
): Promise<Checkpoint | null> {
  const file = joinPath(base, "final_checkpoint_info.json");
  const info = validateWithSchema(
    finalCheckpointInfoSchema,
    parseLenientJson(await opts.storage.readText(file), { source: file }),
    file,
  );
  const state = info.checkpoints.final_state ?? undefined;
  const sampler = info.checkpoints.sampler_weights ?? undefined;
  if (listed.some((c) => (state && c.uris?.state === state) || (sampler && c.uris?.sampler === sampler)))
    return null;
  const probs: CheckpointProblem[] = [];
  const stateOk = state ? checkUri(state, "weights", file, probs) : false;
  const samplerOk = sampler ? checkUri(sampler, "sampler_weights", file, probs) : false;
  const uris: { state?: string; sampler?: string } = {};
  if (state) uris.state = state;
  if (sampler) uris.sampler = sampler;
  return makeCheckpoint(
    "tinker",
    state ?? sampler ?? file,
    "final_checkpoint_info",
    "final",
    null,
    {
      problems: probs,
      resume: stateOk,
      inference: samplerOk,
      files: ["final_checkpoint_info.json"],
      bytes: null,
    },
    { uris },
  );
}

/** Scans a Tinker run: `checkpoints.jsonl` rows and `final_checkpoint_info.json` (at the root or in `checkpoints/`). */
export async function scanTinker(
  opts: ScanOptions,
  root: string,
  rootEntries: DirEntry[],
): Promise<ScanResult> {
  const ignored: IgnoredEntry[] = [];
  let base = root;
  let names = new Set(rootEntries.filter((e) => e.type === "file").map((e) => e.name));
  if (!names.has("checkpoints.jsonl") && !names.has("final_checkpoint_info.json")) {
    base = joinPath(root, "checkpoints");
    names = new Set(
      ((await tryListDir(opts, base)) ?? []).filter((e) => e.type === "file").map((e) => e.name),
    );
  }
  const checkUri = uriChecker(opts);
  const out = names.has("checkpoints.jsonl") ? await scanCheckpointsJsonl(opts, base, checkUri, ignored) : [];
  if (names.has("final_checkpoint_info.json")) {
    try {
      const final = await scanFinalInfo(opts, base, checkUri, out);
      if (final) out.push(final);
    } catch (error) {
      ignored.push({ path: joinPath(base, "final_checkpoint_info.json"), reason: (error as Error).message });
    }
  }
  return { root: base, checkpoints: out, ignored };
}
