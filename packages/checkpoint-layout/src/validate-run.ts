import { checkLayout, listCheckpoints, requireStorage } from "./api.js";
import { CheckpointError } from "./errors.js";
import type { Layout } from "./model.js";
import { baseName, mapLimit, trimSlash } from "./storage.js";
import { type ValidateOptions, type ValidationReport, validateCheckpoint } from "./validate-checkpoint.js";

/** Result of {@link validateRun}. */
export interface RunValidationReport {
  root: string;
  layout: Layout;
  /** True when the run has at least one checkpoint and none has an error problem. */
  ok: boolean;
  deep: boolean;
  /** One report per checkpoint, oldest → newest. */
  checkpoints: ValidationReport[];
  /** Names of the checkpoints with error problems. */
  invalid: string[];
}

/**
 * Validates every checkpoint of a run directory (shallow or deep), listing the run once. `ok` is
 * false when any checkpoint has an error problem, and when the run holds no checkpoint at all.
 */
export async function validateRun(dir: string, options: ValidateOptions): Promise<RunValidationReport> {
  const storage = requireStorage(options);
  const listing = await listCheckpoints(dir, {
    storage,
    layout: checkLayout(options.layout),
    verify: "headers",
  });
  const reports = await mapLimit(listing.checkpoints, 4, (c) =>
    c.location.includes("://")
      ? Promise.resolve<ValidationReport>({
          location: c.location,
          ok: c.complete,
          deep: false,
          checkpoint: c,
          problems: c.problems,
          checked: [{ file: c.location, kind: "layout", ok: c.complete }],
        })
      : validateCheckpoint(c.location, { ...options, storage, checkpoint: c }).catch(
          (error: unknown): ValidationReport => {
            // an unreadable file met by the deep checks is a problem on this checkpoint, not the run
            if (!CheckpointError.isInstance(error) || error.code !== "STORAGE_ERROR") throw error;
            const problem = {
              code: "UNREADABLE" as const,
              message: `${error.message}; fix its permissions or storage`,
              file: typeof error.details.path === "string" ? error.details.path : c.location,
              severity: "error" as const,
            };
            return {
              location: c.location,
              ok: false,
              deep: options.deep ?? false,
              checkpoint: c,
              problems: [...c.problems, problem],
              checked: [{ file: c.location, kind: "layout", ok: false }],
            };
          },
        ),
  );
  const invalid = reports.filter((r) => !r.ok).map((r) => r.checkpoint?.name ?? r.location);
  return {
    root: listing.root,
    layout: listing.layout,
    ok: reports.length > 0 && invalid.length === 0,
    deep: options.deep ?? false,
    checkpoints: reports,
    invalid,
  };
}

/** What {@link validatePath} validated. */
export type PathValidation =
  | { kind: "run"; run: RunValidationReport }
  | { kind: "checkpoint"; report: ValidationReport };

/**
 * Validates `path` as a run directory when it is the root of one (a listing finds checkpoints
 * other than the folder itself; never for an HF `checkpoint-N` folder), else as one checkpoint
 * folder or file. The one rule `rlops ckpt validate` uses.
 */
export async function validatePath(path: string, options: ValidateOptions): Promise<PathValidation> {
  const storage = requireStorage(options);
  const location = trimSlash(path);
  const stat = await storage.stat(location);
  // an HF checkpoint-N folder is never a run root (its DeepSpeed global_stepN/ would look like one)
  const hfCheckpoint = /^checkpoint-\d+$/.test(baseName(location));
  if (stat?.type === "dir" && !hfCheckpoint) {
    try {
      const run = await validateRun(location, { ...options, storage });
      if (run.checkpoints.some((r) => trimSlash(r.location) !== location)) return { kind: "run", run };
    } catch (error) {
      if (!CheckpointError.isInstance(error) || error.code !== "LAYOUT_UNKNOWN") throw error;
    }
  }
  return { kind: "checkpoint", report: await validateCheckpoint(location, { ...options, storage }) };
}
