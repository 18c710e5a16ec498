// pnpm --filter @rlops/rewards bench   (needs built packages: pnpm build)
// Whole-process `rlops rewards score` on 5,000 × 8 KB completions against the in-process scorer on the
// same records and spec. Rounds are paired (in-process, then the processes) so machine load hits both
// alike; each ratio is quoted min–median–max over the rounds, in wall time and in CPU time (user + sys,
// which a loaded machine distorts less). Baselines in the same run: the library `scoreJsonl` path warm in
// this process, the same path in a fresh process (cold JIT, no CLI), and `rlops --version` (start-up).
import { spawnSync } from "node:child_process";
import { createReadStream, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { createScorer } from "../src/index.js";
import { scoreJsonl } from "../src/node.js";
import { BENCH_SPEC, benchSample } from "./data.js";

const RECORDS = 5000;
const BYTES = 8192;
const ROUNDS = Number(process.env.ROUNDS ?? 5);

const dir = mkdtempSync(join(tmpdir(), "rlops-jsonl-bench-"));
const input = join(dir, "samples.jsonl");
const specFile = join(dir, "spec.json");
const text = `${Array.from({ length: RECORDS }, (_, i) => JSON.stringify({ id: i, ...benchSample(i, BYTES) })).join("\n")}\n`;
writeFileSync(input, text);
writeFileSync(specFile, JSON.stringify(BENCH_SPEC));
const mb = Buffer.byteLength(text) / 1e6;
const scorer = createScorer(BENCH_SPEC);
const records = text
  .trim()
  .split("\n")
  .map((l) => JSON.parse(l));

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const spread = (xs: number[], digits = 0) => {
  const s = [...xs].sort((a, b) => a - b);
  return `${s[0]!.toFixed(digits)}–${median(s).toFixed(digits)}–${s.at(-1)!.toFixed(digits)}`;
};

/** Wall and CPU ms of `fn` in this process. */
async function here(fn: () => Promise<unknown> | unknown): Promise<{ wall: number; cpu: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  const c = process.cpuUsage(c0);
  return { wall: performance.now() - t0, cpu: (c.user + c.system) / 1000 };
}

/** CPU ms of the finished children of this process (Linux: /proc/self/stat cutime + cstime), else NaN. */
function childrenCpu(): number {
  try {
    const stat = readFileSync("/proc/self/stat", "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[13]) + Number(fields[14])) * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return Number.NaN;
  }
}

/** Wall and CPU ms of a child `node args…` (stdout discarded). */
function child(args: string[]): { wall: number; cpu: number } {
  const c0 = childrenCpu();
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { stdio: ["ignore", "ignore", "inherit"] });
  if (r.status !== 0) throw new Error(`node ${args.join(" ")} exited ${r.status}`);
  return { wall: performance.now() - t0, cpu: childrenCpu() - c0 };
}

// in-process scorer on parsed records (fresh objects each round), one batch as the CLI's default
const inProcess = () =>
  scorer.score(records.map((r) => ({ id: r.id, completion: r.completion, answer: r.answer })));
// library JSONL path: read, split, parse, score, serialise (no process start, no stdout)
const library = async () => {
  let n = 0;
  for await (const r of scoreJsonl(scorer, createReadStream(input, { highWaterMark: 1 << 20 })))
    n += JSON.stringify(r).length;
  return n;
};

const bin = resolve(import.meta.dirname, "../../cli/dist/bin.js");
const dist = resolve(import.meta.dirname, "../dist/node.js");
const distIndex = resolve(import.meta.dirname, "../dist/index.js");
// the library path in a fresh process: import, read, score, write to stdout (cold JIT, no CLI)
const freshCode = `const { createScorer } = await import(${JSON.stringify(pathToFileURL(distIndex).href)});
const { scoreJsonl } = await import(${JSON.stringify(pathToFileURL(dist).href)});
const { createReadStream, readFileSync } = await import("node:fs");
const s = createScorer(JSON.parse(readFileSync(${JSON.stringify(specFile)}, "utf8")));
let parts = [], size = 0;
for await (const r of scoreJsonl(s, createReadStream(${JSON.stringify(input)}, { highWaterMark: 1 << 20 }))) {
  const line = JSON.stringify(r); parts.push(line); size += line.length;
  if (size > 1 << 20) { process.stdout.write(parts.join("\\n") + "\\n"); parts = []; size = 0; }
}
process.stdout.write(parts.join("\\n") + "\\n");`;
const haveBuild = existsSync(bin) && existsSync(dist);

const rows: Record<string, { wall: number; cpu: number }[]> = {
  inProcess: [],
  library: [],
  fresh: [],
  whole: [],
  version: [],
};
await inProcess();
await library();
for (let r = 0; r < ROUNDS; r++) {
  rows.inProcess!.push(await here(inProcess));
  rows.library!.push(await here(library));
  if (!haveBuild) continue;
  rows.fresh!.push(child(["--input-type=module", "-e", freshCode]));
  rows.version!.push(child([bin, "--version"]));
  rows.whole!.push(child([bin, "rewards", "score", "--spec", specFile, "--input", input]));
}

const mbs = (ms: number) => mb / (ms / 1000);
/** Per-round ratios of the in-process time to `name`'s (= its MB/s as a fraction of the scorer's). */
const ratio = (name: string, key: "wall" | "cpu") =>
  rows[name]!.map((x, i) => rows.inProcess![i]![key] / x[key]);
const line = (label: string, name: string) => {
  const wall = rows[name]!.map((x) => x.wall);
  const cpu = ratio(name, "cpu");
  console.log(
    `  ${label}: ${mbs(median(wall)).toFixed(0)} MB/s; vs in-process wall ${spread(ratio(name, "wall"), 2)}×` +
      `${cpu.every(Number.isFinite) ? `, CPU ${spread(cpu, 2)}×` : ""} (ms ${spread(wall)})`,
  );
};
console.log(
  `JSONL: ${RECORDS} records × ${BYTES / 1024} KB = ${mb.toFixed(1)} MB; spec: harmony.channels + arc.grid + length.overlong, groups of 8; ${ROUNDS} paired rounds, ratios min–median–max`,
);
const ip = rows.inProcess!;
console.log(
  `  in-process Scorer.score (baseline): ${mbs(median(ip.map((x) => x.wall))).toFixed(0)} MB/s (ms ${spread(ip.map((x) => x.wall))}, CPU ms ${spread(ip.map((x) => x.cpu))})`,
);
line("library scoreJsonl, warm (file stream → results)", "library");
if (!haveBuild)
  console.log(`  (skipping whole-process figures: run pnpm build first, ${bin} or ${dist} is missing)`);
else {
  line("library scoreJsonl in a fresh process (cold, no CLI)", "fresh");
  line("whole process rlops rewards score (target ≥ 0.50)", "whole");
  const v = rows.version!.map((x) => x.wall);
  const share = rows.whole!.map((x, i) => rows.version![i]!.wall / x.wall);
  console.log(
    `  start-up (rlops --version, ms ${spread(v)}): ${spread(
      share.map((s) => s * 100),
      0,
    )} % of the whole process`,
  );
}
rmSync(dir, { recursive: true, force: true });
