import { mkdir, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Layout } from "@rlops/checkpoint-layout";
import {
  buildSafetensors,
  buildTorchFile,
  dcpMetadataPickle,
  type PickleSpec,
  writeFixtureRun,
  writePickle,
} from "@rlops/checkpoint-layout/fixtures";
import { EXAMPLE_ARC_TASKS } from "./arc-tasks.js";

/** A safetensors file of F32 tensors (checkpoint-layout's fixture writer). */
const safetensors = (tensors: { name: string; shape: number[] }[]): Uint8Array =>
  buildSafetensors(tensors.map((t) => ({ ...t, dtype: "F32" as const })));

/** A torch-style zip whose `data.pkl` holds `value` (checkpoint-layout's fixture writer). */
const torchFile = (value: PickleSpec, payloadBytes: number): Uint8Array =>
  buildTorchFile("archive", payloadBytes, writePickle(value));

/**
 * The run's `training_args.bin`: a pickled `TrainingArguments` that `readTrainingArgs` reads. No
 * `save_total_limit` (every checkpoint kept), so the report's retention advice uses its default.
 */
const TRAINING_ARGS: PickleSpec = {
  $class: "transformers.training_args.TrainingArguments",
  state: {
    output_dir: "outputs/arc-dapo",
    save_total_limit: null,
    save_steps: 25,
    save_strategy: "steps",
    max_steps: 500,
    logging_steps: 1,
    load_best_model_at_end: false,
  },
};

/** One run written by {@link writeExampleRuns}. */
export interface ExampleRun {
  /** Short name, also the folder name under the example root. */
  name: string;
  /** The checkpoint layout the run uses (checkpoint-layout's layout names). */
  layout: Layout;
  /** Absolute path of the run directory to pass to `rlops report`. */
  dir: string;
  /** What the run shows. */
  story: string;
}

