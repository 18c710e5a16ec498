/** Character classes of the extractor (char codes; no regex). */
export const DIGIT0 = 48;
export const DIGIT9 = 57;

/** An ASCII digit. */
export function isDigit(c: number): boolean {
  return c >= DIGIT0 && c <= DIGIT9;
}

/** ASCII whitespace (space, tab, LF, CR, FF, VT). */
export function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 11;
}
