import { crc32 } from "./hash.js";
import type { Layout } from "./model.js";
import { dcpMetadataPickle, writePickle } from "./pickle/write.js";

const enc = new TextEncoder();

/** A tensor for {@link buildSafetensors}. */
export interface FixtureTensor {
  name: string;
  dtype: "F32" | "F16" | "BF16" | "I64" | "U8";
  shape: number[];
}

const BYTES: Record<FixtureTensor["dtype"], number> = { F32: 4, F16: 2, BF16: 2, I64: 8, U8: 1 };

/** Builds a valid safetensors file (header padded with spaces to a multiple of 8, like the writer). */
export function buildSafetensors(
  tensors: FixtureTensor[],
  metadata: Record<string, string> = { format: "pt" },
): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const t of tensors) {
    const size = t.shape.reduce((a, b) => a * b, 1) * BYTES[t.dtype];
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + size] };
    offset += size;
  }
  let json = JSON.stringify(header);
  while (enc.encode(json).length % 8 !== 0) json += " ";
  const hb = enc.encode(json);
  const out = new Uint8Array(8 + hb.length + offset);
  const n = hb.length;
  out[0] = n & 0xff;
  out[1] = (n >>> 8) & 0xff;
  out[2] = (n >>> 16) & 0xff;
  out[3] = (n >>> 24) & 0xff;
  out.set(hb, 8);
  for (let i = 8 + n; i < out.length; i++) out[i] = (i * 31) & 0xff;
  return out;
}

/** Builds a stored (uncompressed) zip archive with valid CRC-32s, like `torch.save`. */
export function buildZip(entries: Array<{ name: string; data: Uint8Array }>): Uint8Array {
  const chunks: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = enc.encode(e.name);
    const crc = crc32(e.data);
    const lh = new Uint8Array(30 + name.length);
    const v = new DataView(lh.buffer);
    v.setUint32(0, 0x04034b50, true);
    v.setUint16(4, 20, true);
    v.setUint32(14, crc, true);
    v.setUint32(18, e.data.length, true);
    v.setUint32(22, e.data.length, true);
    v.setUint16(26, name.length, true);
    lh.set(name, 30);
    const ch = new Uint8Array(46 + name.length);
    const c = new DataView(ch.buffer);
    c.setUint32(0, 0x02014b50, true);
    c.setUint16(4, 20, true);
    c.setUint16(6, 20, true);
    c.setUint32(16, crc, true);
    c.setUint32(20, e.data.length, true);
    c.setUint32(24, e.data.length, true);
    c.setUint16(28, name.length, true);
    c.setUint32(42, offset, true);
    ch.set(name, 46);
    chunks.push(lh, e.data);
    central.push(ch);
    offset += lh.length + e.data.length;
  }
  const cdSize = central.reduce((a, b) => a + b.length, 0);
  const eocd = new Uint8Array(22);
  const d = new DataView(eocd.buffer);
  d.setUint32(0, 0x06054b50, true);
  d.setUint16(8, entries.length, true);
  d.setUint16(10, entries.length, true);
  d.setUint32(12, cdSize, true);
  d.setUint32(16, offset, true);
  const all = [...chunks, ...central, eocd];
  const out = new Uint8Array(all.reduce((a, b) => a + b.length, 0));
  let p = 0;
  for (const a of all) {
    out.set(a, p);
    p += a.length;
  }
  return out;
}

/** Builds a torch-style zip (`<stem>/data.pkl` ending with the pickle STOP opcode, `<stem>/data/0`, …). */
export function buildTorchFile(stem: string, payloadBytes = 256, pickle?: Uint8Array): Uint8Array {
  let pkl = pickle;
  if (!pkl) {
    pkl = new Uint8Array(64);
    pkl[0] = 0x80;
    pkl[1] = 0x02;
    for (let i = 2; i < 63; i++) pkl[i] = 0x4e; // NONE opcodes as filler
    pkl[63] = 0x2e; // STOP
  }
  const payload = new Uint8Array(payloadBytes);
  for (let i = 0; i < payload.length; i++) payload[i] = (i * 7) & 0xff;
  return buildZip([
    { name: `${stem}/data.pkl`, data: pkl },
    { name: `${stem}/.format_version`, data: enc.encode("1") },
    { name: `${stem}/byteorder`, data: enc.encode("little") },
    { name: `${stem}/data/0`, data: payload },
    { name: `${stem}/version`, data: enc.encode("3\n") },
  ]);
}

