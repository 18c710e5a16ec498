// Isolated integration with @rlops/harmony-format (tolerant parser diagnostics, token decoding).

import { SampleInputError } from "./kinds/types.js";
import type { Diagnostic } from "./sample.js";

/** Decodes completion token ids (special tokens kept) to text. */
export function completionText(_ids: readonly number[]): string {
  throw new SampleInputError(
    "HARMONY_DECODE_UNAVAILABLE",
    "decoding completion_ids needs @rlops/harmony-format/tokens",
  );
}

/** Diagnostics of the tolerant harmony parser for a completion. */
export function harmonyDiagnostics(_text: string): Diagnostic[] {
  return [];
}
