import { ArcError } from "./errors.js";
import type { GridFormat } from "./extract/types.js";
import { formatGrid } from "./format.js";
import { type HarmonyPromptOptions, renderHarmonyPrompt } from "./harmony.js";
import type { Task } from "./task.js";

/** Prompt styles of {@link formatTaskPrompt}. */
export type PromptStyle = "seed" | "arc-prize" | "json" | "harmony";

/** Options of {@link formatTaskPrompt}. */
export interface PromptOptions {
  /**
   * `"seed"` (default): the gpt-oss ARC training prompt, `Example 1: Input:\n0 1 2\n…Output:\n…`
   * then `Test Input:\n…\nTest Output:`. `"arc-prize"`: the ARC Prize o3/v2 text prompt
   * (`Example 1:\n\nInput:\n…`, space-separated digits). `"json"`: the arc-agi-benchmarking prompt
   * (`--Example 0--`, grids as `json.dumps`). `"harmony"`: the seed prompt as a harmony user turn,
   * rendered for completion by `@rlops/harmony-format`.
   */
  style?: PromptStyle;
  /** Which test input to ask for (default 0). */
  testIndex?: number;
  /** Grid format of the `"seed"` and `"harmony"` styles (default `"space-separated"`). */
  gridFormat?: GridFormat;
  /** First line of the `"seed"`/`"harmony"` prompt (default `"Solve this pattern:"`). */
  instruction?: string;
  /** Extra harmony turns for `"harmony"`: developer instructions and reasoning effort. */
  harmony?: HarmonyPromptOptions;
}

const ARC_PRIZE_HEAD =
  "Find the common rule that maps an input grid to an output grid, given the examples below.\n\n";
const ARC_PRIZE_TEST =
  "Below is a test input grid. Predict the corresponding output grid by applying the rule you found. Your final answer should just be the text output grid itself.\n\nInput:\n";

const JSON_HEAD =
  "You are participating in a puzzle solving competition. You are an expert at solving puzzles.\n\n" +
  "Below is a list of input and output pairs with a pattern. Your goal is to identify the pattern or transformation in the training examples that maps the input to the output, then apply that pattern to the test input to give a final output.\n\n" +
  "Respond in the format of the training output examples\n\n--Training Examples--\n";

function seedPrompt(task: Task, testIndex: number, options: PromptOptions): string {
  const format = options.gridFormat ?? "space-separated";
  const g = (grid: Task["train"][number]["input"]) => formatGrid(grid, format);
  let out = `${options.instruction ?? "Solve this pattern:"}\n`;
  task.train.forEach((pair, i) => {
    out += `Example ${i + 1}: Input:\n${g(pair.input)}\nOutput:\n${g(pair.output)}\n`;
  });
  out += `Test Input:\n${g((task.test[testIndex] as Task["test"][number]).input)}\nTest Output:`;
  return out;
}

/**
 * Formats an ARC task as a prompt: the training examples as input/output grids, then one test
 * input. Throws `INVALID_OPTIONS` for an unknown style or a test index out of range.
 */
export function formatTaskPrompt(task: Task, options: PromptOptions = {}): string {
  const style = options.style ?? "seed";
  const testIndex = options.testIndex ?? 0;
  if (!Number.isInteger(testIndex) || testIndex < 0 || testIndex >= task.test.length)
    throw new ArcError({
      code: "INVALID_OPTIONS",
      message: `formatTaskPrompt: testIndex ${testIndex} is out of range (task has ${task.test.length} test input(s))`,
    });
  const test = (task.test[testIndex] as Task["test"][number]).input;
  switch (style) {
    case "seed":
      return seedPrompt(task, testIndex, options);
    case "arc-prize": {
      let out = ARC_PRIZE_HEAD;
      task.train.forEach((pair, i) => {
        out += `Example ${i + 1}:\n\nInput:\n${formatGrid(pair.input)}\nOutput:\n${formatGrid(pair.output)}\n\n`;
      });
      return `${out}${ARC_PRIZE_TEST}${formatGrid(test)}`;
    }
    case "json": {
      let examples = "";
      task.train.forEach((pair, i) => {
        examples += `--Example ${i}-- \n\n INPUT: \n\n${formatGrid(pair.input, "json")}\n\nOUTPUT: \n\n${formatGrid(pair.output, "json")}\n\n`;
      });
      return `${JSON_HEAD}${examples}\n--End of Training Examples--\n\n--Test Input--\n${formatGrid(test, "json")}\n--End of Test Input--\n\nYour response:`;
    }
    case "harmony":
      return renderHarmonyPrompt(seedPrompt(task, testIndex, options), options.harmony);
    default:
      throw new ArcError({
        code: "INVALID_OPTIONS",
        message: `formatTaskPrompt: unknown style ${JSON.stringify(style)}`,
      });
  }
}
