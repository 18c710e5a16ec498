/** `@rlops/checkpoint-layout`: lenient JSON, trainer_state, checkpoints.jsonl, pickle, safetensors header, zip directory. */
import { readFileSync } from "node:fs";
import fc from "fast-check";
import {
  buildSafetensors,
  buildTorchFile,
  buildZip,
  type PickleSpec,
  writePickle,
} from "../../packages/checkpoint-layout/src/fixtures.js";
import {
  checkSafetensors,
  checkTorchZip,
  createMemoryStorage,
  parseCheckpointsJsonl,
  parseLenientJson,
  parseTrainerState,
  readPickle,
} from "../../packages/checkpoint-layout/src/index.js";
import { type AnyTarget, bytesTarget, textTarget } from "../harness.js";
import { hostileBytes, hostileText, jsonArrayOf, LARGE_BYTES, largeBytes, largeText } from "../hostile.js";

const data = (name: string): string =>
  readFileSync(new URL(`../../packages/checkpoint-layout/test-data/${name}`, import.meta.url), "utf8");
const trainerState = data("hf-checkpoint-8-trainer_state.json");
const jsonl = data("tinker-rl-checkpoints.jsonl");
const JSON_TOKENS = [
  "NaN",
  "Infinity",
  "-Infinity",
  '"log_history":',
  '"global_step":',
  "{",
  "}",
  "[",
  "]",
  ",",
  ":",
  '"\\ud800"',
  "18446744073709551616",
];

const pickles = [
  writePickle({ save_total_limit: 2, save_steps: 50, output_dir: "out", nested: [1, 2.5, true, null] }),
  writePickle({
    $class: "transformers.training_args.TrainingArguments",
    state: { max_steps: 100, lr: 1e-5 },
  }),
];
const safetensors = [
  buildSafetensors([
    { name: "w", dtype: "F32", shape: [4, 4] },
    { name: "b", dtype: "BF16", shape: [4] },
  ]),
];
const zips = [buildTorchFile("optimizer", 256), buildZip([{ name: "a/data.pkl", data: pickles[0]! }])];

/** A valid trainer_state.json of about the large-input size (its log history repeated). */
function longTrainerState(): string {
  const state = JSON.parse(trainerState) as { log_history: unknown[] };
  const one = state.log_history;
  const perEntry = JSON.stringify(one).length / Math.max(1, one.length);
  const n = Math.ceil(LARGE_BYTES / perEntry);
  state.log_history = Array.from({ length: n }, (_, i) => one[i % one.length]);
  return JSON.stringify(state, null, 2);
}

/** `[[[…]]]` nested `depth` deep. */
function deepList(depth: number): PickleSpec {
  let v: PickleSpec = [];
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

/** Runs a `(storage, path)` checker on `bytes` stored in memory. */
async function onStorage(
  bytes: Uint8Array,
  check: (storage: ReturnType<typeof createMemoryStorage>, path: string) => Promise<unknown>,
): Promise<void> {
  await check(createMemoryStorage({ "ckpt/file": bytes }), "ckpt/file");
}

export const checkpointTargets: AnyTarget[] = [
  textTarget(
    "checkpoint/parseLenientJson",
    hostileText([trainerState, '{"a": NaN, "b": [Infinity, 1e999, 123456789012345678901]}'], JSON_TOKENS),
    (text) => void parseLenientJson(text, { rejectDuplicateKeys: true }),
    () => [
      ...largeText([]),
      { label: "array of trainer states", input: jsonArrayOf(trainerState), baseline: true },
      {
        label: "array of non-finite",
        input: jsonArrayOf('{"a": NaN, "b": [Infinity, -1, 18446744073709551616]}'),
        baseline: true,
      },
    ],
  ),
  textTarget(
    "checkpoint/parseTrainerState",
    hostileText([trainerState], JSON_TOKENS),
    (text) => void parseTrainerState(text),
    () => [...largeText([]), { label: "long log_history", input: longTrainerState(), baseline: true }],
  ),
  textTarget(
    "checkpoint/parseCheckpointsJsonl",
    hostileText([jsonl], JSON_TOKENS),
    (text) => void parseCheckpointsJsonl(text),
    () => largeText([jsonl]),
  ),
  bytesTarget(
    "checkpoint/readPickle",
    hostileBytes(pickles),
    (bytes) => void readPickle(bytes, "fuzz.pkl"),
    () => [
      ...largeBytes([]),
      {
        label: "big list",
        input: writePickle(Array.from({ length: 20_000 }, (_, i) => i * 1.5)),
        baseline: true,
      },
      {
        label: "big dict",
        input: writePickle(Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, i]))),
        baseline: true,
      },
      { label: "deep list", input: writePickle(deepList(900)) },
    ],
  ),
  bytesTarget(
    "checkpoint/checkSafetensors",
    fc.oneof(
      hostileBytes(safetensors),
      hostileText([new TextDecoder().decode(safetensors[0]!.subarray(8, 8 + 96))], JSON_TOKENS).map(
        (header) => {
          const h = new TextEncoder().encode(header);
          const out = new Uint8Array(8 + h.length + 64);
          new DataView(out.buffer).setUint32(0, h.length, true);
          out.set(h, 8);
          return out;
        },
      ),
    ),
    (bytes) => onStorage(bytes, (s, p) => checkSafetensors(s, p)),
    () =>
      largeBytes(
        [],
        [
          {
            label: "many tensors",
            input: buildSafetensors(
              Array.from({ length: 3000 }, (_, i) => ({
                name: `layer.${i}.w`,
                dtype: "F32" as const,
                shape: [2],
              })),
            ),
            baseline: true,
          },
        ],
      ),
  ),
  bytesTarget(
    "checkpoint/checkTorchZip",
    hostileBytes(zips),
    (bytes) => onStorage(bytes, (s, p) => checkTorchZip(s, p, { verifyCrc: true })),
    () =>
      largeBytes(
        [],
        [
          {
            label: "many entries",
            input: buildZip(
              Array.from({ length: 2000 }, (_, i) => ({
                name: `archive/data/${i}`,
                data: new Uint8Array(16),
              })),
            ),
            baseline: true,
          },
          { label: "one big entry", input: buildTorchFile("big", 128 * 1024), baseline: true },
        ],
      ),
  ),
];
