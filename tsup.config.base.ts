import { readFileSync } from "node:fs";
import type { Options } from "tsup";

const version: string = JSON.parse(readFileSync("package.json", "utf8")).version;

/** The one build config every package re-uses: ESM only, with .d.ts and source maps. */
export const baseConfig = {
  entry: ["src/index.ts"],
  format: ["esm"],
  target: "node20",
  dts: true,
  sourcemap: true,
  clean: true,
  splitting: true,
  treeshake: true,
  define: { __RLOPS_VERSION__: JSON.stringify(version) },
} satisfies Options;

/** Base config with extra entry points (e.g. `src/node.ts` for a `/node` subpath). */
export function withEntries(entry: Record<string, string> | string[]): Options {
  return { ...baseConfig, entry };
}
