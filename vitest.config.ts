import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { conditions: ["@rlops/source"] },
  ssr: { resolve: { conditions: ["@rlops/source"] } },
  test: {
    projects: ["packages/*"],
  },
});
