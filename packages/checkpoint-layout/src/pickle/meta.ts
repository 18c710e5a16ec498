import * as z from "zod";
import { CheckpointError } from "../errors.js";
import type { Storage } from "../storage.js";
import { readPickle } from "./reader.js";
import { openTorchArchive, scalarTensorValue } from "./torch.js";
import type { PickleValue } from "./types.js";
import { dictGet, isDict, isObject, objectState } from "./values.js";

/** zod schema of what rlops reads from HF `training_args.bin` (a pickled `TrainingArguments`). */
export const trainingArgsSchema = z.object({
  /** `module.Name` of the pickled class, e.g. `transformers.training_args.TrainingArguments` or `trl.trainer.grpo_config.GRPOConfig`. */
  class: z.string(),
  output_dir: z.string().nullable(),
  save_total_limit: z.number().int().nullable(),
  save_steps: z.number().nullable(),
  save_strategy: z.string().nullable(),
  save_only_model: z.boolean().nullable(),
  max_steps: z.number().int().nullable(),
  num_train_epochs: z.number().nullable(),
  eval_strategy: z.string().nullable(),
  eval_steps: z.number().nullable(),
  logging_steps: z.number().nullable(),
  metric_for_best_model: z.string().nullable(),
  greater_is_better: z.boolean().nullable(),
  load_best_model_at_end: z.boolean().nullable(),
});
/** HF training arguments read from `training_args.bin`. */
export type TrainingArgs = z.infer<typeof trainingArgsSchema>;

/** zod schema of a Lightning `ModelCheckpoint` callback state inside a `.ckpt`. */
const lightningModelCheckpointStateSchema = z.object({
  /** The callback's state key, e.g. `ModelCheckpoint{'monitor': 'val_loss', 'mode': 'min', …}`. */
  key: z.string(),
  monitor: z.string().nullable(),
  /** As Lightning stored it (often an absolute path of the machine that trained). */
  best_model_path: z.string().nullable(),
  best_model_score: z.number().nullable(),
  last_model_path: z.string().nullable(),
  dirpath: z.string().nullable(),
  /** Paths of the top-k files with their scores (score `null` when it could not be read). */
  best_k_models: z.array(z.object({ path: z.string(), score: z.number().nullable() })),
});
/** zod schema of a Lightning `EarlyStopping` callback state inside a `.ckpt`. */
const lightningEarlyStoppingStateSchema = z.object({
  key: z.string(),
  wait_count: z.number().int().nullable(),
  stopped_epoch: z.number().int().nullable(),
  patience: z.number().int().nullable(),
  best_score: z.number().nullable(),
});
/** zod schema of the top-level facts of a Lightning `.ckpt`. */
export const lightningCheckpointMetaSchema = z.object({
  epoch: z.number().int().nullable(),
  global_step: z.number().int().nullable(),
  lightning_version: z.string().nullable(),
  model_checkpoints: z.array(lightningModelCheckpointStateSchema),
  early_stopping: z.array(lightningEarlyStoppingStateSchema),
  /** Top-level keys present (`state_dict`, `optimizer_states`, `loops`, …). */
  keys: z.array(z.string()),
});
/** What {@link readLightningCheckpointMeta} returns. */
export type LightningCheckpointMeta = z.infer<typeof lightningCheckpointMetaSchema>;

/** zod schema of the byte ranges a DCP `.metadata` names. */
export const dcpMetadataSchema = z.object({
  /** Every `_StorageInfo`: data file (relative to the checkpoint folder), offset and length. */
  items: z.array(
    z.object({ fqn: z.string().nullable(), path: z.string(), offset: z.number(), length: z.number() }),
  ),
  /** Per data file: the end of the furthest byte range (the file must be at least this long). */
  files: z.record(z.string(), z.number()),
  /** Top-level state-dict keys (`model`, `optimizer`, `train_state`, …). */
  stateKeys: z.array(z.string()),
});
/** What {@link readDcpMetadata} returns. */
export type DcpMetadata = z.infer<typeof dcpMetadataSchema>;

const str = (v: PickleValue | undefined): string | null => (typeof v === "string" ? v : null);
const int = (v: PickleValue | undefined): number | null =>
  typeof v === "number" && Number.isInteger(v) ? v : typeof v === "bigint" ? Number(v) : null;
const num = (v: PickleValue | undefined): number | null =>
  typeof v === "number" ? v : typeof v === "bigint" ? Number(v) : null;
const bool = (v: PickleValue | undefined): boolean | null => (typeof v === "boolean" ? v : null);
/** An enum member pickled as `REDUCE(EnumClass, (value,))`, or a plain string. */
const enumText = (v: PickleValue | undefined): string | null => {
  if (typeof v === "string") return v;
  if (isObject(v) && v.args.length === 1 && typeof v.args[0] === "string") return v.args[0];
  return null;
};

function metaError(path: string, message: string): never {
  throw new CheckpointError({ code: "METADATA_INVALID", message: `${path}: ${message}`, details: { path } });
}

/**
 * Reads HF `training_args.bin` (a `torch.save` of `TrainingArguments`, or a subclass such as TRL's
 * `GRPOConfig`) without Python: `save_total_limit`, `save_steps`, `max_steps`, `output_dir`,
 * `metric_for_best_model`, `greater_is_better`, `load_best_model_at_end`, `save_only_model`, … .
 * Throws `PICKLE_*` for a malformed file, `METADATA_INVALID` when it is not a pickled dataclass.
 */