/** Deterministic PRNG (mulberry32) so the example is byte-identical on every machine. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const round = (x: number, digits = 4) => Number(x.toFixed(digits));

async function put(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, data);
}

const json = (value: unknown, indent = 2) => `${JSON.stringify(value, null, indent)}\n`;

/** Python's json.dumps separators (", " and ": "), as Tinker and many Python loggers write lines. */
function pyJsonLine(value: Record<string, unknown>): string {
  const parts = Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`);
  return `{${parts.join(", ")}}`;
}

type Grid = number[][];

const gridText = (grid: Grid) => grid.map((row) => row.join(" ")).join("\n");

function pixelAccuracy(pred: Grid | null, target: Grid): { accuracy: number; correctSize: boolean } {
  if (!pred || pred.length !== target.length || pred.some((r, i) => r.length !== target[i]?.length))
    return { accuracy: 0, correctSize: false };
  let same = 0;
  let total = 0;
  for (let i = 0; i < target.length; i++)
    for (let j = 0; j < (target[i] as number[]).length; j++) {
      total++;
      if (pred[i]?.[j] === target[i]?.[j]) same++;
    }
  return { accuracy: total === 0 ? 0 : same / total, correctSize: true };
}

function harmonyPrompt(task: (typeof EXAMPLE_ARC_TASKS)[string]): string {
  const examples = task.train
    .map(
      (pair, i) => `Example ${i + 1}: Input:\n${gridText(pair.input)}\nOutput:\n${gridText(pair.output)}\n`,
    )
    .join("");
  const test = task.test[0]?.input ?? [];
  return (
    `<|start|>user<|message|>Solve this pattern:\n${examples}Test Input:\n${gridText(test)}\nTest Output:<|end|>` +
    "<|start|>assistant"
  );
}

const ANALYSES = [
  "Looking at the examples, the output is the input rotated by 180 degrees.",
  "The transformation rule appears to move every coloured cell one row down.",
  "Each row of the output mirrors the matching row of the input.",
  "I compare the input and output cell by cell and look for a consistent mapping.",
];

interface StepCandidates {
  candidates: Record<string, unknown>[];
  rewards: number[];
  bestId: number;
  bestAccuracy: number;
  lengths: number[];
}

/**
 * Candidate completions for one step. `quality` in [0, 1] drives how close the predicted grids are;
 * `collapsed` makes the policy emit degenerate analysis loops with no final answer (reward 0).
 */
function candidatesFor(
  random: () => number,
  target: Grid,
  quality: number,
  collapsed: boolean,
  allowPerfect: boolean,
): StepCandidates {
  const candidates: Record<string, unknown>[] = [];
  const rewards: number[] = [];
  const lengths: number[] = [];
  let bestId = 1;
  let bestAccuracy = -1;
  for (let id = 1; id <= 8; id++) {
    let response: string;
    let predicted: Grid | null = null;
    if (collapsed) {
      const loop = "Wait, let me re-check the pattern. ".repeat(4 + Math.floor(random() * 6));
      response = `<|channel|>analysis<|message|>${loop}<|end|>`;
    } else {
      const roll = random();
      if (roll < 0.12 * (1 - quality)) {
        response = `<|channel|>analysis<|message|>${ANALYSES[id % ANALYSES.length]}<|end|>`;
      } else {
        const wrongSize = roll < 0.25 * (1 - quality);
        const rows = wrongSize ? target.slice(0, Math.max(1, target.length - 1)) : target;
        const flip = allowPerfect && random() < 0.5 ? 0 : Math.max(0.04, 0.6 * (1 - quality));
        predicted = rows.map((row) =>
          row.map((cell) => (random() < flip ? (cell + 1 + Math.floor(random() * 8)) % 10 : cell)),
        );
        if (!allowPerfect && !wrongSize) {
          // Keep at least one wrong cell: perfect answers only happen where the caller allows them.
          const row = Math.floor(random() * predicted.length);
          const col = Math.floor(random() * (predicted[row] as number[]).length);
          const cells = predicted[row] as number[];
          if (cells[col] === target[row]?.[col]) cells[col] = ((cells[col] as number) + 1) % 10;
        }
        const finalText = gridText(predicted);
        response =
          id % 4 === 0
            ? `Based on the pattern analysis:\n${finalText}`
            : `<|channel|>analysis<|message|>${ANALYSES[id % ANALYSES.length]}<|end|>` +
              `<|start|>assistant<|channel|>final<|message|>${finalText}<|return|>`;
      }
    }
    const { accuracy, correctSize } = pixelAccuracy(predicted, target);
    const perfect = correctSize && accuracy === 1;
    const formatBonus = response.includes("<|channel|>final<|message|>") ? 0.1 : 0;
    rewards.push(round(accuracy + (perfect ? 1 : 0) + formatBonus));
    lengths.push(response.length);
    if (accuracy > bestAccuracy) {
      bestAccuracy = accuracy;
      bestId = id;
    }
    candidates.push({
      candidate_id: id,
      response_text: response,
      predicted_grid: predicted,
      accuracy: round(accuracy),
      has_grid: predicted !== null,
      correct_size: correctSize,
      perfect_match: perfect,
    });
  }
  return { candidates, rewards, bestId, bestAccuracy: round(bestAccuracy), lengths };
}

const mean = (xs: number[]) => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);
const std = (xs: number[]) => {
  const m = mean(xs);
  return Math.sqrt(mean(xs.map((x) => (x - m) ** 2)));
};

const LORA_CONFIG = {
  alpha_pattern: {},
  base_model_name_or_path: "unsloth/gpt-oss-20b-BF16",
  bias: "none",
  inference_mode: true,
  lora_alpha: 32,
  lora_dropout: 0,
  peft_type: "LORA",
  r: 16,
  target_modules: ["q_proj", "k_proj", "v_proj", "o_proj"],
  task_type: "CAUSAL_LM",
  use_dora: false,
  use_rslora: false,
};

const TOKENIZER_CONFIG = { model_max_length: 2048, tokenizer_class: "PreTrainedTokenizerFast" };

/** Writes `logs/responses/step_NNN.json` in the ARC trainer's schema (seed 004). */
async function writeResponseLog(
  dir: string,
  step: number,
  problemId: string,
  task: (typeof EXAMPLE_ARC_TASKS)[string],
  target: Grid,
  result: ReturnType<typeof candidatesFor>,
  msPerStep: number,
): Promise<void> {
  await put(
    join(dir, "logs", "responses", `step_${String(step).padStart(3, "0")}.json`),
    json({
      step,
      problem_id: problemId,
      prompt: harmonyPrompt(task),
      target_grid: target,
      candidates: result.candidates,
      best_candidate_id: result.bestId,
      best_accuracy: result.bestAccuracy,
      timestamp: new Date(Date.UTC(2025, 7, 20, 7, 45, 0) + step * msPerStep).toISOString().slice(0, 19),
    }),
  );
}

/** Files of a complete HF/TRL LoRA checkpoint (tree 1.6(b) of the reference notes). */
async function writeHfCheckpoint(
  dir: string,
  state: Record<string, unknown>,
  halfWritten: boolean,
): Promise<void> {
  await put(
    join(dir, "adapter_model.safetensors"),
    safetensors([
      { name: "base_model.model.layers.0.self_attn.q_proj.lora_A.weight", shape: [16, 32] },
      { name: "base_model.model.layers.0.self_attn.q_proj.lora_B.weight", shape: [32, 16] },
    ]),
  );
  await put(join(dir, "adapter_config.json"), JSON.stringify(LORA_CONFIG, null, 2));
  await put(join(dir, "README.md"), "---\nbase_model: unsloth/gpt-oss-20b-BF16\nlibrary_name: peft\n---\n");
  await put(join(dir, "tokenizer_config.json"), json(TOKENIZER_CONFIG));
  await put(join(dir, "tokenizer.json"), json({ version: "1.0", model: { type: "BPE" } }));
  const optimizer = torchFile("optimizer", 2048);
  if (halfWritten) {
    // The process died while torch.save was streaming optimizer.pt: no end-of-central-directory record,
    // and nothing after it (scheduler, RNG, trainer_state.json) was written.
    await put(join(dir, "optimizer.pt"), optimizer.slice(0, Math.floor(optimizer.length * 0.6)));
    return;
  }
  await put(join(dir, "optimizer.pt"), optimizer);
  await put(join(dir, "scheduler.pt"), torchFile("scheduler", 64));
  await put(join(dir, "rng_state.pth"), torchFile("rng_state", 256));
  await put(join(dir, "training_args.bin"), torchFile(TRAINING_ARGS, 0));
  await put(join(dir, "trainer_state.json"), json(state));
}

/** HF TRL/Unsloth DAPO run on ARC: harmony completions, reward collapse at step 138, crash at 175. */
async function writeArcDapoRun(dir: string): Promise<void> {
  const random = rng(20250820);
  const taskIds = Object.keys(EXAMPLE_ARC_TASKS);
  const collapseAt = 138;
  const lastStep = 175;
  const saveSteps = 25;
  const stepsPerEpoch = 500;
  const logHistory: Record<string, unknown>[] = [];
  const metricsLines: string[] = [];
  for (let step = 1; step <= lastStep; step++) {
    const problemId = taskIds[(step - 1) % taskIds.length] as string;
    const task = EXAMPLE_ARC_TASKS[problemId] as (typeof EXAMPLE_ARC_TASKS)[string];
    const target = task.test[0]?.output as Grid;
    const quality = Math.min(0.9, 0.25 + step / 180);
    const collapsed = step >= collapseAt;
    // Perfect answers only on two problems, late in training: two distinct perfect problems, not three.
    const allowPerfect = !collapsed && step > 90 && (problemId === "6150a2bd" || problemId === "3c9b0459");
    const result = candidatesFor(random, target, quality, collapsed, allowPerfect && random() < 0.3);
    const reward = mean(result.rewards);
    const entry = {
      "completions/mean_length": round(mean(result.lengths), 1),
      epoch: round(step / stepsPerEpoch),
      grad_norm: round(collapsed ? 0.002 + random() * 0.001 : 0.3 + random() * 0.4),
      kl: round(collapsed ? 0.9 + random() * 0.2 : 0.01 + step * 0.0004),
      learning_rate: round(5e-6 * (1 - step / stepsPerEpoch), 10),
      loss: round(collapsed ? random() * 0.001 : 0.05 + random() * 0.05),
      reward: round(reward),
      reward_std: round(std(result.rewards)),
      "rewards/arc_pixel_reward/mean": round(mean(result.rewards.map((r) => Math.min(1, r)))),
      step,
    };
    logHistory.push(entry);
    metricsLines.push(JSON.stringify(entry));
    await writeResponseLog(dir, step, problemId, task, target, result, 41_000);
    if (step % saveSteps === 0 && step >= 100) {
      const state = {
        best_global_step: null,
        best_metric: null,
        best_model_checkpoint: null,
        epoch: round(step / stepsPerEpoch),
        eval_steps: 500,
        global_step: step,
        is_hyper_param_search: false,
        is_local_process_zero: true,
        is_world_process_zero: true,
        log_history: [...logHistory],
        logging_steps: 1,
        max_steps: stepsPerEpoch,
        num_input_tokens_seen: 0,
        num_train_epochs: 1,
        save_steps: saveSteps,
        stateful_callbacks: {
          TrainerControl: {
            args: {
              should_epoch_stop: false,
              should_evaluate: false,
              should_log: false,
              should_save: true,
              should_training_stop: false,
            },
            attributes: {},
          },
        },
        total_flos: 0,
        train_batch_size: 8,
        trial_name: null,
        trial_params: null,
      };
      await writeHfCheckpoint(join(dir, `checkpoint-${step}`), state, step === lastStep);
    }
  }
  await put(join(dir, "logs", "metrics.jsonl"), `${metricsLines.join("\n")}\n`);
  await put(
    join(dir, "logs", "training.log"),
    "INFO main_native_dapo: starting DAPO, 8 candidates per step, 5 ARC problems\n" +
      `INFO main_native_dapo: step ${lastStep}: saving checkpoint-${lastStep}\n` +
      "Killed\n",
  );
}

/** AReaL GRPO run (the H200 seed): task reward zero from step 178, breaker trips at 187. */
async function writeArealRun(dir: string): Promise<void> {
  const random = rng(188);
  const experiment = "gsm8k-grpo-cloud-h200";
  const trial = "trial_20251112_203112";
  const trialDir = join(dir, "checkpoints", "root", experiment, trial);
  const stepsPerEpoch = 100;
  const lines: string[] = [];
  const lastStep = 188;
  for (let g = 0; g < lastStep; g++) {
    const reward = g >= 178 ? 0 : round(Math.min(0.85, 0.2 + g / 300) + (random() - 0.5) * 0.08);
    lines.push(
      JSON.stringify({
        step: g,
        epoch: Math.floor(g / stepsPerEpoch),
        "grpo_actor/task_reward/avg": reward,
        "grpo_actor/actor_loss": round((random() - 0.5) * 0.02),
        "grpo_actor/kl": round(0.001 + g * 0.00002),
        "grpo_actor/no_eos_ratio": g >= 178 ? 1 : round(random() * 0.05),
      }),
    );
    // Saver freq_steps=50: saves after global steps 49, 99, 149.
    if ((g + 1) % 50 === 0) {
      const epoch = Math.floor(g / stepsPerEpoch);
      const epochStep = g % stepsPerEpoch;
      const ckpt = join(trialDir, "default", `epoch${epoch}epochstep${epochStep}globalstep${g}`);
      await put(
        join(ckpt, "config.json"),
        json({ architectures: ["Qwen2ForCausalLM"], model_type: "qwen2" }),
      );
      await put(join(ckpt, "generation_config.json"), json({ do_sample: true }));
      await put(join(ckpt, "model.safetensors"), safetensors([{ name: "lm_head.weight", shape: [64, 32] }]));
      await put(join(ckpt, "tokenizer.json"), json({ version: "1.0" }));
      await put(join(ckpt, "tokenizer_config.json"), json(TOKENIZER_CONFIG));
    }
  }
  // Recover dump (recover freq_steps=50, overwritten every dump): the last one ran after global step 149.
  const recover = join(trialDir, "default", "recover_checkpoint");
  const shard0 = torchFile("dcp-shard-0", 1024);
  const shard1 = torchFile("dcp-shard-1", 1024);
  await put(join(recover, "__0_0.distcp"), shard0);
  await put(join(recover, "__1_0.distcp"), shard1);
  // .metadata is a pickle naming every byte range of the data files; DCP writes it last (commit marker)
  await put(
    join(recover, ".metadata"),
    dcpMetadataPickle([
      { fqn: "model.shard0", path: "__0_0.distcp", offset: 0, length: shard0.length },
      { fqn: "model.shard1", path: "__1_0.distcp", offset: 0, length: shard1.length },
    ]),
  );
  const start = 1762980000.0;
  const ctl = (
    frequencySteps: number | null,
    frequenceSeconds: number | null,
    steps: number,
    lastSteps: number,
    lastTime: number,
  ) => ({
    frequence_seconds: frequenceSeconds,
    frequency_steps: frequencySteps,
    start_time: start,
    steps,
    last_time: lastTime,
    last_steps: lastSteps,
    interval_steps: steps - lastSteps,
    interval_seconds: 0.0,
    initial_value: false,
  });
  // EpochStepTimeFreqCtl state after 150 steps at 30 s/step: epoch freq 1, step freq 50, time freq 3600 s.
  const freq = {
    epoch: ctl(1, null, 1, 1, start + 100 * 30),
    step: ctl(50, null, 150, 150, start + 150 * 30),
    time: ctl(null, 3600, 150, 120, start + 120 * 30),
  };
  const info = join(trialDir, "recover_info");
  await put(
    join(info, "step_info.json"),
    JSON.stringify({ epoch: 1, epoch_step: 49, global_step: 149, steps_per_epoch: stepsPerEpoch }, null, 4),
  );
  await put(join(info, "saver_info.json"), JSON.stringify(freq, null, 4));
  await put(join(info, "evaluator_info.json"), JSON.stringify(freq, null, 4));
  await put(join(info, "stats_logger_info.json"), JSON.stringify({ last_commit_step: 149 }, null, 4));
  await put(join(info, "checkpoint_info.json"), JSON.stringify(freq, null, 4));
  await put(join(info, "dataloader_info.pkl"), new Uint8Array([0x80, 0x04, 0x5d, 0x94, 0x2e]));
  await put(join(dir, "logs", "root", experiment, trial, "stats.jsonl"), `${lines.join("\n")}\n`);
}

/** Staged trainer (generator/discriminator per stage, best and final). */
async function writeStagedRun(dir: string): Promise<void> {
  const rewards = [0.31, 0.44, 0.52, 0.49, 0.58];
  const bestStage = rewards.indexOf(Math.max(...rewards)) + 1;
  for (let stage = 1; stage <= 5; stage++) {
    const metrics = {
      stage,
      generator: { avg_reward: rewards[stage - 1], loss: round(1.2 - stage * 0.15) },
      discriminator: { accuracy: round(0.6 + stage * 0.05), loss: round(0.7 - stage * 0.05) },
    };
    const write = async (folder: string, withMetrics: boolean) => {
      await put(join(dir, "checkpoints", folder, "generator.pt"), torchFile("generator", 1024));
      await put(join(dir, "checkpoints", folder, "discriminator.pt"), torchFile("discriminator", 512));
      if (withMetrics) await put(join(dir, "checkpoints", folder, "metrics.json"), json(metrics));
    };
    await write(`stage_${stage}`, true);
    if (stage === bestStage) await write("best", true);
    if (stage === 5) {
      await write("final", false);
      await put(
        join(dir, "checkpoints", "final", "training_config.json"),
        json({ stages: 5, generator_model: "Qwen/Qwen2.5-0.5B", device: "cuda", learning_rate: 1e-5 }),
      );
    }
  }
}

/** Tinker run: remote checkpoints in checkpoints.jsonl, with a torn last line from a crash mid-append. */
async function writeTinkerRun(dir: string): Promise<void> {
  const random = rng(42);
  const run = "b89f6676-49c4-53ed-9788-2e0c81a9eabf:train:0";
  const records = [
    {
      name: "000000",
      batch: 0,
      state_path: `tinker://${run}/weights/000000`,
      sampler_path: `tinker://${run}/sampler_weights/000000`,
    },
    {
      name: "000020",
      batch: 20,
      state_path: `tinker://${run}/weights/000020`,
      sampler_path: `tinker://${run}/sampler_weights/000020`,
    },
    {
      name: "000040",
      batch: 40,
      state_path: `tinker://${run}/weights/000040`,
      sampler_path: `tinker://${run}/sampler_weights/000040`,
    },
    { name: "000041", batch: 41, state_path: `tinker://${run}/weights/000041`, rolling: true },
  ];
  const torn = pyJsonLine({ name: "000060", batch: 60, state_path: `tinker://${run}/weig` });
  await put(
    join(dir, "checkpoints.jsonl"),
    `${records.map((r) => pyJsonLine(r)).join("\n")}\n${torn.slice(0, torn.length - 2)}`,
  );
  await put(
    join(dir, "config.json"),
    json({ model_name: "meta-llama/Llama-3.1-8B", lora_rank: 32, save_every: 20 }),
  );
  const metrics: string[] = [];
  for (let step = 0; step < 60; step++)
    metrics.push(
      JSON.stringify({
        step,
        "env/all/reward/total": round(0.1 + step / 90 + (random() - 0.5) * 0.05),
        "optim/lr": 4e-5,
        "optim/kl_sample_train_v1": round(0.002 + random() * 0.001),
      }),
    );
  await put(join(dir, "metrics.jsonl"), `${metrics.join("\n")}\n`);
}

