#!/usr/bin/env node
// publint --strict and attw on the tarball `pnpm pack` produces, for every published package.
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";

const out = resolve(".tmp", "pack");
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const bin = (name) => resolve("node_modules", ".bin", name);
let problems = 0;
for (const name of readdirSync("packages").sort()) {
  const dir = resolve("packages", name);
  const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  if (manifest.private) continue;
  const tarball = execFileSync("pnpm", ["pack", "--pack-destination", out], { cwd: dir, encoding: "utf8" })
    .trim()
    .split("\n")
    .pop();
  for (const [tool, args] of [
    ["publint", ["--strict", "--pack", "pnpm"]],
    ["attw", [tarball, "--profile", "esm-only", "--format", "table-flipped"]],
  ]) {
    try {
      const text = execFileSync(bin(tool), args, {
        cwd: dir,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
      });
      console.log(`ok   ${manifest.name} ${tool}`);
      if (/warning|suggestion/i.test(text)) console.log(text);
    } catch (error) {
      problems++;
      console.log(`FAIL ${manifest.name} ${tool}\n${error.stdout ?? ""}${error.stderr ?? ""}`);
    }
  }
}
rmSync(resolve(".tmp"), { recursive: true, force: true });
console.log(problems ? `check:package: ${problems} problem(s)` : "check:package: no problems");
process.exit(problems ? 1 : 0);
