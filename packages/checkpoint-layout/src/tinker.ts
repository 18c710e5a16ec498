/** A parsed `tinker://<run-id>/<weights|sampler_weights>/<name>` address. */
export interface TinkerPath {
  tinkerPath: string;
  trainingRunId: string;
  checkpointType: "training" | "sampler";
  /** `weights/<name>` or `sampler_weights/<name>`. */
  checkpointId: string;
  name: string;
}

/**
 * Parses a Tinker checkpoint address exactly like the SDK's `ParsedCheckpointTinkerPath.from_tinker_path`:
 * `tinker://` prefix, exactly three `/`-separated segments, the middle one `weights` or
 * `sampler_weights`. The run id may contain `:` (`…:train:0`). Returns `null` when invalid.
 */
export function parseTinkerPath(tinkerPath: string): TinkerPath | null {
  if (!tinkerPath.startsWith("tinker://")) return null;
  const parts = tinkerPath.slice(9).split("/");
  if (parts.length !== 3) return null;
  const [run, kind, name] = parts as [string, string, string];
  if (kind !== "weights" && kind !== "sampler_weights") return null;
  return {
    tinkerPath,
    trainingRunId: run,
    checkpointType: kind === "weights" ? "training" : "sampler",
    checkpointId: `${kind}/${name}`,
    name,
  };
}