/** The `.metadata` of a two-rank DCP folder (`__0_0.distcp`, `__1_0.distcp`, 512 bytes each). */
const DCP_TWO_RANKS = [
  { fqn: "model.weight", path: "__0_0.distcp", offset: 0, length: 512 },
  { fqn: "model.bias", path: "__1_0.distcp", offset: 0, length: 512 },
];

/** The top-level dict of a Lightning `.ckpt` (tensors omitted). */
function lightningPickle(epoch: number, step: number): Uint8Array {
  return writePickle({
    epoch,
    global_step: step,
    "pytorch-lightning_version": "2.6.6",
    state_dict: {},
    callbacks: {},
  });
}

/** A deliberately broken case the fixture generator can build. */
export type BrokenCase =
  | "truncated-safetensors"
  | "missing-shard"
  | "missing-optimizer"
  | "missing-scheduler"
  | "step-mismatch"
  | "torn-jsonl"
  | "incomplete-marker"
  | "half-written"
  | "corrupt-zip";

/** Options of the fixture generator. */
export interface FixtureOptions {
  /** Steps to write (layout-specific defaults). */
  steps?: number[];
  /** Broken cases applied to the newest checkpoint (or `brokenStep`). */
  broken?: BrokenCase | BrokenCase[];
  /** Step of the checkpoint the broken cases apply to (default: the newest). */
  brokenStep?: number;
  /** Number of ranks (one `rng_state_{r}.pth` each when > 1). Default 1. */
  world?: number;
  /** HF: LoRA adapter checkpoints instead of full weights. */
  peft?: boolean;
  /** HF: sharded weights with `model.safetensors.index.json`. */
  sharded?: boolean;
  /** HF: DeepSpeed ZeRO-3 sub-layout (`global_stepN/` + `latest`). */
  deepspeed?: boolean;
  /** HF/step folders/staged: also write the final model folder. Default true. */
  final?: boolean;
  /** HF: step recorded as `best_model_checkpoint`. */
  bestStep?: number;
  /** Write `tmp-checkpoint-*` / `checkpoint-*-merged` siblings (HF). Default false. */
  siblings?: boolean;
  /** Smaller files (for large benchmark trees). */
  lean?: boolean;
  /** Tinker run id. */
  runId?: string;
}

/** What the fixture generator built. */
export interface FixtureRun {
  root: string;
  layout: Layout;
  /** Run directory to pass to `listCheckpoints` (may differ from `root`). */
  runDir: string;
  /** Checkpoint names written, oldest first. */
  checkpoints: string[];
  /** Broken cases and the checkpoint each was applied to. */
  broken: Array<{ case: BrokenCase; target: string }>;
}

type Files = Map<string, Uint8Array | string>;

const DEFAULT_STEPS: Record<Layout, number[]> = {
  hf: [2, 4, 6, 8],
  areal: [4, 9, 14, 19],
  staged: [1, 2, 3, 4, 5],
  tinker: [5, 20, 40],
  "step-folders": [50, 100, 150],
  lightning: [4, 12],
  deepspeed: [100, 200],
  dcp: [3, 7],
};

