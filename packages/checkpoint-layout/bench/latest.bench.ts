// Benchmark (issue 17): `latestCheckpoint` on 10,000 HF checkpoints against what transformers'
// `get_last_checkpoint` does — one `os.listdir` of the run folder plus one `isdir` stat per
// matching entry — measured in the same process and run. Also counts the checkpoint folders
// `latestCheckpoint` opens, when the newest is complete and when the newest two are broken, and
// times the whole `rlops ckpt latest` process against a `node` process doing the bare walk.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, rmSync, statSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { writeFixtureRun } from "../src/fixtures.js";
import type { Storage } from "../src/index.js";
import { createNodeStorage, latestCheckpoint } from "../src/node.js";

const N = Number(process.env.BENCH_CHECKPOINTS ?? 10_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const RE = /^checkpoint-(\d+)$/;

function build(name: string, brokenNewest: number): string {
  const dir = join(tmpdir(), `rlops-latest-bench-${N}-${name}`);
  if (existsSync(dir) && readdirSync(dir).length >= N) return dir;
  rmSync(dir, { recursive: true, force: true });
  const steps = Array.from({ length: N }, (_, i) => (i + 1) * 10);
  writeFixtureRun(dir, "hf", { steps, lean: true, final: false });
  for (let k = 0; k < brokenNewest; k++)
    unlinkSync(join(dir, `checkpoint-${steps[N - 1 - k]}`, "optimizer.pt"));
  return dir;
}

/** transformers.trainer_utils.get_last_checkpoint, in Node: listdir + isdir per match + max by number. */
function bareGetLast(dir: string): string | null {
  let best: string | null = null;
  let bestN = -1;
  for (const name of readdirSync(dir)) {
    const m = RE.exec(name);
    if (!m || !statSync(join(dir, name)).isDirectory()) continue;
    const n = Number(m[1]);
    if (n > bestN) {
      bestN = n;
      best = name;
    }
  }
  return best === null ? null : join(dir, best);
}

function counting(root: string): { storage: Storage; opened: Set<string> } {
  const base = createNodeStorage();
  const opened = new Set<string>();
  return {
    opened,
    storage: {
      ...base,
      list: (p) => {
        if (p !== root) opened.add(p);
        return base.list(p);
      },
    },
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (xs: number[], ref: number) => {
  const r = xs.map((x) => x / ref).sort((a, b) => a - b);
  return `${r[0]!.toFixed(2)}× / ${median(r).toFixed(2)}× / ${r[r.length - 1]!.toFixed(2)}×`;
};

for (const [name, broken] of [
  ["newest-complete", 0],
  ["newest-2-broken", 2],
] as const) {
  const dir = build(name, broken);
  const base: number[] = [];
  const lazy: number[] = [];
  bareGetLast(dir);
  await latestCheckpoint(dir);
  for (let r = 0; r < ROUNDS; r++) {
    let t0 = performance.now();
    bareGetLast(dir);
    base.push(performance.now() - t0);
    t0 = performance.now();
    await latestCheckpoint(dir);
    lazy.push(performance.now() - t0);
  }
  // per round, the ratio against the baseline of the same round
  const ratios = lazy.map((t, i) => t / base[i]!);
  const c = counting(dir);
  const result = await latestCheckpoint(dir, { storage: c.storage });
  console.log(
    `${N} HF checkpoints, ${name}: latestCheckpoint ÷ (readdir + stat each) = ${fmt(ratios, 1)} (min/median/max of ${ROUNDS} rounds; baseline median ${median(base).toFixed(1)} ms) → ${result.checkpoint?.name}, bytes ${result.checkpoint?.bytes}, folders opened ${c.opened.size}, rejected ${result.rejected.length}`,
  );
}

// whole processes: `rlops ckpt latest` vs a node process doing the bare walk
const bin = resolve(import.meta.dirname, "../../cli/dist/bin.js");
if (existsSync(bin)) {
  const dir = build("newest-complete", 0);
  const script = `const fs=require("fs"),p=require("path");let b=-1,n=null;for(const e of fs.readdirSync(${JSON.stringify(dir)})){const m=/^checkpoint-(\\d+)$/.exec(e);if(m&&fs.statSync(p.join(${JSON.stringify(dir)},e)).isDirectory()&&+m[1]>b){b=+m[1];n=e}}console.log(n)`;
  const run = (args: string[]) => {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, args, { encoding: "utf8" });
    if (r.status !== 0) throw new Error(r.stderr);
    return performance.now() - t0;
  };
  const ratios: number[] = [];
  for (let r = 0; r < 5; r++) ratios.push(run([bin, "ckpt", "latest", dir]) / run(["-e", script]));
  console.log(`whole process: rlops ckpt latest ÷ node bare walk = ${fmt(ratios, 1)} (min/median/max of 5)`);
} else console.log(`(build the CLI for the whole-process comparison: ${bin} is missing)`);
