/** `@rlops/arc-eval`: grid extraction from free text (never throws). */
import { extractGrid, inspectGrids } from "../../packages/arc-eval/src/index.js";
import { type AnyTarget, type LargeInput, textTarget } from "../harness.js";
import { hostileText, largeText, repeatTo } from "../hostile.js";

const seeds = [
  "The answer is:\n[[1, 2, 3], [4, 5, 6]]",
  "```\n0 1 2\n3 4 5\n```",
  "<|channel|>analysis<|message|>[[9]]<|end|><|start|>assistant<|channel|>final<|message|>[[1,2],[3,4]]<|return|>",
  "Output:\n123\n456\n789\n",
  '{"output": [[0,0],[0,0]]}',
];
const TOKENS = [
  "[",
  "]",
  "[[",
  "]]",
  ",",
  " ",
  "\n",
  "```",
  "```json\n",
  "0",
  "9",
  "10",
  "-1",
  "<|channel|>final<|message|>",
  "<|end|>",
];

/** Hostile large inputs of both targets. */
const extra = (): LargeInput<string>[] => [
  { label: "one huge grid", input: `[${repeatTo("[1,2,3,4,5,6,7,8,9,0],").slice(0, -1)}]` },
  { label: "digit rows", input: repeatTo("0123456789\n") },
  { label: "unclosed brackets", input: repeatTo("[[1,2") },
];
/** Text without a grid: `extractGrid` reads all of it (with a grid near the end it stops early). */
const prose = ["The model reasons about the puzzle, step by step, and finds no answer.\n"];

/** Each parser with the baseline texts it reads to the end. */
const parsers: Array<[string, (text: string) => unknown, string[]]> = [
  ["arc/extractGrid", extractGrid, prose],
  ["arc/inspectGrids", inspectGrids, seeds],
];

export const arcTargets: AnyTarget[] = parsers.map(([name, parse, baseline]) =>
  textTarget(
    name,
    hostileText(seeds, TOKENS),
    (text) => void parse(text),
    () => largeText(baseline, extra()),
    "never-throws",
  ),
);
