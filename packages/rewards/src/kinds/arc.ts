import { compareGrids, extractGrid } from "@rlops/arc-eval";
import * as z from "zod";
import { type HarmonyView, harmonyViewOf, messageText } from "../harmony-adapter.js";
import type { Diagnostic, Sample } from "../sample.js";
import { type KindDefinition, type KindResult, perSample, SampleInputError } from "./types.js";

/** Component names of `arc.grid`. */
const ARC_COMPONENTS = ["perfect", "sizeMatch", "pixelAccuracy", "formatValid"] as const;
type ArcComponent = (typeof ARC_COMPONENTS)[number];

const arcParams = z
  .strictObject({
    /** Component weights; the value is Σw·c/Σw (default: perfect match only). */
    weights: z
      .strictObject({
        perfect: z.number().nonnegative().default(1),
        sizeMatch: z.number().nonnegative().default(0),
        pixelAccuracy: z.number().nonnegative().default(0),
        formatValid: z.number().nonnegative().default(0),
      })
      .default({ perfect: 1, sizeMatch: 0, pixelAccuracy: 0, formatValid: 0 }),
    /** Sample field holding the target grid (a grid or its JSON text). */
    answerField: z.string().min(1).default("answer"),
    /** Text the prompt pre-filled after `<|start|>assistant` (e.g. `<|channel|>final<|message|>`). */
    prefix: z.string().max(256).default(""),
  })
  .refine((p) => ARC_COMPONENTS.some((c) => p.weights[c] > 0), {
    message: "at least one component weight must be > 0",
    path: ["weights"],
  });
type ArcParams = z.infer<typeof arcParams>;

function targetGrid(sample: Sample, field: string): number[][] {
  let v = sample[field];
  if (v === undefined || v === null)
    throw new SampleInputError("MISSING_ANSWER", `sample needs \`${field}\` (the target grid)`);
  if (typeof v === "string") {
    try {
      v = JSON.parse(v);
    } catch (cause) {
      throw new SampleInputError("BAD_ANSWER", `\`${field}\` is not valid JSON: ${(cause as Error).message}`);
    }
  }
  if (
    !Array.isArray(v) ||
    v.length === 0 ||
    !v.every(
      (row) =>
        Array.isArray(row) &&
        row.length === (v as unknown[][])[0]!.length &&
        row.length > 0 &&
        row.every((c) => Number.isInteger(c) && c >= 0 && c <= 9),
    )
  )
    throw new SampleInputError(
      "BAD_ANSWER",
      `\`${field}\` must be a non-empty rectangular grid of integers 0-9`,
    );
  return v as number[][];
}

/** The answer region: harmony final channel, text after a stripped `assistantfinal`, or the plain text. */
function answerRegion(view: HarmonyView): { text: string | null; diagnostics: Diagnostic[] } {
  if (view.hasMarkers) {
    const finals = view.messages.filter((m) => m.channel === "final");
    if (finals.length === 0)
      return {
        text: null,
        diagnostics: [{ code: "ARC_NO_FINAL", message: "no final channel; analysis is never read" }],
      };
    return { text: messageText(finals[finals.length - 1]!), diagnostics: [] };
  }
  if (view.stripped) {
    const i = view.text.lastIndexOf("assistantfinal");
    const diagnostics = [
      {
        code: "HARMONY_MARKERS_STRIPPED",
        message: "special tokens were stripped; reading after the last `assistantfinal`",
      },
    ];
    return { text: i >= 0 ? view.text.slice(i + 14) : null, diagnostics };
  }
  return { text: view.text, diagnostics: [] };
}

/** Scores a completion against a target grid with `arc.grid` semantics. */
function scoreArcGrid(view: HarmonyView, target: number[][], p: ArcParams): KindResult {
  const region = answerRegion(view);
  const diagnostics = [...region.diagnostics];
  const comps: Record<ArcComponent, number> = { perfect: 0, sizeMatch: 0, pixelAccuracy: 0, formatValid: 0 };
  if (region.text !== null) {
    const found = extractGrid(region.text, { harmony: "ignore" });
    if (found.ok) {
      const cmp = compareGrids(found.grid, target);
      comps.formatValid = 1;
      comps.sizeMatch = cmp.sizeMatch ? 1 : 0;
      comps.pixelAccuracy = cmp.sizeMatch ? cmp.pixelAccuracy : 0;
      comps.perfect = cmp.perfect ? 1 : 0;
    } else diagnostics.push({ code: `ARC_${found.reason}`, message: found.message });
  }
  let num = 0;
  let den = 0;
  for (const c of ARC_COMPONENTS) {
    num += p.weights[c] * comps[c];
    den += p.weights[c];
  }
  return { value: num / den, breakdown: { ...comps }, diagnostics };
}

