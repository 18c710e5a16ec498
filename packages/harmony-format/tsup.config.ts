import { defineConfig } from "tsup";
import { withEntries } from "../../tsup.config.base";

export default defineConfig(withEntries({ index: "src/index.ts", tokens: "src/tokens.ts" }));
