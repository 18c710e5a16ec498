/** `@rlops/recovery`: breaker configs, NaN-tolerant JSON, TensorBoard TFRecord, Lightning CSV, JSONL metrics. */
import { readFileSync } from "node:fs";
import fc from "fast-check";
import {
  LightningCsvDecoder,
  LineSplitter,
  loadBreakerConfig,
  type MetricRecord,
  parseJsonWithNonFinite,
  parseMetricLine,
  renderDefaultBreakerYaml,
  TensorBoardDecoder,
} from "../../packages/recovery/src/index.js";
import { type AnyTarget, Broken, textTarget } from "../harness.js";
import { CONFIG_BYTES, hostileBytes, hostileText, jsonArrayOf, largeBytes, largeText } from "../hostile.js";

const data = (path: string): URL =>
  new URL(`../../packages/recovery/test-data/trainers/${path}`, import.meta.url);
const breakerYaml = renderDefaultBreakerYaml({ rewardMetric: "reward", lossMetric: "loss", arc: true });
const events = [
  readFileSync(data("summarywriter/events.out.tfevents.1796181805.vm.24956.0")),
  readFileSync(data("hf-trainer/runs/Dec02_03-25-48_vm/events.out.tfevents.1796181948.vm.25765.0")),
].map((b) => new Uint8Array(b));
const csv = readFileSync(data("lightning/csv/version_0/metrics.csv"), "utf8");
const jsonl = [
  '{"step": 1, "loss": 0.5, "reward": NaN}',
  '{"step": 2, "loss": Infinity, "nested": {"a": [1, 2, -Infinity]}}',
  '{"global_step": 3, "train/loss": 1e-3}',
].join("\n");

/** Decodes a TFRecord stream in one push, and again split at `cut`; both must agree. */
function decodeEvents(bytes: Uint8Array, cut: number): Broken | undefined {
  const whole = tensorBoardRecords([bytes]);
  const at = Math.min(bytes.length, cut);
  const split = tensorBoardRecords([bytes.subarray(0, at), bytes.subarray(at)]);
  if (JSON.stringify(whole) !== JSON.stringify(split))
    return new Broken(
      `chunked decode differs from one-shot decode (cut at ${at}): ${JSON.stringify(whole).slice(0, 200)} vs ${JSON.stringify(split).slice(0, 200)}`,
    );
  return undefined;
}

function tensorBoardRecords(chunks: Uint8Array[]): unknown[] {
  const out: unknown[] = [];
  const decoder = new TensorBoardDecoder({ file: "fuzz.tfevents" });
  const onRecord = (r: MetricRecord) => out.push(r);
  for (const c of chunks) decoder.push(c, onRecord);
  decoder.end(onRecord, (d) => out.push(d.code));
  return out;
}

function decodeCsv(text: string): unknown[] {
  const out: unknown[] = [];
  const decoder = new LightningCsvDecoder({ file: "metrics.csv" });
  const onRecord = (r: MetricRecord) => out.push(r);
  const lines = text.split("\n");
  for (const [i, line] of lines.entries()) decoder.line(line, i + 1, onRecord, (d) => out.push(d.code));
  decoder.flush(onRecord);
  return out;
}

/** Splits JSONL text with the metric line splitter and parses each line, like the file reader. */
function decodeJsonl(text: string): unknown[] {
  const out: unknown[] = [];
  const splitter = new LineSplitter(1024 * 1024);
  const onLine = (line: string, n: number) => out.push(parseMetricLine(line, {}, n));
  splitter.push(text, onLine, (n) => out.push(`too long ${n}`));
  splitter.push("\n", onLine, (n) => out.push(`too long ${n}`));
  return out;
}

const CSV_TOKENS = [",", '"', '""', "\n", "step", "epoch", "nan", "inf", "-inf", "1e400", "val_loss", "\r\n"];
const JSON_TOKENS = [
  '{"step":',
  "NaN",
  "-Infinity",
  "Infinity",
  '"loss":',
  "}",
  "\n",
  '"\\u0000"',
  '"\\ud800"',
];

export const recoveryTargets: AnyTarget[] = [
  textTarget(
    "recovery/loadBreakerConfig",
    hostileText(
      [breakerYaml, JSON.stringify(loadBreakerConfig(breakerYaml))],
      ["rules:", "  - metric: ", "when: ", "action: stop", "window: ", "&a ", "*a", "<<: *a"],
    ),
    (text) => void loadBreakerConfig(text),
    () => largeText([`# ${breakerYaml}`], [], CONFIG_BYTES),
  ),
  textTarget(
    "recovery/parseJsonWithNonFinite",
    hostileText([jsonl.split("\n")[1]!, '[1, NaN, {"a": -Infinity}]'], JSON_TOKENS),
    (text) => void parseJsonWithNonFinite(text, "fuzz"),
    // valid JSON with non-finite numbers (plain JSON takes the faster JSON.parse path)
    () => [
      ...largeText([]),
      ...jsonl
        .split("\n")
        .map((line, i) => ({ label: `array of line ${i}`, input: jsonArrayOf(line), baseline: true })),
      { label: "array of NaN", input: jsonArrayOf("NaN"), baseline: true },
    ],
  ),
  {
    name: "recovery/TensorBoardDecoder",
    group: "recovery",
    contract: "typed",
    arbitrary: fc.tuple(hostileBytes(events), fc.nat(9000)),
    run: ([bytes, cut]: [Uint8Array, number]) => decodeEvents(bytes, cut),
    size: ([bytes]: [Uint8Array, number]) => bytes.length,
    large: () => largeBytes(events).map((l) => ({ ...l, input: [l.input, l.input.length >> 1] })),
  },
  textTarget(
    "recovery/LightningCsvDecoder",
    hostileText([csv], CSV_TOKENS),
    (text) => void decodeCsv(text),
    () =>
      largeText(
        [csv.slice(csv.indexOf("\n") + 1)],
        [{ label: "one long quoted cell", input: `step,a\n1,"${"x".repeat(100_000)}` }],
      ).map((l) => ({ ...l, input: `epoch,step,train_loss,val_loss\n${l.input}` })),
  ),
  textTarget(
    "recovery/JSONL metric lines",
    hostileText([jsonl], JSON_TOKENS),
    (text) => void decodeJsonl(text),
    () => largeText([`${jsonl}\n`]),
  ),
];