export async function readTrainingArgs(storage: Storage, path: string): Promise<TrainingArgs> {
  const archive = await openTorchArchive(storage, path);
  const obj = archive.value;
  const state = objectState(obj);
  if (!isObject(obj) || !state) metaError(path, "not a pickled TrainingArguments object");
  const g = (k: string) => dictGet(state, k);
  return trainingArgsSchema.parse({
    class: obj.$class,
    output_dir: str(g("output_dir")),
    save_total_limit: int(g("save_total_limit")),
    save_steps: num(g("save_steps")),
    save_strategy: enumText(g("save_strategy")),
    save_only_model: bool(g("save_only_model")),
    max_steps: int(g("max_steps")),
    num_train_epochs: num(g("num_train_epochs")),
    eval_strategy: enumText(g("eval_strategy") ?? g("evaluation_strategy")),
    eval_steps: num(g("eval_steps")),
    logging_steps: num(g("logging_steps")),
    metric_for_best_model: str(g("metric_for_best_model")),
    greater_is_better: bool(g("greater_is_better")),
    load_best_model_at_end: bool(g("load_best_model_at_end")),
  });
}

/**
 * Reads the top-level dict of a Lightning `.ckpt` without loading tensors: `epoch`, `global_step`,
 * the Lightning version, and the `ModelCheckpoint` / `EarlyStopping` callback states (best path and
 * score, top-k, last path; wait count, stopped epoch). Scalar tensor scores are read from their
 * storage entries.
 */
export async function readLightningCheckpointMeta(
  storage: Storage,
  path: string,
): Promise<LightningCheckpointMeta> {
  const archive = await openTorchArchive(storage, path);
  const top = archive.value;
  if (!isDict(top)) metaError(path, "top level is not a dict (not a Lightning checkpoint)");
  const keys = top.entries.map(([k]) => k).filter((k): k is string => typeof k === "string");
  const callbacks = dictGet(top, "callbacks");
  const model_checkpoints: LightningCheckpointMeta["model_checkpoints"] = [];
  const early_stopping: LightningCheckpointMeta["early_stopping"] = [];
  if (isDict(callbacks))
    for (const [k, st] of callbacks.entries) {
      if (typeof k !== "string" || !isDict(st)) continue;
      const g = (name: string) => dictGet(st, name);
      if (k.startsWith("ModelCheckpoint")) {
        const topk: Array<{ path: string; score: number | null }> = [];
        const bk = g("best_k_models");
        if (isDict(bk))
          for (const [p, s] of bk.entries)
            if (typeof p === "string")
              topk.push({ path: p, score: num(s) ?? (await scalarTensorValue(archive, s)) ?? null });
        model_checkpoints.push({
          key: k,
          monitor: str(g("monitor")),
          best_model_path: str(g("best_model_path")) || null,
          best_model_score:
            num(g("best_model_score")) ?? (await scalarTensorValue(archive, g("best_model_score"))) ?? null,
          last_model_path: str(g("last_model_path")) || null,
          dirpath: str(g("dirpath")),
          best_k_models: topk,
        });
      } else if (k.startsWith("EarlyStopping")) {
        early_stopping.push({
          key: k,
          wait_count: int(g("wait_count")),
          stopped_epoch: int(g("stopped_epoch")),
          patience: int(g("patience")),
          best_score: num(g("best_score")) ?? (await scalarTensorValue(archive, g("best_score"))) ?? null,
        });
      }
    }
  return lightningCheckpointMetaSchema.parse({
    epoch: int(dictGet(top, "epoch")),
    global_step: int(dictGet(top, "global_step")),
    lightning_version: str(dictGet(top, "pytorch-lightning_version")),
    model_checkpoints,
    early_stopping,
    keys,
  });
}

/**
 * Parses a torch.distributed.checkpoint `.metadata` pickle (`Metadata` with `storage_data` mapping
 * each item to `_StorageInfo(relative_path, offset, length)`) into the byte ranges it names.
 */
export function parseDcpMetadata(bytes: Uint8Array, where = ".metadata"): DcpMetadata {
  const md = readPickle(bytes, where);
  const state = objectState(md);
  if (!isObject(md) || !state) metaError(where, "not a pickled torch.distributed.checkpoint Metadata");
  const storageData = dictGet(state, "storage_data");
  if (!isDict(storageData)) metaError(where, "Metadata has no storage_data dict");
  const items: DcpMetadata["items"] = [];
  const files: Record<string, number> = {};
  for (const [idx, info] of storageData.entries) {
    const s = objectState(info);
    const path = str(dictGet(s, "relative_path"));
    const offset = int(dictGet(s, "offset"));
    const length = int(dictGet(s, "length"));
    if (path === null || offset === null || length === null || offset < 0 || length < 0)
      metaError(where, "a _StorageInfo entry lacks relative_path/offset/length");
    if (path.includes("..") || path.startsWith("/"))
      metaError(where, `data file "${path}" escapes the checkpoint folder`);
    items.push({ fqn: str(dictGet(objectState(idx), "fqn")), path, offset, length });
    files[path] = Math.max(files[path] ?? 0, offset + length);
  }
  const sdm = dictGet(state, "state_dict_metadata");
  const stateKeys = new Set<string>();
  if (isDict(sdm)) for (const [k] of sdm.entries) if (typeof k === "string") stateKeys.add(k.split(".")[0]!);
  return dcpMetadataSchema.parse({ items, files, stateKeys: [...stateKeys] });
}

/** Reads and parses a DCP `.metadata` file (see {@link parseDcpMetadata}). */
export async function readDcpMetadata(storage: Storage, path: string): Promise<DcpMetadata> {
  const st = await storage.stat(path);
  if (!st)
    throw new CheckpointError({ code: "NOT_FOUND", message: `${path}: no such file`, details: { path } });
  if (st.size > 64 * 1024 * 1024)
    throw new CheckpointError({
      code: "PICKLE_LIMIT",
      message: `${path}: ${st.size} bytes is too large`,
      details: { path },
    });
  return parseDcpMetadata(await storage.read(path), path);
}
