import { defineConfig } from "tsup";
import { withEntries } from "../../tsup.config.base";

export default defineConfig(
  withEntries({ index: "src/index.ts", node: "src/node.ts", "response-log": "src/response-log/index.ts" }),
);
