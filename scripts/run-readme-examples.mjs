#!/usr/bin/env node
// Runs every README example against the BUILT packages (dist), the way a user would after `npm i`.
// Each ```ts block is compiled with esbuild and executed with node from the package folder.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { transformSync } from "esbuild";

function extractExamples(markdown) {
  const lines = markdown.split("\n");
  const out = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = lines[i].trim();
    if (fence !== "```ts" && fence !== "```typescript") continue;
    let prev = i - 1;
    while (prev >= 0 && lines[prev].trim() === "") prev--;
    const skip = prev >= 0 && lines[prev].includes("<!-- no-run -->");
    const start = i + 1;
    let end = start;
    while (end < lines.length && lines[end].trim() !== "```") end++;
    if (!skip) out.push({ line: start + 1, code: lines.slice(start, end).join("\n") });
    i = end;
  }
  return out;
}

let failed = 0;
let ran = 0;
for (const name of readdirSync("packages").sort()) {
  const dir = resolve("packages", name);
  const readme = join(dir, "README.md");
  if (!existsSync(readme)) continue;
  const tmp = join(dir, ".tmp", "readme-dist");
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  for (const [index, example] of extractExamples(readFileSync(readme, "utf8")).entries()) {
    const file = join(tmp, `example-${index + 1}.mjs`);
    writeFileSync(file, transformSync(example.code, { loader: "ts", format: "esm", target: "node20" }).code);
    ran++;
    try {
      execFileSync(process.execPath, [file], {
        cwd: dir,
        stdio: ["ignore", "pipe", "pipe"],
        timeout: 120_000,
      });
      console.log(`ok   ${name} README example ${index + 1} (line ${example.line})`);
    } catch (error) {
      failed++;
      console.log(`FAIL ${name} README example ${index + 1} (line ${example.line})`);
      console.log(String(error.stderr ?? error));
    }
  }
  rmSync(join(dir, ".tmp"), { recursive: true, force: true });
}
console.log(`README examples: ${ran - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
