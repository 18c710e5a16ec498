import { arcGrid, arcLangSimilarity } from "./arc.js";
import { formatThink, repetitionNgram } from "./format.js";
import { harmonyChannels } from "./harmony.js";
import { lengthCosine, lengthKimi, lengthOverlong } from "./length.js";
import { parityKinds } from "./parity.js";
import type { KindDefinition } from "./types.js";

/** Every built-in kind, keyed by name. */
export const KINDS: ReadonlyMap<string, KindDefinition<never>> = new Map(
  (
    [
      harmonyChannels,
      arcGrid,
      lengthOverlong,
      lengthCosine,
      lengthKimi,
      repetitionNgram,
      formatThink,
      ...parityKinds,
      arcLangSimilarity,
    ] as unknown as KindDefinition<never>[]
  ).map((k) => [k.name, k]),
);

/** Names of the built-in kinds. */
export const KIND_NAMES = [...KINDS.keys()] as [string, ...string[]];
