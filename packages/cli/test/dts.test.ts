// Every shipped .d.ts must typecheck for users who do not skip lib checks (`skipLibCheck: false`):
// a file importing every built entry of every package, compiled with the built dist types.
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";

const ENTRIES = [
  "@rlops/errors",
  "@rlops/harmony-format",
  "@rlops/harmony-format/tokens",
  "@rlops/arc-eval",
  "@rlops/arc-eval/node",
  "@rlops/checkpoint-layout",
  "@rlops/checkpoint-layout/node",
  "@rlops/checkpoint-layout/fixtures",
  "@rlops/rewards",
  "@rlops/rewards/node",
  "@rlops/recovery",
  "@rlops/recovery/node",
  "@rlops/run",
  "@rlops/run/node",
  "@rlops/cli",
  "@rlops/cli/node",
];
const dir = join(import.meta.dirname, "../.tmp/dts-check");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("the built .d.ts of every entry typecheck with skipLibCheck: false", () => {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "all.ts"),
    `${ENTRIES.map((e, i) => `import * as m${i} from "${e}";`).join("\n")}\nexport const all = [${ENTRIES.map((_, i) => `m${i}`).join(", ")}];\n`,
  );
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        skipLibCheck: false,
        noEmit: true,
        module: "nodenext",
        moduleResolution: "nodenext",
        target: "es2022",
        lib: ["es2023"],
        types: ["node"],
      },
      files: ["all.ts"],
    }),
  );
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  const run = spawnSync(process.execPath, [tsc, "-p", join(dir, "tsconfig.json")], { encoding: "utf8" });
  // errors inside third-party .d.ts (node_modules) are not ours; every error in an @rlops dist is
  const ours = `${run.stdout}${run.stderr}`
    .split("\n")
    .filter(
      (l) => (/error TS/.test(l) && !l.includes("node_modules/.pnpm/")) || /packages\/[^/]+\/dist\//.test(l),
    );
  expect(ours).toEqual([]);
}, 120_000);
