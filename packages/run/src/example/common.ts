import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import {
  buildSafetensors,
  buildTorchFile,
  type PickleSpec,
  writePickle,
} from "@rlops/checkpoint-layout/fixtures";
import type { EXAMPLE_ARC_TASKS } from "./arc-tasks.js";

/** Shared pieces of the example runs: file writers, deterministic numbers, ARC candidates. */
/** A safetensors file of F32 tensors (checkpoint-layout's fixture writer). */
export const safetensors = (tensors: { name: string; shape: number[] }[]): Uint8Array =>
  buildSafetensors(tensors.map((t) => ({ ...t, dtype: "F32" as const })));

/** A torch-style zip whose `data.pkl` holds `value` (checkpoint-layout's fixture writer). */
export const torchFile = (value: PickleSpec, payloadBytes: number): Uint8Array =>
  buildTorchFile("archive", payloadBytes, writePickle(value));

/** Deterministic PRNG (mulberry32) so the example is byte-identical on every machine. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Rounds to `digits` decimals (the logs show short numbers). */
export const round = (x: number, digits = 4) => Number(x.toFixed(digits));

/** Writes a file, creating its folder. */
export async function put(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, data);
}

/** Pretty JSON with a trailing newline, as Python's `json.dump(indent=2)` writes it. */
export const json = (value: unknown, indent = 2) => `${JSON.stringify(value, null, indent)}\n`;

/** Python's json.dumps separators (", " and ": "), as Tinker and many Python loggers write lines. */
export function pyJsonLine(value: Record<string, unknown>): string {
  const parts = Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`);
  return `{${parts.join(", ")}}`;
}

/** An ARC grid. */
export type Grid = number[][];

/** An ARC grid as rows of space-separated cells. */
const gridText = (grid: Grid) => grid.map((row) => row.join(" ")).join("\n");

/** Share of cells equal to the target (0 when the size differs). */
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

/** The harmony prompt of an ARC task (train pairs, then the test input). */
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

/** Analysis-channel texts the example completions reason with. */
const ANALYSES = [
  "Looking at the examples, the output is the input rotated by 180 degrees.",
  "The transformation rule appears to move every coloured cell one row down.",
  "Each row of the output mirrors the matching row of the input.",
  "I compare the input and output cell by cell and look for a consistent mapping.",
];

/** The candidates of one step with their rewards and lengths. */
export interface StepCandidates {
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
export function candidatesFor(
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

/** Arithmetic mean (0 for no values). */
export const mean = (xs: number[]) => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);
/** Population standard deviation. */
export const std = (xs: number[]) => {
  const m = mean(xs);
  return Math.sqrt(mean(xs.map((x) => (x - m) ** 2)));
};

/** The `adapter_config.json` of the example LoRA checkpoints. */
export const LORA_CONFIG = {
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

/** The `tokenizer_config.json` of the example checkpoints. */
export const TOKENIZER_CONFIG = { model_max_length: 2048, tokenizer_class: "PreTrainedTokenizerFast" };

/** Writes `logs/responses/step_NNN.json` in the ARC trainer's schema (seed 004). */
export async function writeResponseLog(
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
