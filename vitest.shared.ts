import { defineProject } from "vitest/config";

/** Shared per-package vitest project: source resolution and type tests on. */
export function packageProject(name: string) {
  return defineProject({
    resolve: { conditions: ["@rlops/source"] },
    ssr: { resolve: { conditions: ["@rlops/source"] } },
    test: {
      name,
      include: ["src/**/*.test.ts", "test/**/*.test.ts"],
      typecheck: {
        enabled: true,
        include: ["src/**/*.test-d.ts", "test/**/*.test-d.ts"],
        tsconfig: "./tsconfig.json",
      },
      testTimeout: 60_000,
      hookTimeout: 120_000,
    },
  });
}
