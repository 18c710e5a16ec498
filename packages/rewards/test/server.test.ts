import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRewardServer, type RewardServer } from "../src/node.js";

const SPEC = readFileSync(new URL("./fixtures/client-spec.yaml", import.meta.url), "utf8");
const CLIENT_DIR = fileURLToPath(new URL("../../../python/tests/", import.meta.url));
const CLIENT_SRC = fileURLToPath(new URL("../../../python/src/", import.meta.url));
const WELL =
  "<|channel|>analysis<|message|>think<|end|><|start|>assistant<|channel|>final<|message|>#### 4<|return|>";

let server: RewardServer;
let url: string;

beforeAll(async () => {
  server = createRewardServer({ spec: SPEC, port: 0, maxBodyBytes: 64 * 1024, workers: 0, log: false });
  url = (await server.listen()).url;
});
afterAll(() => server.close());

const post = (path: string, body: unknown) =>
  fetch(`${url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });

describe("reward server", () => {
  it("binds to loopback by default", () => {
    expect(url.startsWith("http://127.0.0.1:")).toBe(true);
  });
  it("GET /healthz and /spec", async () => {
    expect(await (await fetch(`${url}/healthz`)).json()).toMatchObject({
      ok: true,
      server: { name: "@rlops/rewards", protocol: 1 },
      spec: { name: "client-test", version: 1 },
    });
    const spec = await (await fetch(`${url}/spec`)).json();
    expect(spec.rewards[1].params.weights).toEqual({});
  });
  it("POST /get_reward in OpenRLHF's shape; query minus prompt is the completion", async () => {
    const res = await post("/get_reward", {
      query: [`P${WELL}`, "P#### 2"],
      prompts: ["P", "P"],
      labels: ["4", "4"],
    });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(Object.keys(body).sort()).toEqual(["extra_logs", "rewards", "scores"]);
    expect(body.rewards).toEqual([1, 0]); // channels applies to dataSource gsm only
    expect(body.scores).toEqual([1, 0]);
    expect(body.extra_logs.gsm).toEqual([1, 0]);
    expect(body.extra_logs.channels).toEqual([null, null]);
  });
  it("/get_reward never groups (OpenRLHF posts one sample per request)", async () => {
    const grouped = createRewardServer({
      spec: { version: 1, name: "g", rewards: [{ id: "g", kind: "verl.gsm8k" }], group: { size: 4 } },
      port: 0,
      workers: 0,
      log: false,
    });
    const { url: u } = await grouped.listen();
    const res = await fetch(`${u}/get_reward`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: ["#### 1"], labels: ["1"] }),
    });
    await grouped.close();
    expect(await res.json()).toEqual({ rewards: [1], scores: [1], extra_logs: { g: [1] } });
  });
  it("POST /score with breakdown and groups", async () => {
    const res = await post("/score", {
      samples: [
        { completion: WELL, answer: "4", dataSource: "gsm" },
        { completion: "#### 1", answer: "4", dataSource: "gsm" },
      ],
      groupSize: 2,
    });
    const body = await res.json();
    expect(body.samples[0].reward).toBe(1.5);
    expect(body.samples[0].breakdown["channels.stopToken"]).toBe(1);
    expect(body.groups[0].advantages[0]).toBeCloseTo(Math.SQRT1_2, 3);
  });
  it("POST /reward (slime per-sample shape)", async () => {
    const res = await post("/reward", {
      prompt: "P",
      response: "#### 4",
      label: "4",
      metadata: { dataSource: "gsm" },
    });
    expect(await res.json()).toBeCloseTo(1 + 0.5 * (2 / 8), 12);
  });
  it("errors are HTTP errors, never a fake 0", async () => {
    const bad = await post("/get_reward", "{not json");
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.code).toBe("BAD_JSON");
    const strict = createRewardServer({
      spec: { version: 1, name: "s", rewards: [{ id: "g", kind: "verl.gsm8k" }] },
      port: 0,
      workers: 0,
      log: false,
    });
    const { url: u } = await strict.listen();
    const missing = await fetch(`${u}/score`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify([{ completion: "x" }]),
    });
    await strict.close();
    expect(missing.status).toBe(422);
    expect((await missing.json()).error.code).toBe("REWARD_FAILED");
    expect((await post("/get_reward", { query: "x" })).status).toBe(400);
    expect((await fetch(`${url}/score`)).status).toBe(405);
    expect((await fetch(`${url}/nope`)).status).toBe(404);
  });
  it("bounds the body size", async () => {
    const res = await post("/score", { samples: [{ completion: "x".repeat(100_000) }] });
    expect(res.status).toBe(413);
  });
  it("bounds concurrency with 503 + Retry-After", async () => {
    const busy = createRewardServer({
      spec: SPEC,
      port: 0,
      maxConcurrency: 1,
      bodyTimeoutMs: 2000,
      workers: 0,
      log: false,
    });
    const { url: u } = await busy.listen();
    try {
      // Hold one request open by sending headers but not the body.
      const { request } = await import("node:http");
      const held = request(`${u}/score`, {
        method: "POST",
        headers: { "content-type": "application/json", "content-length": "100" },
      });
      held.on("error", () => {});
      held.write("{");
      await new Promise((r) => setTimeout(r, 100));
      const res = await fetch(`${u}/score`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "[]",
      });
      expect(res.status).toBe(503);
      expect(res.headers.get("retry-after")).toBe("1");
      expect((await res.json()).error.code).toBe("OVERLOADED");
      held.destroy();
    } finally {
      await busy.close();
    }
  });
  it("the Python package's HTTP client (python/, url=) passes against the live server (system python3)", async () => {
    // Async spawn: the server lives in this process, so the event loop must keep running.
    const child = spawn("python3", ["-m", "unittest", "-v", "http_live"], {
      cwd: CLIENT_DIR,
      env: { ...process.env, RLOPS_REWARDS_URL: url, PYTHONDONTWRITEBYTECODE: "1", PYTHONPATH: CLIENT_SRC },
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const status = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(stderr).toMatch(/Ran 6 tests[\s\S]*OK\s*$/);
    expect(status).toBe(0);
  });
});