/** Step-folder trainer (seed 004): checkpoints/step_N, final_model, per-step ARC response logs. */
async function writeStepFolderRun(dir: string): Promise<void> {
  const random = rng(4);
  const taskIds = Object.keys(EXAMPLE_ARC_TASKS);
  let perfectProblems = new Set<string>();
  let step = 0;
  while (step < 200) {
    step++;
    const problemId = taskIds[(step - 1) % taskIds.length] as string;
    const task = EXAMPLE_ARC_TASKS[problemId] as (typeof EXAMPLE_ARC_TASKS)[string];
    const target = task.test[0]?.output as Grid;
    const quality = Math.min(0.95, 0.3 + step / 100);
    const result = candidatesFor(random, target, quality, false, step > 110 && random() < 0.5);
    await writeResponseLog(dir, step, problemId, task, target, result, 60_000);
    if (step % 50 === 0) {
      const ckpt = join(dir, "checkpoints", `step_${step}`);
      await put(join(ckpt, "adapter_model.safetensors"), safetensors([{ name: "lora_A", shape: [16, 16] }]));
      await put(join(ckpt, "adapter_config.json"), JSON.stringify(LORA_CONFIG, null, 2));
      await put(join(ckpt, "tokenizer_config.json"), json(TOKENIZER_CONFIG));
    }
    if (result.candidates.some((c) => c.perfect_match === true)) perfectProblems.add(problemId);
    // The seed's trainer stops early after perfect solutions on 3 distinct problems.
    if (perfectProblems.size >= 3) break;
  }
  perfectProblems = new Set();
  const final = join(dir, "final_model");
  await put(join(final, "adapter_model.safetensors"), safetensors([{ name: "lora_A", shape: [16, 16] }]));
  await put(join(final, "adapter_config.json"), JSON.stringify(LORA_CONFIG, null, 2));
  await put(join(final, "tokenizer_config.json"), json(TOKENIZER_CONFIG));
  await put(join(dir, "logs", "training.log"), `INFO early stop at step ${step}: 3 perfect solutions\n`);
}

