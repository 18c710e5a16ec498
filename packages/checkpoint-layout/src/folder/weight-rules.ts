import { baseModelHint } from "../folder-hints.js";
import { checkSafetensors, checkTorchZip, parseShardIndex } from "../integrity.js";
import { joinPath } from "../storage.js";
import { tryListDir } from "./context.js";
import { checkDcpEntries } from "./dcp-entries.js";
import { analyzeDeepSpeed } from "./deepspeed.js";
import { type FolderRule, type FolderState, INDEX_FILES, SINGLE_WEIGHTS } from "./state.js";

const hasAdapterWeights = (s: FolderState) =>
  s.fileMap.has("adapter_model.safetensors") || s.fileMap.has("adapter_model.bin");

/** `checkpoint-is-incomplete.txt`: the save did not finish. */
export const incompleteMarkerRule: FolderRule = {
  id: "incomplete-marker",
  when: (s) => s.fileMap.has("checkpoint-is-incomplete.txt"),
  run(s) {
    s.err(
      "INCOMPLETE_MARKER",
      `${s.dir}: checkpoint-is-incomplete.txt present (the save did not finish)`,
      "checkpoint-is-incomplete.txt",
    );
    s.inferBlocked = true;
  },
};

/** Single-file weights (`model.safetensors`, `pytorch_model.bin`, adapters); empty ones are errors. */
export const singleWeightsRule: FolderRule = {
  id: "single-weights",
  run(s) {
    for (const name of SINGLE_WEIGHTS) {
      const e = s.fileMap.get(name);
      if (!e) continue;
      if (e.size === 0) {
        s.err("EMPTY_FILE", `${s.dir}/${name}: weights file is empty`, name);
        s.inferBlocked = true;
        continue;
      }
      s.inferWeights = s.resumeWeights = true;
      s.weightFiles.push(name);
    }
  },
};

/** PEFT adapter weights need `adapter_config.json`. */
export const adapterConfigRule: FolderRule = {
  id: "adapter-config",
  when: (s) => hasAdapterWeights(s) && !s.fileMap.has("adapter_config.json"),
  run(s) {
    s.err(
      "ADAPTER_CONFIG_MISSING",
      `${s.dir}: adapter weights without adapter_config.json`,
      "adapter_config.json",
    );
    s.inferBlocked = true;
  },
};

/** Sharded weights: the index parses, lists shards, and every shard exists and is not empty. */
export const shardIndexRule: FolderRule = {
  id: "shard-index",
  async run(s) {
    for (const idx of INDEX_FILES) {
      if (!s.fileMap.has(idx)) continue;
      const path = joinPath(s.dir, idx);
      const index = parseShardIndex(await s.ctx.storage.readText(path), path, s.problems);
      if (!index) {
        s.inferBlocked = true;
        continue;
      }
      if (!index.shards.length) {
        s.err("INDEX_INVALID", `${s.dir}/${idx}: weight_map lists no shard`, idx);
        s.inferBlocked = true;
        continue;
      }
      let missing = 0;
      for (const shard of index.shards) {
        const e =
          s.fileMap.get(shard) ??
          (shard.includes("/") ? await s.ctx.storage.stat(joinPath(s.dir, shard)) : undefined);
        if (!e) {
          s.err("SHARD_MISSING", `${s.dir}: shard ${shard} listed in ${idx} is missing`, shard);
          missing++;
        } else if (e.size === 0) {
          s.err("EMPTY_FILE", `${s.dir}/${shard}: shard is empty`, shard);
          missing++;
        } else if (shard.endsWith(".safetensors")) s.weightFiles.push(shard);
      }
      if (missing) s.inferBlocked = true;
      else s.inferWeights = s.resumeWeights = true;
    }
  },
};

