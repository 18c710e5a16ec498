import { defineConfig } from "tsup";
import { withEntries } from "../../tsup.config.base";

// The library entries; the `rlops` binary is bundled separately afterwards (`tsup.bin.config.ts`).
export default defineConfig(withEntries({ index: "src/index.ts", node: "src/node.ts" }));