/** Python's json.dumps writes non-finite floats as bare `NaN` / `Infinity` tokens. */
function pyNumber(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (!Number.isFinite(value)) return value > 0 ? "Infinity" : "-Infinity";
  return JSON.stringify(value);
}

/** A JSONL metrics log as a Python logger writes it (`json.dumps` per line, NaN tokens included). */
function pyMetricsJsonl(rows: Record<string, number>[]): string {
  return `${rows
    .map(
      (row) =>
        `{${Object.entries(row)
          .map(([k, v]) => `${JSON.stringify(k)}: ${pyNumber(v)}`)
          .join(", ")}}`,
    )
    .join("\n")}\n`;
}

/** Lightning run (checkpoint tree from `@rlops/checkpoint-layout/fixtures`): the loss turns NaN at step 1010. */
async function writeLightningRun(dir: string): Promise<void> {
  const run = writeFixtureRun(dir, "lightning", { steps: [400, 800, 1200] });
  const random = rng(1010);
  const rows: Record<string, number>[] = [];
  for (let step = 0; step <= 1250; step += 10)
    rows.push({
      step,
      epoch: Math.floor(step / 400),
      train_loss: step >= 1010 ? Number.NaN : round(2.4 * Math.exp(-step / 600) + 0.3 + random() * 0.05),
      lr: 3e-4,
    });
  await put(join(run.runDir, "lightning_logs", "version_0", "metrics.jsonl"), pyMetricsJsonl(rows));
}

