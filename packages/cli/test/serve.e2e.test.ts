// `rlops rewards serve` end to end: the `rlops init` starter spec on every endpoint (issue 16.9), the
// request log on stderr, the default port and flag validation (issue 15).
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, rlops } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "rlops-serve-"));
const SPEC = join(dir, "reward-spec.yaml");
let child: ChildProcess;
let url: string;
let stderr = "";

function serve(args: string[]): Promise<string> {
  child = spawn(process.execPath, [BIN, "rewards", "serve", "--spec", SPEC, ...args]);
  child.stderr!.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  return new Promise<string>((resolve, reject) => {
    let buf = "";
    child.stdout!.on("data", (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf("\n");
      if (nl >= 0) resolve(JSON.parse(buf.slice(0, nl)).listening);
    });
    child.on("exit", (code) => reject(new Error(`server exited ${code}: ${stderr}`)));
  });
}

beforeAll(async () => {
  expect(rlops(["init", "--dir", dir]).status).toBe(0);
  url = await serve(["--port", "0", "--workers", "1"]);
});
afterAll(() => {
  child?.kill("SIGTERM");
});

const grid = [
  [1, 2],
  [3, 4],
];
const harmony = (g: string) =>
  `<|channel|>analysis<|message|>Mirror it.<|end|><|start|>assistant<|channel|>final<|message|>${g}<|return|>`;
const right = harmony("[[1,2],[3,4]]");
const wrong = harmony("[[0,0],[0,0]]");

const post = (path: string, body: unknown) =>
  fetch(`${url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });

describe("rlops init spec on every endpoint", () => {
  it("/get_reward (text only, one sample)", async () => {
    const res = await post("/get_reward", { query: [`P${right}`], prompts: ["P"], labels: [grid] });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.rewards[0]).toBeCloseTo(1.2, 9); // arc 1 + 0.2 · format 1 + overlong 0
    expect(body.extra_logs.overlong).toEqual([0]);
  });
  it("/reward (slime, text only): right and wrong answers", async () => {
    const ok = await post("/reward", { prompt: "P", response: right, label: grid });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toBeCloseTo(1.2, 9);
    const bad = await post("/reward", { prompt: "P", response: wrong, label: grid });
    expect(await bad.json()).toBeCloseTo(0.2, 9);
  });
  it("/score with a full group and, per sample, with 3 samples and groups: false", async () => {
    const group = Array.from({ length: 8 }, (_, i) => ({ completion: i % 2 ? right : wrong, answer: grid }));
    const full = await post("/score", { samples: group });
    expect(full.status).toBe(200);
    expect((await full.json()).groups).toHaveLength(1);
    const three = await post("/score", { samples: group.slice(0, 3), groups: false });
    expect(three.status).toBe(200);
    expect((await three.json()).samples.map((s: { reward: number }) => s.reward)).toEqual([
      expect.closeTo(0.2, 9),
      expect.closeTo(1.2, 9),
      expect.closeTo(0.2, 9),
    ]);
  });
  it("/healthz and /version report versions", async () => {
    const health = await (await fetch(`${url}/healthz`)).json();
    expect(health).toMatchObject({ ok: true, server: { name: "@rlops/rewards", protocol: 1 }, workers: 1 });
    expect(health.spec).toMatchObject({ name: "arc-dapo", version: 1 });
    expect((await fetch(`${url}/version`)).status).toBe(200);
  });
  it("logs one line per request on stderr, errors included", async () => {
    await post("/score", { samples: [{ completion: right, answer: grid }], groupSize: -1 });
    await new Promise((r) => setTimeout(r, 100));
    expect(stderr).toMatch(/ POST \/get_reward 200 samples=1 ms=[\d.]+\n/);
    expect(stderr).toMatch(/ POST \/score 422 samples=1 ms=[\d.]+ code=INVALID_OPTIONS\n/);
  });
});

describe("serve flags", () => {
  it("bad numbers are bad input naming the flag (exit 2)", () => {
    for (const [flag, value] of [
      ["--port", "70000"],
      ["--group-size", "0"],
      ["--workers", "-1"],
      ["--max-concurrency", "0"],
    ]) {
      const run = rlops(["rewards", "serve", "--spec", SPEC, flag!, value!]);
      expect(run.status).toBe(2);
      expect(run.stderr).toMatch(new RegExp(`^rlops: BAD_FLAG: ${flag}`));
    }
  });
  it("--help shows the default port 8377", () => {
    expect(rlops(["rewards", "serve", "--help"]).stdout).toMatch(/default 8377/);
  });
});
