#!/usr/bin/env node
// Bundle-size ceiling per pure entry: bundles every browser-safe export of every package (`.` and
// other subpaths without `node` in their name, from src via the `@rlops/source` condition) with
// esbuild (minified, ESM, platform browser, the package's own dependencies and peer dependencies
// external, so each entry is measured without what its package depends on), and compares the
// minified size with the ceiling in scripts/bundle-size.json. `--update` rewrites the ceilings as
// the current size + 15%. Platform browser also fails the check when a pure entry imports `node:*`.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const root = new URL("..", import.meta.url).pathname;
const ceilingsPath = join(root, "scripts/bundle-size.json");
const HEADROOM = 1.15;
/** Subpaths that are Node-only by design (not pure entries). */
const NODE_ONLY = new Set(["./node", "./fixtures"]);

const update = process.argv.includes("--update");
const ceilings = update ? {} : JSON.parse(readFileSync(ceilingsPath, "utf8"));
const results = [];
const failures = [];

for (const dir of readdirSync(join(root, "packages"), { withFileTypes: true })) {
  if (!dir.isDirectory()) continue;
  const pkgDir = join(root, "packages", dir.name);
  let pkg;
  try {
    pkg = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"));
  } catch {
    continue;
  }
  const external = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})];
  for (const [subpath, target] of Object.entries(pkg.exports ?? {})) {
    if (NODE_ONLY.has(subpath) || typeof target !== "object" || !target["@rlops/source"]) continue;
    const entry = join(pkgDir, target["@rlops/source"]);
    const key = `${pkg.name}${subpath === "." ? "" : subpath.slice(1)}`;
    let bytes;
    let gzip;
    try {
      const out = await build({
        entryPoints: [entry],
        bundle: true,
        minify: true,
        format: "esm",
        platform: "browser",
        target: "es2022",
        conditions: ["@rlops/source"],
        external: external.flatMap((name) => [name, `${name}/*`]),
        write: false,
        logLevel: "silent",
        metafile: false,
      });
      const code = out.outputFiles[0].contents;
      bytes = code.length;
      gzip = gzipSync(code).length;
    } catch (error) {
      failures.push(
        `${key}: does not bundle for the browser: ${String(error.message ?? error)
          .split("\n")
          .slice(0, 6)
          .join("\n  ")}`,
      );
      continue;
    }
    results.push({ key, bytes, gzip });
    if (update) ceilings[key] = { bytes: Math.ceil(bytes * HEADROOM) };
    else if (ceilings[key] === undefined)
      failures.push(`${key}: no ceiling in scripts/bundle-size.json (run \`pnpm check:size --update\`)`);
    else if (bytes > ceilings[key].bytes)
      failures.push(
        `${key}: ${bytes} bytes minified, over its ceiling of ${ceilings[key].bytes} (+${((bytes / ceilings[key].bytes - 1) * 100).toFixed(1)}%). ` +
          "Make it smaller, or raise the ceiling in scripts/bundle-size.json and say why in the changeset.",
      );
  }
}

const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
for (const r of results) {
  const ceiling = ceilings[r.key]?.bytes;
  console.log(
    `${r.key.padEnd(34)} ${kib(r.bytes).padStart(11)} min ${kib(r.gzip).padStart(10)} gzip` +
      (ceiling ? `   ceiling ${kib(ceiling)} (${((r.bytes / ceiling) * 100).toFixed(0)}%)` : ""),
  );
}
if (update) {
  const sorted = Object.fromEntries(Object.entries(ceilings).sort(([a], [b]) => a.localeCompare(b)));
  writeFileSync(ceilingsPath, `${JSON.stringify(sorted, null, 2)}\n`);
  console.log(
    `wrote ${Object.keys(sorted).length} ceilings (current size +${Math.round((HEADROOM - 1) * 100)}%) to scripts/bundle-size.json`,
  );
}
if (failures.length > 0) {
  console.error(`\n${failures.join("\n")}`);
  process.exit(1);
}
