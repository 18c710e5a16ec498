import { join } from "node:path";
import { dcpMetadataPickle, type PickleSpec } from "@rlops/checkpoint-layout/fixtures";
import { EXAMPLE_ARC_TASKS } from "./arc-tasks.js";
import {
  candidatesFor,
  type Grid,
  json,
  LORA_CONFIG,
  mean,
  put,
  rng,
  round,
  safetensors,
  std,
  TOKENIZER_CONFIG,
  torchFile,
  writeResponseLog,
} from "./common.js";

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
export async function writeArcDapoRun(dir: string): Promise<void> {
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
export async function writeArealRun(dir: string): Promise<void> {
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
