/**
 * The `rlops` binary as its own bundle (`dist/bin.js` + `dist/bin-chunks/`), built after the library
 * entries (`tsup.config.ts`): commander, zod, yaml and the workspace packages' `dist` are bundled in, so a
 * command line compiles a few large files instead of resolving ~150 modules, and each command group stays
 * a lazy chunk. `js-tiktoken` stays external (the o200k ranks are 2 MB, loaded by `createRequire` on first
 * use), so it is a dependency of this package.
 */
import { readFile } from "node:fs/promises";
import type { Plugin } from "esbuild";
import { defineConfig } from "tsup";
import { baseConfig } from "../../tsup.config.base";

/**
 * `import { z } from "zod"` keeps all of zod (its 60 locales too: 360 KB) because a re-exported
 * namespace is a value to esbuild; `import * as z` lets it keep only what the code reads.
 */
const zodNamespaceImports: Plugin = {
  name: "zod-namespace-imports",
  setup(build) {
    // This package's sources and the workspace packages' builds (esbuild filters are RE2: no backtracking).
    build.onLoad({ filter: /[\\/]packages[\\/][\w-]+[\\/](?:src|dist)[\\/].*\.[jt]s$/ }, async (args) => {
      const text = await readFile(args.path, "utf8");
      const contents = text
        .replaceAll(`import { z } from "zod";`, `import * as z from "zod";`)
        .replaceAll(`import { z } from 'zod';`, `import * as z from 'zod';`);
      return { contents, loader: args.path.endsWith(".ts") ? "ts" : "js" };
    });
  },
};

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
  esbuildPlugins: [zodNamespaceImports],
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
