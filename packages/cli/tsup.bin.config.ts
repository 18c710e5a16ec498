/**
 * The `rlops` binary as its own bundle (`dist/bin.js` + `dist/bin-chunks/`), built after the library
 * entries (`tsup.config.ts`): commander, zod, yaml and the workspace packages' `dist` are bundled in, so a
 * command line compiles a few large files instead of resolving ~150 modules, and each command group stays
 * a lazy chunk. `js-tiktoken` stays external (the o200k ranks are 2 MB, loaded by `createRequire` on first
 * use), so it is a dependency of this package. Every package imports zod as `import * as z`, which lets
 * esbuild keep only the parts of zod the code reads (the named `{ z }` form keeps all of it, locales too).
 */
import { defineConfig } from "tsup";
import { baseConfig } from "../../tsup.config.base";

export default defineConfig({
  ...baseConfig,
  entry: {
    bin: "src/bin.ts",
    // The rewards server's scoring threads: `new URL("./server-worker.js", import.meta.url)` beside its chunk.
    "bin-chunks/server-worker": "../rewards/dist/server-worker.js",
  },
  dts: false,
  clean: false,
  treeshake: false,
  platform: "node",
  noExternal: [/^(?!js-tiktoken)/],
  external: ["js-tiktoken"],
  esbuildOptions(options) {
    options.chunkNames = "bin-chunks/[name]-[hash]";
    // Whitespace and syntax only: identifiers keep their names (error names come from class names).
    options.minifyWhitespace = true;
    options.minifySyntax = true;
    // tsup's chunks of a workspace package import each other bare; the packages declare no side effects.
    options.logOverride = { "ignored-bare-import": "silent" };
  },
  // yaml's Node build is CommonJS: give the bundle a `require` for its `require("process")`.
  banner: {
    js: 'import { createRequire as rlopsCreateRequire } from "node:module"; const require = rlopsCreateRequire(import.meta.url);',
  },
});