/** `arc.grid`: ARC grid reward read from the final channel only. */
export const arcGrid: KindDefinition<ArcParams> = {
  name: "arc.grid",
  summary:
    "ARC grid from the final channel: perfect, size match, pixel accuracy (0 on size mismatch), format.",
  params: arcParams,
  create: perSample((s, p) => scoreArcGrid(harmonyViewOf(s, p.prefix), targetGrid(s, p.answerField), p)),
};

/**
 * arc-lang-public `get_grid_similarity(ground_truth, sample)`: 0 if either is empty or the row count or
 * first-row width differ, else equal cells / (rows · cols). `ragged: "error"` reproduces the upstream
 * IndexError on a short sample row; `"skip"` is the GRPO-environment copy (`j < len(sample[i])`).
 */
export function arcLangGridSimilarity(
  gt: unknown[][],
  sample: unknown[][],
  ragged: "error" | "skip" = "error",
): number {
  if (gt.length === 0 || sample.length === 0) return 0;
  const rows = gt.length;
  const cols = gt[0]!.length;
  if (sample.length !== rows || sample[0]!.length !== cols) return 0;
  let matches = 0;
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      if (j >= sample[i]!.length || j >= gt[i]!.length) {
        if (ragged === "skip" && j >= sample[i]!.length) continue;
        throw new SampleInputError(
          "INDEX_ERROR",
          `IndexError: list index out of range (row ${i}, column ${j})`,
        );
      }
      if (gt[i]![j] === sample[i]![j]) matches++;
    }
  }
  if (rows * cols === 0)
    throw new SampleInputError("ZERO_DIVISION", "ZeroDivisionError: grid has no columns");
  return matches / (rows * cols);
}

function gridField(sample: Sample, field: string): unknown[][] | null {
  let v = sample[field];
  if (v === undefined || v === null) return null;
  if (typeof v === "string") {
    try {
      v = JSON.parse(v);
    } catch (cause) {
      throw new SampleInputError("BAD_GRID", `\`${field}\` is not valid JSON: ${(cause as Error).message}`);
    }
  }
  if (!Array.isArray(v) || !v.every((row) => Array.isArray(row)))
    throw new SampleInputError("BAD_GRID", `\`${field}\` must be a list of lists`);
  return v as unknown[][];
}

const arcLangParams = z.strictObject({
  ragged: z.enum(["error", "skip"]).default("error"),
  answerField: z.string().min(1).default("answer"),
  /** Sample field holding the predicted grid; when absent the grid is extracted from the final channel. */
  predictionField: z.string().min(1).default("prediction"),
});

/** `arc_lang.grid_similarity`: parity with arc-lang-public's cell similarity (quirks included). */
export const arcLangSimilarity: KindDefinition<z.infer<typeof arcLangParams>> = {
  name: "arc_lang.grid_similarity",
  summary: "arc-lang-public get_grid_similarity (0 on shape mismatch, IndexError on ragged rows).",
  params: arcLangParams,
  create: perSample((s, p) => {
    const gt = gridField(s, p.answerField);
    if (gt === null)
      throw new SampleInputError("MISSING_ANSWER", `sample needs \`${p.answerField}\` (the target grid)`);
    let pred = gridField(s, p.predictionField);
    const diagnostics: Diagnostic[] = [];
    if (pred === null) {
      const region = answerRegion(harmonyViewOf(s));
      diagnostics.push(...region.diagnostics);
      const found = region.text === null ? null : extractGrid(region.text, { harmony: "ignore" });
      pred = found?.ok ? found.grid : [];
    }
    return { value: arcLangGridSimilarity(gt, pred, p.ragged), diagnostics };
  }),
};