function trainerState(
  step: number,
  opts: { best?: number; root: string; maxSteps: number; lean?: boolean },
): string {
  const log: string[] = [];
  for (let s = opts.lean ? Math.max(2, step - 2) : 2; s <= step; s += 2) {
    const grad = s === 4 ? "NaN" : String(0.9 - s * 0.01);
    log.push(
      `    {\n      "epoch": ${s / opts.maxSteps},\n      "grad_norm": ${grad},\n      "learning_rate": 0.004,\n      "loss": ${4.1 - s * 0.04},\n      "step": ${s}\n    }`,
    );
    log.push(
      `    {\n      "epoch": ${s / opts.maxSteps},\n      "eval_loss": ${3.97 - s * 0.025},\n      "eval_runtime": 0.0038,\n      "step": ${s}\n    }`,
    );
  }
  const best = opts.best !== undefined && opts.best <= step ? opts.best : undefined;
  return `{
  "best_global_step": ${best ?? "null"},
  "best_metric": ${best !== undefined ? 3.97 - best * 0.025 : "null"},
  "best_model_checkpoint": ${best !== undefined ? JSON.stringify(`${opts.root}/checkpoint-${best}`) : "null"},
  "epoch": ${step / opts.maxSteps},
  "eval_steps": 2,
  "global_step": ${step},
  "is_hyper_param_search": false,
  "is_local_process_zero": true,
  "is_world_process_zero": true,
  "log_history": [
${log.join(",\n")}
  ],
  "logging_steps": 2,
  "max_steps": ${opts.maxSteps},
  "num_input_tokens_seen": 0,
  "num_train_epochs": 1,
  "save_steps": 2,
  "stateful_callbacks": {},
  "total_flos": 15556608.0,
  "train_batch_size": 8,
  "trial_name": null,
  "trial_params": null
}
`;
}

const ADAPTER_CONFIG = `{
  "base_model_name_or_path": "unsloth/Meta-Llama-3.1-8B-Instruct",
  "bias": "none",
  "inference_mode": true,
  "lora_alpha": 8,
  "lora_dropout": 0.0,
  "peft_type": "LORA",
  "peft_version": "0.21.0",
  "r": 4,
  "target_modules": [
    "v_proj",
    "q_proj"
  ],
  "task_type": "CAUSAL_LM"
}`;

function modelTensors(lean: boolean): FixtureTensor[] {
  const h = lean ? 4 : 16;
  return [
    { name: "lm_head.weight", dtype: "F32", shape: [h, 4] },
    { name: "model.embed_tokens.weight", dtype: "F16", shape: [8, h] },
    { name: "model.norm.weight", dtype: "F32", shape: [h] },
  ];
}

function writeHfModel(files: Files, dir: string, o: FixtureOptions, sharded: boolean): void {
  const lean = o.lean ?? false;
  files.set(
    `${dir}/config.json`,
    `{"architectures": ["LlamaForCausalLM"], "hidden_size": 16, "transformers_version": "5.18.0"}\n`,
  );
  if (o.peft) {
    files.set(`${dir}/adapter_config.json`, ADAPTER_CONFIG);
    files.set(
      `${dir}/adapter_model.safetensors`,
      buildSafetensors([
        {
          name: "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight",
          dtype: "F32",
          shape: [4, 16],
        },
        {
          name: "base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight",
          dtype: "F32",
          shape: [16, 4],
        },
      ]),
    );
    return;
  }
  if (!lean) files.set(`${dir}/generation_config.json`, `{"bos_token_id": 1, "eos_token_id": 2}\n`);
  const tensors = modelTensors(lean);
  if (sharded) {
    const a = tensors.slice(0, 2);
    const b = tensors.slice(2);
    const s1 = "model-00001-of-00002.safetensors";
    const s2 = "model-00002-of-00002.safetensors";
    files.set(`${dir}/${s1}`, buildSafetensors(a));
    files.set(`${dir}/${s2}`, buildSafetensors(b));
    const size = (t: FixtureTensor) => t.shape.reduce((x, y) => x * y, 1) * BYTES[t.dtype];
    const weightMap: Record<string, string> = {};
    for (const t of a) weightMap[t.name] = s1;
    for (const t of b) weightMap[t.name] = s2;
    const sorted = Object.fromEntries(Object.entries(weightMap).sort(([x], [y]) => (x < y ? -1 : 1)));
    files.set(
      `${dir}/model.safetensors.index.json`,
      `${JSON.stringify({ metadata: { total_parameters: 0, total_size: tensors.reduce((s, t) => s + size(t), 0) }, weight_map: sorted }, null, 2)}\n`,
    );
  } else files.set(`${dir}/model.safetensors`, buildSafetensors(tensors));
}

