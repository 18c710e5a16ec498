/**
 * Default colour-word map for `"color-words"` extraction: the official ARC names
 * (`apps/css/common.css`: black, blue, red, green, yellow, grey, fuchsia/"fuschia", orange, teal,
 * brown) plus the aliases LLM pipelines use (gray, magenta, pink → 6; azure, sky, cyan, purple → 8;
 * maroon → 9). "purple" and "pink" differ between conventions; pass your own `palette` when yours does.
 */
export const DEFAULT_PALETTE: Readonly<Record<string, number>> = Object.freeze({
  black: 0,
  blue: 1,
  red: 2,
  green: 3,
  yellow: 4,
  grey: 5,
  gray: 5,
  fuchsia: 6,
  fuschia: 6,
  magenta: 6,
  pink: 6,
  orange: 7,
  teal: 8,
  azure: 8,
  sky: 8,
  cyan: 8,
  purple: 8,
  brown: 9,
  maroon: 9,
});

/** Canonical colour name per value (0–9), used when formatting grids as colour words. */
export const COLOR_NAMES: readonly string[] = Object.freeze([
  "black",
  "blue",
  "red",
  "green",
  "yellow",
  "grey",
  "fuchsia",
  "orange",
  "teal",
  "brown",
]);