/** DeepSpeed run (fixture tree): the loss spikes from step 250; global_step300 was half-written. */
async function writeDeepSpeedRun(dir: string): Promise<void> {
  const run = writeFixtureRun(dir, "deepspeed", { steps: [100, 200, 300], broken: "half-written" });
  const random = rng(250);
  const rows: Record<string, number>[] = [];
  for (let step = 1; step <= 300; step++) {
    const base = 1.8 * Math.exp(-step / 200) + 0.6 + random() * 0.02;
    rows.push({
      step,
      loss: round(step >= 250 && step < 262 ? base * 12 : base),
      grad_norm: round(0.8 + random() * 0.2),
    });
  }
  await put(join(run.runDir, "metrics.jsonl"), pyMetricsJsonl(rows));
}

/** Torch DCP run (fixture tree), healthy. */
async function writeDcpRun(dir: string): Promise<void> {
  const run = writeFixtureRun(dir, "dcp", { steps: [3, 7] });
  const rows: Record<string, number>[] = [];
  for (let step = 1; step <= 8; step++)
    rows.push({ step, loss: round(1.5 - step * 0.1), reward: round(0.2 + step * 0.05) });
  await put(join(run.runDir, "metrics.jsonl"), pyMetricsJsonl(rows));
}

/**
 * Writes the bundled example: an ARC DAPO run in the Hugging Face layout (harmony completions in
 * `logs/responses/step_NNN.json`, a reward collapse at step 138, `checkpoint-N/` folders with the last one
 * half-written, `trainer_state.json` with `log_history`), plus one run for each other layout (AReaL,
 * staged, Tinker, step folders written here; Lightning, DeepSpeed and DCP trees from
 * `@rlops/checkpoint-layout/fixtures` `writeFixtureRun`, with metrics logs added).
 * Deterministic; replaces `root` if it exists. Returns the runs written, the ARC DAPO run first.
 */