function writeHfCheckpoint(
  files: Files,
  root: string,
  step: number,
  o: FixtureOptions,
  maxSteps: number,
  shardedOverride?: boolean,
): string {
  const name = `checkpoint-${step}`;
  const dir = `${root}/${name}`;
  const lean = o.lean ?? false;
  const payload = lean ? 64 : 1024;
  writeHfModel(files, dir, o, shardedOverride ?? o.sharded ?? false);
  const world = o.world ?? 1;
  if (o.deepspeed) {
    const tag = `global_step${step}`;
    files.set(`${dir}/latest`, tag);
    files.set(`${dir}/zero_to_fp32.py`, "# DeepSpeed recovery script\n");
    for (let r = 0; r < Math.max(world, 2); r++) {
      files.set(
        `${dir}/${tag}/bf16_zero_pp_rank_${r}_mp_rank_00_optim_states.pt`,
        buildTorchFile(`bf16_zero_pp_rank_${r}_mp_rank_00_optim_states`, payload),
      );
      files.set(
        `${dir}/${tag}/zero_pp_rank_${r}_mp_rank_00_model_states.pt`,
        buildTorchFile(`zero_pp_rank_${r}_mp_rank_00_model_states`, payload),
      );
    }
  } else files.set(`${dir}/optimizer.pt`, buildTorchFile("optimizer", payload));
  files.set(`${dir}/scheduler.pt`, buildTorchFile("scheduler", 32));
  const ranks = o.deepspeed ? Math.max(world, 2) : world;
  if (ranks <= 1) files.set(`${dir}/rng_state.pth`, buildTorchFile("rng_state", 64));
  else
    for (let r = 0; r < ranks; r++)
      files.set(`${dir}/rng_state_${r}.pth`, buildTorchFile(`rng_state_${r}`, 64));
  files.set(`${dir}/trainer_state.json`, trainerState(step, { best: o.bestStep, root, maxSteps, lean }));
  files.set(`${dir}/training_args.bin`, buildTorchFile("training_args", 64));
  if (!lean) {
    files.set(`${dir}/tokenizer.json`, `{"version": "1.0", "model": {"type": "BPE"}}\n`);
    files.set(`${dir}/tokenizer_config.json`, `{"model_max_length": 1000000000000000019884624838656}\n`);
  }
  return name;
}

function truncate(files: Files, path: string): void {
  const data = files.get(path);
  if (!(data instanceof Uint8Array)) throw new Error(`fixture: ${path} is not binary`);
  files.set(path, data.subarray(0, Math.floor(data.length / 2)));
}

function flipByte(files: Files, path: string): void {
  const data = files.get(path);
  if (!(data instanceof Uint8Array)) throw new Error(`fixture: ${path} is not binary`);
  const copy = new Uint8Array(data);
  // a byte inside the first entry's data (after the 30-byte local header and the name)
  const nameLen = copy[26]! | (copy[27]! << 8);
  copy[30 + nameLen + 10] = copy[30 + nameLen + 10]! ^ 0xff;
  files.set(path, copy);
}

function removePrefix(files: Files, prefix: string, keep: (rel: string) => boolean = () => false): void {
  for (const k of [...files.keys()])
    if (k.startsWith(prefix) && !keep(k.slice(prefix.length))) files.delete(k);
}

/**
 * Builds the files of a realistic run tree for `layout` (paths relative to `root`, which may be
 * `""`), including the requested broken cases. Pure; `writeFixtureRun` writes it to disk.
 */
