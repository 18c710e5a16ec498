// pnpm --filter @rlops/rewards bench   (needs a built CLI: pnpm --filter @rlops/cli build)
// Whole-process `rlops rewards score` on 5,000 × 8 KB completions against the in-process scorer on the
// same records and spec, measured in the same run (ratios); plus the library JSONL path (scoreJsonl over
// a file stream) and the CLI's start-up (`rlops --version`) as baselines.
import { spawnSync } from "node:child_process";
import { createReadStream, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createScorer } from "../src/index.js";
import { scoreJsonl } from "../src/node.js";
import { BENCH_SPEC, benchSample } from "./data.js";

const RECORDS = 5000;
const BYTES = 8192;

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
const spread = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return `${s[0]!.toFixed(0)}–${median(s).toFixed(0)}–${s.at(-1)!.toFixed(0)}`;
};

async function timeAsync(fn: () => Promise<unknown> | unknown, rounds: number): Promise<number[]> {
  await fn();
  const out: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return out;
}

// in-process scorer on parsed records (fresh objects each round), one batch as the CLI's default
const inProcess = await timeAsync(
  () => scorer.score(records.map((r) => ({ id: r.id, completion: r.completion, answer: r.answer }))),
  5,
);
// library JSONL path: read, split, parse, score, serialise (no process start, no stdout)
const library = await timeAsync(async () => {
  let n = 0;
  for await (const r of scoreJsonl(scorer, createReadStream(input, { highWaterMark: 1 << 20 })))
    n += JSON.stringify(r).length;
  return n;
}, 5);

const bin = resolve(import.meta.dirname, "../../cli/dist/bin.js");
const mbs = (ms: number) => mb / (ms / 1000);
console.log(
  `JSONL: ${RECORDS} records × ${BYTES / 1024} KB = ${mb.toFixed(1)} MB; spec: harmony.channels + arc.grid + length.overlong, groups of 8`,
);
console.log(
  `  in-process Scorer.score: ${mbs(median(inProcess)).toFixed(0)} MB/s (ms min–median–max ${spread(inProcess)})`,
);
console.log(
  `  library scoreJsonl (file stream → results): ${mbs(median(library)).toFixed(0)} MB/s = ${(median(inProcess) / median(library)).toFixed(2)}× the in-process rate (ms ${spread(library)})`,
);
if (!existsSync(bin))
  console.log(`  (skipping whole-process figures: build the CLI first, ${bin} is missing)`);
else {
  const run = (args: string[]) => {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [bin, ...args], { stdio: ["ignore", "ignore", "inherit"] });
    if (r.status !== 0) throw new Error(`rlops ${args.join(" ")} exited ${r.status}`);
    return performance.now() - t0;
  };
  const whole: number[] = [];
  const version: number[] = [];
  run(["--version"]);
  for (let r = 0; r < 5; r++) {
    version.push(run(["--version"]));
    whole.push(run(["rewards", "score", "--spec", specFile, "--input", input]));
  }
  const w = median(whole);
  const v = median(version);
  console.log(
    `  whole process rlops rewards score: ${mbs(w).toFixed(0)} MB/s = ${(median(inProcess) / w).toFixed(2)}× the in-process rate (target ≥ 0.50; ms ${spread(whole)})`,
  );
  console.log(
    `  of which start-up (rlops --version, ms ${spread(version)}): ${((v / w) * 100).toFixed(0)} %; without it ${(median(inProcess) / (w - v)).toFixed(2)}×`,
  );
}
rmSync(dir, { recursive: true, force: true });
