import type { z } from "zod";
import { checkDcpRanges } from "../dcp.js";
import type { CheckpointProblem } from "../model.js";
import {
  adapterConfigSchema,
  finalCheckpointInfoSchema,
  metricsFileSchema,
  parseWithSchema,
  trainerStateSchema,
  trainingConfigSchema,
  trainingInfoSchema,
} from "../schemas.js";
import { baseName, dirName, type Storage } from "../storage.js";
import { checkSafetensors } from "./safetensors.js";
import { checkShardedSafetensors, parseShardIndex } from "./shard-index.js";
import { checkTorchZip } from "./torch-zip.js";

/** What a deep check looked at (`checked[].kind` of a validation report, with `layout` and `manifest`). */
export type DeepCheckKind = "safetensors" | "torch-zip" | "index" | "metadata" | "dcp";

/** One file of a checkpoint, as the deep checks see it. */
export interface DeepFile {
  /** Full path. */
  path: string;
  /** Path relative to the checkpoint (its name for a single-file checkpoint). */
  rel: string;
  size: number;
}

/** Outcome of one deep check. */
interface DeepCheckResult {
  ok: boolean;
  problems: CheckpointProblem[];
}

/**
 * The deep check of one file format: which files it takes and how it checks one.
 * @internal
 */
export interface DeepCheck {
  kind: DeepCheckKind;
  matches(file: DeepFile): boolean;
  check(storage: Storage, file: DeepFile): Promise<DeepCheckResult>;
}

/** Suffixes of torch zip archives (`torch.save` since 1.6). */
export const ZIP_SUFFIXES = [".pt", ".pth", ".bin", ".ckpt"];

const noErrors = (problems: CheckpointProblem[]): DeepCheckResult => ({
  ok: !problems.some((p) => p.severity === "error"),
  problems,
});

/** Metadata files checked against their zod schema in deep validation. */
const METADATA_SCHEMAS: Record<string, z.ZodType> = {
  "trainer_state.json": trainerStateSchema,
  "adapter_config.json": adapterConfigSchema,
  "training_info.json": trainingInfoSchema,
  "metrics.json": metricsFileSchema,
  "training_config.json": trainingConfigSchema,
  "final_checkpoint_info.json": finalCheckpointInfoSchema,
};

const isNamed = (rel: string, name: string) => rel === name || rel.endsWith(`/${name}`);

const safetensorsCheck: DeepCheck = {
  kind: "safetensors",
  matches: (f) => f.rel.endsWith(".safetensors"),
  async check(storage, f) {
    const rep = await checkSafetensors(storage, f.path, f.size);
    return { ok: rep.ok, problems: rep.problems };
  },
};

const torchZipCheck: DeepCheck = {
  kind: "torch-zip",
  matches: (f) => ZIP_SUFFIXES.some((s) => f.rel.endsWith(s)) && f.size > 0,
  async check(storage, f) {
    const rep = await checkTorchZip(storage, f.path, { fileSize: f.size });
    return { ok: rep.ok, problems: rep.problems };
  },
};

const metadataCheck: DeepCheck = {
  kind: "metadata",
  matches: (f) => METADATA_SCHEMAS[baseName(f.rel)] !== undefined,
  async check(storage, f) {
    try {
      parseWithSchema(METADATA_SCHEMAS[baseName(f.rel)]!, await storage.readText(f.path), f.path);
      return { ok: true, problems: [] };
    } catch (error) {
      const message = (error as Error).message;
      return {
        ok: false,
        problems: [{ code: "METADATA_INVALID", message, file: f.path, severity: "error" }],
      };
    }
  },
};

const shardIndexCheck: DeepCheck = {
  kind: "index",
  matches: (f) => isNamed(f.rel, "model.safetensors.index.json"),
  async check(storage, f) {
    const problems: CheckpointProblem[] = [];
    const index = parseShardIndex(await storage.readText(f.path), f.path, problems);
    if (index)
      problems.push(...(await checkShardedSafetensors(storage, dirName(f.path), index, baseName(f.path))));
    return noErrors(problems);
  },
};

const dcpCheck: DeepCheck = {
  kind: "dcp",
  matches: (f) => isNamed(f.rel, ".metadata"),
  async check(storage, f) {
    return noErrors(await checkDcpRanges(storage, dirName(f.path)));
  },
};

/**
 * The deep checks by file format, first match wins: safetensors, torch zip, metadata JSON (zod
 * schema), shard index (↔ shard headers), DCP `.metadata` (byte ranges of the data files).
 * @internal
 */
const DEEP_CHECKS: readonly DeepCheck[] = [
  safetensorsCheck,
  torchZipCheck,
  metadataCheck,
  shardIndexCheck,
  dcpCheck,
];

/** The deep check that takes `file`, if any. */
export function deepCheckFor(
  file: DeepFile,
  checks: readonly DeepCheck[] = DEEP_CHECKS,
): DeepCheck | undefined {
  return checks.find((c) => c.matches(file));
}