export function fixtureFiles(
  layout: Layout,
  options: FixtureOptions = {},
  root = "",
): { files: Files; run: FixtureRun } {
  const files: Files = new Map();
  const steps = [...(options.steps ?? DEFAULT_STEPS[layout])].sort((a, b) => a - b);
  const brokenList =
    options.broken === undefined ? [] : Array.isArray(options.broken) ? options.broken : [options.broken];
  const target = options.brokenStep ?? steps[steps.length - 1]!;
  const run: FixtureRun = { root, layout, runDir: root, checkpoints: [], broken: [] };
  const lean = options.lean ?? false;
  const maxSteps = steps[steps.length - 1] ?? 0;
  switch (layout) {
    case "hf": {
      for (const s of steps) {
        const forceShard = s === target && brokenList.includes("missing-shard") ? true : undefined;
        run.checkpoints.push(writeHfCheckpoint(files, root, s, options, maxSteps, forceShard));
      }
      const d = `${root}/checkpoint-${target}`;
      for (const b of brokenList) {
        run.broken.push({ case: b, target: `checkpoint-${target}` });
        if (b === "truncated-safetensors")
          truncate(
            files,
            options.peft
              ? `${d}/adapter_model.safetensors`
              : options.sharded
                ? `${d}/model-00001-of-00002.safetensors`
                : `${d}/model.safetensors`,
          );
        else if (b === "missing-shard") files.delete(`${d}/model-00002-of-00002.safetensors`);
        else if (b === "missing-optimizer") {
          files.delete(`${d}/optimizer.pt`);
          removePrefix(files, `${d}/global_step`);
        } else if (b === "missing-scheduler") files.delete(`${d}/scheduler.pt`);
        else if (b === "step-mismatch")
          files.set(`${d}/trainer_state.json`, trainerState(target - 1, { root, maxSteps }));
        else if (b === "incomplete-marker")
          files.set(`${d}/checkpoint-is-incomplete.txt`, "Checkpoint saving was interrupted by SIGTERM.\n");
        else if (b === "half-written")
          removePrefix(
            files,
            `${d}/`,
            (rel) =>
              rel === "config.json" ||
              rel.endsWith(".safetensors") ||
              rel === "model.safetensors.index.json" ||
              rel === "adapter_config.json",
          );
        else if (b === "corrupt-zip")
          flipByte(files, options.deepspeed ? `${d}/scheduler.pt` : `${d}/optimizer.pt`);
        else throw new Error(`fixture: broken case ${b} does not apply to layout hf`);
      }
      if (options.siblings) {
        files.set(`${root}/tmp-checkpoint-${maxSteps + 2}/config.json`, "{}\n");
        files.set(
          `${root}/checkpoint-${steps[0]}-merged/model.safetensors`,
          buildSafetensors(modelTensors(true)),
        );
      }
      if (options.final ?? true) {
        const f = `${root}/final_checkpoint`;
        files.set(`${f}/pytorch_model.bin`, buildTorchFile("pytorch_model", lean ? 64 : 1024));
        files.set(`${f}/config.json`, `{"architectures": ["LlamaForCausalLM"]}\n`);
        files.set(`${f}/tokenizer.json`, `{"version": "1.0"}\n`);
        files.set(`${f}/tokenizer_config.json`, "{}\n");
        files.set(`${f}/special_tokens_map.json`, "{}\n");
        files.set(
          `${f}/training_info.json`,
          `${JSON.stringify({ model_name: "openai/gpt-oss-20b", global_step: maxSteps, max_steps: maxSteps, learning_rate: 5e-6, timestamp: "2025-08-20T07:45:00", lora_config: { r: 16, lora_alpha: 32 }, world_size: options.world ?? 1 }, null, 2)}\n`,
        );
        run.checkpoints.push("final_checkpoint");
      }
      break;
    }
    case "areal": {
      const save = `${root}/checkpoints/root/gsm8k-grpo/trial0`;
      run.runDir = root;
      const spe = 10;
      for (const g of steps) {
        const name = `epoch${Math.floor(g / spe)}epochstep${g % spe}globalstep${g}`;
        const d = `${save}/default/${name}`;
        writeHfModel(files, d, { lean }, false);
        files.set(`${d}/tokenizer.json`, `{"version": "1.0"}\n`);
        files.set(`${d}/tokenizer_config.json`, "{}\n");
        run.checkpoints.push(`default/${name}`);
      }
      const last = steps[steps.length - 1]!;
      const rc = `${save}/default/recover_checkpoint`;
      files.set(`${rc}/.metadata`, dcpMetadataPickle(DCP_TWO_RANKS));
      files.set(`${rc}/__0_0.distcp`, new Uint8Array(512).fill(7));
      files.set(`${rc}/__1_0.distcp`, new Uint8Array(512).fill(9));
      run.checkpoints.push("default/recover_checkpoint");
      const ri = `${save}/recover_info`;
      const ctl = (steps_: number, lastSteps: number, freq: number | null, iv: number) =>
        `{\n    "frequence_seconds": null,\n    "frequency_steps": ${freq ?? "null"},\n    "start_time": 1760000000.0,\n    "steps": ${steps_},\n    "last_time": 1760000000.0,\n    "last_steps": ${lastSteps},\n    "interval_steps": ${iv},\n    "interval_seconds": 300.0,\n    "initial_value": false\n}`;
      const freq = `{\n    "epoch": ${ctl(1, 0, null, 1)},\n    "step": ${ctl(last + 1, last + 1, 5, 5)},\n    "time": ${ctl(last + 1, 0, null, last + 1)}\n}`;
      files.set(
        `${ri}/step_info.json`,
        `{\n    "epoch": ${Math.floor(last / spe)},\n    "epoch_step": ${last % spe},\n    "global_step": ${last},\n    "steps_per_epoch": ${spe}\n}`,
      );
      files.set(`${ri}/saver_info.json`, freq);
      files.set(`${ri}/checkpoint_info.json`, freq);
      files.set(`${ri}/evaluator_info.json`, freq);
      files.set(`${ri}/stats_logger_info.json`, `{\n    "last_commit_step": ${last}\n}`);
      files.set(
        `${ri}/dataloader_info.pkl`,
        new Uint8Array([0x80, 0x04, 0x95, 0x05, 0, 0, 0, 0, 0, 0, 0, 0x5d, 0x94, 0x2e]),
      );
      const newest = `${save}/default/epoch${Math.floor(target / spe)}epochstep${target % spe}globalstep${target}`;
      for (const b of brokenList) {
        if (b === "half-written") {
          files.delete(`${rc}/.metadata`);
          files.set(`${rc}/.metadata.tmp`, new Uint8Array([0x80, 0x04]));
          files.delete(`${ri}/dataloader_info.pkl`);
          run.broken.push({ case: b, target: "default/recover_checkpoint" });
        } else if (b === "truncated-safetensors") {
          truncate(files, `${newest}/model.safetensors`);
          run.broken.push({ case: b, target: newest.slice(save.length + 1) });
        } else throw new Error(`fixture: broken case ${b} does not apply to layout areal`);
      }
      break;
    }
    case "staged": {
      const base = `${root}/checkpoints`;
      const payload = lean ? 64 : 2048;
      const stage = (name: string, meta: "metrics" | "config", n: number) => {
        files.set(`${base}/${name}/generator.pt`, buildTorchFile("generator", payload));
        files.set(`${base}/${name}/discriminator.pt`, buildTorchFile("discriminator", payload));
        if (meta === "metrics")
          files.set(
            `${base}/${name}/metrics.json`,
            `${JSON.stringify({ stage_id: n, generator: { avg_reward: 0.1 * n, loss: 1 / n }, discriminator: { accuracy: 0.5 + 0.05 * n } }, null, 2)}\n`,
          );
        else
          files.set(
            `${base}/${name}/training_config.json`,
            `${JSON.stringify({ num_stages: steps.length, learning_rate: 1e-5, device: "cuda" }, null, 2)}\n`,
          );
      };
      for (const s of steps) {
        stage(`stage_${s}`, "metrics", s);
        run.checkpoints.push(`checkpoints/stage_${s}`);
      }
      const bestN = options.bestStep ?? steps[Math.max(0, steps.length - 2)]!;
      stage("best", "metrics", bestN);
      run.checkpoints.unshift("checkpoints/best");
      if (options.final ?? true) {
        stage("final", "config", 0);
        run.checkpoints.push("checkpoints/final");
      }
      for (const b of brokenList) {
        run.broken.push({ case: b, target: `checkpoints/stage_${target}` });
        if (b === "half-written") files.delete(`${base}/stage_${target}/discriminator.pt`);
        else if (b === "corrupt-zip") flipByte(files, `${base}/stage_${target}/generator.pt`);
        else if (b === "missing-optimizer") files.delete(`${base}/stage_${target}/discriminator.pt`);
        else throw new Error(`fixture: broken case ${b} does not apply to layout staged`);
      }
      break;
    }
    case "tinker": {
      const RUN = options.runId ?? "b89f6676-49c4-53ed-9788-2e0c81a9eabf:train:0";
      const lines: string[] = [];
      for (const s of steps) {
        const name = String(s).padStart(6, "0");
        const both = s % 20 === 0;
        const rec: Record<string, unknown> = {
          name,
          batch: s,
          epoch: 0,
          state_path: `tinker://${RUN}/weights/${name}`,
        };
        if (both) rec.sampler_path = `tinker://${RUN}/sampler_weights/${name}`;
        rec.elapsed_tokens = s * 8192;
        if (!both) rec.rolling = true;
        lines.push(
          JSON.stringify(rec).replaceAll('","', '", "').replaceAll(',"', ', "').replaceAll('":', '": '),
        );
        run.checkpoints.push(name);
      }
      if (options.final ?? true) {
        lines.push(
          `{"name": "final", "batch": 0, "epoch": 1, "state_path": "tinker://${RUN}/weights/final", "sampler_path": "tinker://${RUN}/sampler_weights/final", "elapsed_tokens": 409600}`,
        );
        run.checkpoints.push("final");
      }
      let text = `${lines.join("\n")}\n`;
      for (const b of brokenList) {
        if (b !== "torn-jsonl") throw new Error(`fixture: broken case ${b} does not apply to layout tinker`);
        const n = String(maxSteps + 20).padStart(6, "0");
        text += `{"name": "${n}", "batch": ${maxSteps + 20}, "epoch": 0, "state_path": "tinker://${RUN}/wei`;
        run.broken.push({ case: b, target: `checkpoints.jsonl:${lines.length + 1}` });
      }
      files.set(`${root}/checkpoints.jsonl`, text);
      files.set(`${root}/config.json`, `{"log_path": "~/logs/sl-run"}\n`);
      files.set(`${root}/metrics.jsonl`, `{"step": 0, "train/loss": 2.3}\n`);
      break;
    }
    case "step-folders": {
      const base = `${root}/checkpoints`;
      for (const s of steps) {
        const d = `${base}/step_${s}`;
        writeHfModel(files, d, { peft: true }, false);
        files.set(`${d}/optimizer.pt`, buildTorchFile("optimizer", lean ? 64 : 512));
        files.set(`${d}/scheduler.pt`, buildTorchFile("scheduler", 32));
        run.checkpoints.push(`checkpoints/step_${s}`);
      }
      if (options.final ?? true) {
        writeHfModel(files, `${root}/final_model`, { peft: true }, false);
        run.checkpoints.push("final_model");
      }
      files.set(`${root}/logs/training.log`, "step 1 loss 2.3\n");
      for (const s of steps) {
        const log = {
          step: s,
          problem_id: "af902bf9",
          prompt: "Full prompt text...",
          target_grid: [
            [0, 1, 2],
            [1, 0, 1],
          ],
          candidates: [
            {
              candidate_id: 1,
              response_text: "Model response...",
              predicted_grid: [
                [0, 1, 1],
                [1, 0, 1],
              ],
              accuracy: 0.83,
              has_grid: true,
              correct_size: true,
              perfect_match: false,
            },
          ],
          best_candidate_id: 1,
          best_accuracy: 0.5 + s / 1000,
          timestamp: "2025-08-20T07:45:00",
        };
        files.set(
          `${root}/logs/responses/step_${String(s).padStart(3, "0")}.json`,
          `${JSON.stringify(log, null, 2)}\n`,
        );
      }
      for (const b of brokenList) {
        const d = `${base}/step_${target}`;
        run.broken.push({ case: b, target: `checkpoints/step_${target}` });
        if (b === "truncated-safetensors") truncate(files, `${d}/adapter_model.safetensors`);
        else if (b === "missing-optimizer") files.delete(`${d}/optimizer.pt`);
        else if (b === "half-written") {
          files.delete(`${d}/optimizer.pt`);
          files.delete(`${d}/scheduler.pt`);
          truncate(files, `${d}/adapter_model.safetensors`);
        } else throw new Error(`fixture: broken case ${b} does not apply to layout step-folders`);
      }
      break;
    }
    case "lightning": {
      const base = `${root}/lightning_logs/version_0/checkpoints`;
      steps.forEach((s, i) => {
        files.set(
          `${base}/epoch=${i}-step=${s}.ckpt`,
          buildTorchFile("archive", lean ? 64 : 512, lightningPickle(i, s)),
        );
        run.checkpoints.push(`lightning_logs/version_0/checkpoints/epoch=${i}-step=${s}.ckpt`);
      });
      // Lightning writes last.ckpt after the epoch file: a save that died half-way left the previous copy
      const lastAt =
        brokenList.includes("half-written") && steps.length > 1 ? steps.length - 2 : steps.length - 1;
      files.set(
        `${base}/last.ckpt`,
        buildTorchFile("archive", lean ? 64 : 512, lightningPickle(lastAt, steps[lastAt] ?? 0)),
      );
      run.checkpoints.push("lightning_logs/version_0/checkpoints/last.ckpt");
      for (const b of brokenList) {
        const i = steps.indexOf(target);
        const p = `${base}/epoch=${i}-step=${target}.ckpt`;
        run.broken.push({ case: b, target: p.slice(root.length + 1) });
        if (b === "half-written") truncate(files, p);
        else if (b === "corrupt-zip") flipByte(files, p);
        else throw new Error(`fixture: broken case ${b} does not apply to layout lightning`);
      }
      break;
    }
    case "deepspeed": {
      for (const s of steps) {
        const tag = `global_step${s}`;
        for (let r = 0; r < Math.max(options.world ?? 2, 1); r++) {
          files.set(
            `${root}/${tag}/zero_pp_rank_${r}_mp_rank_00_optim_states.pt`,
            buildTorchFile(`optim_${r}`, 128),
          );
          files.set(
            `${root}/${tag}/zero_pp_rank_${r}_mp_rank_00_model_states.pt`,
            buildTorchFile(`model_${r}`, 128),
          );
        }
        run.checkpoints.push(tag);
      }
      files.set(`${root}/latest`, `global_step${maxSteps}`);
      files.set(`${root}/zero_to_fp32.py`, "# DeepSpeed recovery script\n");
      for (const b of brokenList) {
        run.broken.push({ case: b, target: `global_step${target}` });
        if (b === "half-written") {
          const prev = steps[steps.length - 2];
          files.set(`${root}/latest`, prev === undefined ? "" : `global_step${prev}`);
          files.delete(`${root}/global_step${target}/zero_pp_rank_1_mp_rank_00_optim_states.pt`);
        } else if (b === "missing-optimizer")
          files.delete(`${root}/global_step${target}/zero_pp_rank_0_mp_rank_00_optim_states.pt`);
        else throw new Error(`fixture: broken case ${b} does not apply to layout deepspeed`);
      }
      break;
    }
    case "dcp": {
      for (const s of steps) {
        files.set(
          `${root}/step-${s}/.metadata`,
          dcpMetadataPickle([{ fqn: "model.weight", path: "__0_0.distcp", offset: 0, length: 256 }]),
        );
        files.set(`${root}/step-${s}/__0_0.distcp`, new Uint8Array(256).fill(3));
        run.checkpoints.push(`step-${s}`);
      }
      for (const b of brokenList) {
        run.broken.push({ case: b, target: `step-${target}` });
        if (b === "half-written") {
          files.delete(`${root}/step-${target}/.metadata`);
          files.set(`${root}/step-${target}/.metadata.tmp`, new Uint8Array([0x80, 0x04]));
        } else throw new Error(`fixture: broken case ${b} does not apply to layout dcp`);
      }
      break;
    }
  }
  return { files, run };
}