export async function writeExampleRuns(root: string): Promise<ExampleRun[]> {
  await rm(root, { recursive: true, force: true });
  const runs: ExampleRun[] = [
    {
      name: "arc-dapo",
      layout: "hf",
      dir: join(root, "arc-dapo"),
      story: "GPT-OSS ARC DAPO run: reward collapses at step 138, killed while saving checkpoint-175",
    },
    {
      name: "areal-grpo",
      layout: "areal",
      dir: join(root, "areal-grpo"),
      story: "AReaL GRPO on H200: task reward zero from step 178, breaker trips at 187",
    },
    {
      name: "staged",
      layout: "staged",
      dir: join(root, "staged"),
      story: "staged trainer: 5 stages, best, final",
    },
    {
      name: "tinker",
      layout: "tinker",
      dir: join(root, "tinker"),
      story: "Tinker RL run: remote checkpoints, torn last line in checkpoints.jsonl",
    },
    {
      name: "step-folders",
      layout: "step-folders",
      dir: join(root, "step-folders"),
      story: "ARC step-folder trainer: early stop after 3 perfect solutions",
    },
    {
      name: "lightning",
      layout: "lightning",
      dir: join(root, "lightning"),
      story: "Lightning run: the loss turns NaN at step 1010",
    },
    {
      name: "deepspeed",
      layout: "deepspeed",
      dir: join(root, "deepspeed"),
      story: "DeepSpeed run: loss spike from step 250, global_step300 half-written",
    },
    { name: "dcp", layout: "dcp", dir: join(root, "dcp"), story: "torch DCP run, healthy" },
  ];
  await writeArcDapoRun(runs[0]!.dir);
  await writeArealRun(runs[1]!.dir);
  await writeStagedRun(runs[2]!.dir);
  await writeTinkerRun(runs[3]!.dir);
  await writeStepFolderRun(runs[4]!.dir);
  await writeLightningRun(runs[5]!.dir);
  await writeDeepSpeedRun(runs[6]!.dir);
  await writeDcpRun(runs[7]!.dir);
  await put(
    join(root, "README.md"),
    `# rlops example runs\n\n${runs.map((r) => `- \`${r.name}/\` (${r.layout}): ${r.story}`).join("\n")}\n`,
  );
  return runs;
}
