#!/usr/bin/env node
// Scaffolds packages/<name> with the shared layout: node scripts/new-package.mjs <name> <ErrorClass> "<description>"
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const [name, errorClass, description] = process.argv.slice(2);
if (!name || !errorClass || !description) {
  console.error('usage: node scripts/new-package.mjs <name> <ErrorClass> "<description>"');
  process.exit(2);
}
const dir = join("packages", name);
if (existsSync(join(dir, "package.json"))) {
  console.error(`${dir} exists`);
  process.exit(2);
}
mkdirSync(join(dir, "src"), { recursive: true });
const write = (file, text) => writeFileSync(join(dir, file), text);

write(
  "package.json",
  `${JSON.stringify(
    {
      name: `@rlops/${name}`,
      version: "0.0.0",
      description,
      license: "Apache-2.0",
      type: "module",
      sideEffects: false,
      engines: { node: ">=20.19" },
      repository: {
        type: "git",
        url: "git+https://github.com/rlops/rlops.git",
        directory: `packages/${name}`,
      },
      exports: {
        ".": { "@rlops/source": "./src/index.ts", types: "./dist/index.d.ts", default: "./dist/index.js" },
        "./package.json": "./package.json",
      },
      main: "./dist/index.js",
      types: "./dist/index.d.ts",
      files: ["dist", "src", "!src/**/*.test.ts", "!src/**/*.test-d.ts", "README.md"],
      publishConfig: { access: "public" },
      scripts: { build: "tsup", typecheck: "tsc -p tsconfig.json" },
      dependencies: { "@rlops/errors": "workspace:^" },
    },
    null,
    2,
  )}\n`,
);
write(
  "tsconfig.json",
  `{\n  "extends": "../../tsconfig.base.json",\n  "include": ["src", "test", "*.ts"]\n}\n`,
);
write(
  "tsup.config.ts",
  `import { defineConfig } from "tsup";\nimport { baseConfig } from "../../tsup.config.base";\n\nexport default defineConfig(baseConfig);\n`,
);
write(
  "vitest.config.ts",
  `import { packageProject } from "../../vitest.shared";\n\nexport default packageProject("${name}");\n`,
);
write(
  "src/errors.ts",
  `import { RlopsError } from "@rlops/errors";\n\n/** Stable codes of {@link ${errorClass}}. */\nexport type ${errorClass}Code = "INVALID_INPUT";\n\n/** Base error of \`@rlops/${name}\`; check with \`${errorClass}.isInstance(e)\`. */\nexport class ${errorClass} extends RlopsError<${errorClass}Code> {\n  static override readonly marker = RlopsError.markerFor("${name}");\n}\n`,
);
write(
  "src/index.ts",
  `export { ${errorClass} } from "./errors.js";\nexport type { ${errorClass}Code } from "./errors.js";\n`,
);
write(
  "src/readme.test.ts",
  `import { testReadmeExamples } from "../../../scripts/readme-examples";\n\ntestReadmeExamples(new URL("../README.md", import.meta.url));\n`,
);
write(
  "README.md",
  `# @rlops/${name}\n\n${description}\n\n\`\`\`sh\nnpm i @rlops/${name}\n\`\`\`\n\n## Errors\n\nEvery error is a \`${errorClass}\` with a stable \`code\`:\n\n| code | when |\n| --- | --- |\n| \`INVALID_INPUT\` | input failed validation |\n`,
);
console.log(`created ${dir}`);