/** Accelerate FSDP states: `pytorch_model_fsdp*` DCP folders or `.bin` files. */
export const fsdpRule: FolderRule = {
  id: "fsdp",
  async run(s) {
    for (const d of s.dirs) {
      if (!d.includes("pytorch_model_fsdp")) continue;
      const sub = await tryListDir(s.ctx, joinPath(s.dir, d));
      if (sub && checkDcpEntries(joinPath(s.dir, d), sub, s.problems)) s.resumeWeights = true;
      for (const e of sub ?? []) {
        if (e.type !== "file") continue;
        s.files.push(`${d}/${e.name}`);
        s.bytes += e.size ?? 0;
      }
    }
    for (const name of s.fileMap.keys())
      if (name.startsWith("pytorch_model_fsdp") && name.endsWith(".bin")) s.resumeWeights = true;
  },
};

/** DeepSpeed `latest` + `global_stepN/` rank files. */
export const deepSpeedRule: FolderRule = {
  id: "deepspeed",
  async run(s) {
    s.deepSpeed = await analyzeDeepSpeed(s.ctx, s.dir, s.entries, s.problems, s.files);
    s.bytes += s.deepSpeed.bytes;
    if (s.deepSpeed.modelStates) s.resumeWeights = true;
  },
};

/** Named adapter subfolders (`<name>/adapter_model.safetensors`) when nothing else holds weights. */
export const adapterSubfoldersRule: FolderRule = {
  id: "adapter-subfolders",
  when: (s) => !s.inferWeights && !s.resumeWeights,
  async run(s) {
    for (const d of s.dirs) {
      if (d.startsWith("global_step") || d.startsWith("optimizer")) continue;
      const sub = await tryListDir(s.ctx, joinPath(s.dir, d));
      const adapter = sub?.some(
        (e) =>
          e.type === "file" &&
          (e.name === "adapter_model.safetensors" || e.name === "adapter_model.bin") &&
          e.size !== 0,
      );
      if (!sub || !adapter) continue;
      s.inferWeights = s.resumeWeights = true;
      for (const e of sub) if (e.type === "file") s.files.push(`${d}/${e.name}`);
    }
  },
};

/** No weights at all (unless a missing or empty shard already says why). */
export const weightsPresentRule: FolderRule = {
  id: "weights-present",
  when: (s) =>
    !s.inferWeights &&
    !s.resumeWeights &&
    !s.problems.some((p) => p.code === "SHARD_MISSING" || p.code === "EMPTY_FILE"),
  run(s) {
    s.err(
      "WEIGHTS_MISSING",
      `${s.dir}: no model weights (model.safetensors, sharded index, pytorch_model.bin, adapter, FSDP or DeepSpeed states)`,
    );
  },
};

/** `headers` level: safetensors headers and zip end records of the weight files (truncation). */
export const weightHeadersRule: FolderRule = {
  id: "weight-headers",
  when: (s) => s.ctx.verify === "headers",
  async run(s) {
    for (const w of s.weightFiles) {
      const path = joinPath(s.dir, w);
      const size = s.fileMap.get(w)?.size;
      if (w.endsWith(".bin") && !w.includes("/")) {
        const z = await checkTorchZip(s.ctx.storage, path, {
          fileSize: size,
          verifyCrc: false,
          endRecordOnly: true,
        });
        if (!z.ok) {
          s.problems.push(...z.problems.filter((p) => p.severity === "error"));
          s.inferBlocked = true;
        }
        continue;
      }
      if (!w.endsWith(".safetensors")) continue;
      const rep = await checkSafetensors(s.ctx.storage, path, size);
      if (!rep.ok) {
        s.problems.push(...rep.problems);
        s.inferBlocked = true;
      }
    }
  },
};

/** Adapter-only checkpoints need their base model (a warning naming it). */
export const needsBaseModelRule: FolderRule = {
  id: "needs-base-model",
  when: (s) =>
    !SINGLE_WEIGHTS.slice(0, 2).some((n) => s.fileMap.has(n)) &&
    !INDEX_FILES.some((n) => s.fileMap.has(n)) &&
    s.fileMap.has("adapter_config.json") &&
    hasAdapterWeights(s),
  async run(s) {
    s.warn("NEEDS_BASE_MODEL", await baseModelHint(s.ctx, s.dir), "adapter_config.json");
  },
};
