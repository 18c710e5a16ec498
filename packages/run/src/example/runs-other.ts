import { join } from "node:path";
import { writeFixtureRun } from "@rlops/checkpoint-layout/fixtures";
import { EXAMPLE_ARC_TASKS } from "./arc-tasks.js";
import {
  candidatesFor,
  type Grid,
  json,
  LORA_CONFIG,
  put,
  pyJsonLine,
  rng,
  round,
  safetensors,
  TOKENIZER_CONFIG,
  torchFile,
  writeResponseLog,
} from "./common.js";

/** Staged trainer (generator/discriminator per stage, best and final). */
export async function writeStagedRun(dir: string): Promise<void> {
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
export async function writeTinkerRun(dir: string): Promise<void> {
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
export async function writeStepFolderRun(dir: string): Promise<void> {
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
export async function writeLightningRun(dir: string): Promise<void> {
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
export async function writeDeepSpeedRun(dir: string): Promise<void> {
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
export async function writeDcpRun(dir: string): Promise<void> {
  const run = writeFixtureRun(dir, "dcp", { steps: [3, 7] });
  const rows: Record<string, number>[] = [];
  for (let step = 1; step <= 8; step++)
    rows.push({ step, loss: round(1.5 - step * 0.1), reward: round(0.2 + step * 0.05) });
  await put(join(run.runDir, "metrics.jsonl"), pyMetricsJsonl(rows));
}
