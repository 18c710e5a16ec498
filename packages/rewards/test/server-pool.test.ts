// Issue 17: large batches are scored on worker threads; the answers equal the inline path's.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createScorer } from "../src/index.js";
import { createRewardServer, type RewardServer } from "../src/node.js";
import { scoreAnswer } from "../src/server/routes.js";

const SPEC = {
  version: 1,
  name: "pool",
  rewards: [
    { id: "gsm", kind: "verl.gsm8k" },
    { id: "len", kind: "length.overlong", params: { maxLength: 64, buffer: 16, unit: "chars" }, weight: 0.5 },
  ],
  group: { size: 4 },
};
const samples = Array.from({ length: 64 }, (_, i) => ({
  id: i,
  completion: `${"w ".repeat(i)}#### ${i % 3}`,
  answer: String(i % 2),
}));

let server: RewardServer;
let url: string;
beforeAll(async () => {
  server = createRewardServer({ spec: SPEC, port: 0, workers: 2, inlineBelowBytes: 0, log: false });
  url = (await server.listen()).url;
});
afterAll(() => server.close());

const post = (path: string, body: unknown) =>
  fetch(`${url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });

describe("worker pool", () => {
  it("reports its workers", async () => {
    expect(await (await fetch(`${url}/healthz`)).json()).toMatchObject({ workers: 2, queued: 0 });
  });
  it("scores on workers exactly as in-process, concurrently", async () => {
    const expected = JSON.parse(JSON.stringify(scoreAnswer(createScorer(SPEC).score(samples))));
    const answers = await Promise.all(Array.from({ length: 6 }, () => post("/score", { samples })));
    for (const res of answers) {
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual(expected);
    }
  });
  it("typed errors come back from the workers", async () => {
    const res = await post("/score", { samples, groupSize: -1 });
    expect(res.status).toBe(422);
    expect((await res.json()).error.code).toBe("INVALID_OPTIONS");
    const meta = await post("/reward", { response: "#### 1", label: "0", metadata: { answer: "1" } });
    expect(meta.status).toBe(422);
    const bad = await fetch(`${url}/score`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{",
    });
    expect((await bad.json()).error.code).toBe("BAD_JSON");
  });
  it("per-sample routes on workers", async () => {
    const res = await post("/get_reward", { query: ["#### 1", "#### 2", "#### 3"], labels: ["1", "1", "3"] });
    expect((await res.json()).rewards).toEqual([1, 0, 1]);
  });
  it("workers: 0 scores in-process", async () => {
    const inline = createRewardServer({ spec: SPEC, port: 0, workers: 0, log: false });
    const { url: u } = await inline.listen();
    try {
      const health = await (await fetch(`${u}/healthz`)).json();
      expect(health.workers).toBe(0);
    } finally {
      await inline.close();
    }
  });
  it("a spec that fails to compile in a worker fails listen(), not a request", async () => {
    const scorer = createScorer(SPEC);
    const broken = { ...scorer, spec: { ...scorer.spec, rewards: [] } } as typeof scorer;
    const s = createRewardServer({ spec: broken, port: 0, workers: 1, log: false });
    await expect(s.listen()).rejects.toThrow(/scoring worker failed to start/);
    await s.close();
  });
});

describe("worker pool with the default inline bound", () => {
  it("scores a large batch on a worker and a small one inline", async () => {
    const pooled = createRewardServer({ spec: SPEC, port: 0, workers: 1, log: false });
    const at = (await pooled.listen()).url;
    try {
      const send = (body: unknown) =>
        fetch(`${at}/score`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
        });
      const large = samples.map((s) => ({ ...s, completion: `${s.completion} ${"x".repeat(2048)}` }));
      expect(JSON.stringify({ samples: large }).length).toBeGreaterThan(pooled.options.inlineBelowBytes);
      expect((await send({ samples: large })).status).toBe(200);
      expect((await send({ samples: samples.slice(0, 4) })).status).toBe(200);
      expect((await (await fetch(`${at}/healthz`)).json()).scored).toEqual({ inline: 1, workers: 1 });
    } finally {
      await pooled.close();
    }
  });
});
