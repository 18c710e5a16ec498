// The reward server's contract beyond the routes: numeric input, metadata, per-sample paths without
// group coupling, content type, versions and the request log.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRewardServer, DEFAULT_PORT, formatLogLine, type RewardServer } from "../src/node.js";

const GROUPED = {
  version: 1,
  name: "grouped",
  rewards: [{ id: "gsm", kind: "verl.gsm8k" }],
  group: { size: 4 },
};

let server: RewardServer;
let url: string;
const lines: string[] = [];

beforeAll(async () => {
  server = createRewardServer({ spec: GROUPED, port: 0, workers: 0, log: (line) => lines.push(line) });
  url = (await server.listen()).url;
});
afterAll(() => server.close());

const post = (path: string, body: unknown, contentType = "application/json") =>
  fetch(`${url}${path}`, {
    method: "POST",
    headers: { "content-type": contentType },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });

const three = [
  { completion: "#### 1", answer: "1" },
  { completion: "#### 2", answer: "1" },
  { completion: "#### 3", answer: "3" },
];

describe("numeric input on the HTTP path", () => {
  it.each([-1, 0.5, 0, 1e9, "4", null])("groupSize %s → 422 INVALID_OPTIONS at once", async (groupSize) => {
    const t0 = performance.now();
    const res = await post("/score", { samples: three.concat(three, three, three), groupSize });
    expect(res.status).toBe(422);
    const body = await res.json();
    expect(body.error.code).toBe("INVALID_OPTIONS");
    expect(body.error.message).toMatch(/^\/score body\.groupSize: /);
    expect(performance.now() - t0).toBeLessThan(5_000);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });
  it("deep nesting is refused before JSON.parse (400 JSON_TOO_DEEP), strings are not counted", async () => {
    const deep = "[".repeat(200_000) + "]".repeat(200_000);
    const res = await post("/score", `{"samples":[{"completion":"#### 1","answer":${deep}}]}`);
    expect(res.status).toBe(400);
    expect((await res.json()).error.code).toBe("JSON_TOO_DEEP");
    const inString = await post("/score", {
      samples: [{ completion: `${"[{".repeat(500)}\\" #### 1`, answer: "1" }],
      groups: false,
    });
    expect(inString.status).toBe(200);
  });
  it("a group size that does not divide the batch is 422 GROUP_INVALID", async () => {
    const res = await post("/score", { samples: three, groupSize: 2 });
    expect(res.status).toBe(422);
    expect((await res.json()).error.code).toBe("GROUP_INVALID");
  });
  it("bad server options are INVALID_OPTIONS naming the field", () => {
    for (const bad of [
      { port: -1 },
      { maxConcurrency: 0 },
      { groupSize: 0.5 },
      { workers: 1.5 },
      { bodyTimeoutMs: 0 },
    ])
      expect(() => createRewardServer({ spec: GROUPED, ...bad })).toThrow(
        expect.objectContaining({ code: "INVALID_OPTIONS" }),
      );
  });
  it("too many samples → 413 INPUT_TOO_LARGE", async () => {
    const small = createRewardServer({ spec: GROUPED, port: 0, workers: 0, log: false, maxSamples: 2 });
    const { url: u } = await small.listen();
    try {
      const res = await fetch(`${u}/get_reward`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: ["a", "b", "c"] }),
      });
      expect(res.status).toBe(413);
      expect((await res.json()).error.code).toBe("INPUT_TOO_LARGE");
    } finally {
      await small.close();
    }
  });
});

describe("per-sample paths have no group coupling", () => {
  it("a batch of 3 with group.size 4 scores on /get_reward, /reward and /score with groups: false", async () => {
    const gr = await post("/get_reward", { query: three.map((s) => s.completion), labels: ["1", "1", "3"] });
    expect(gr.status).toBe(200);
    expect((await gr.json()).rewards).toEqual([1, 0, 1]);
    const r = await post("/reward", { response: "#### 2", label: "1" });
    expect(r.status).toBe(200);
    expect(await r.json()).toBe(0);
    const s = await post("/score", { samples: three, groups: false });
    expect(s.status).toBe(200);
    const body = await s.json();
    expect(body.samples.map((x: { reward: number }) => x.reward)).toEqual([1, 0, 1]);
    expect(body.groups).toEqual([]);
  });
  it("/score without groups: false keeps the spec's grouping (422 on a partial group)", async () => {
    const res = await post("/score", { samples: three });
    expect(res.status).toBe(422);
    expect((await res.json()).error.code).toBe("GROUP_INVALID");
  });
});

describe("/reward metadata", () => {
  it("metadata can never override the scored response or label", async () => {
    for (const key of ["answer", "completion", "prompt", "completion_ids", "completionIds"]) {
      const res = await post("/reward", { response: "#### 7", label: "3", metadata: { [key]: "#### 3" } });
      expect(res.status).toBe(422);
      const body = await res.json();
      expect(body.error.code).toBe("METADATA_CONFLICT");
      expect(body.error.message).toContain(`metadata.${key}`);
    }
  });
  it("a wrong answer scores as wrong; other metadata still reaches the sample", async () => {
    const res = await post("/reward", { response: "#### 7", label: "3", metadata: { dataSource: "gsm" } });
    expect(await res.json()).toBe(0);
  });
});

describe("content type", () => {
  it.each(["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", ""])(
    "POST with content-type %j → 415",
    async (type) => {
      const res = await fetch(`${url}/score`, {
        method: "POST",
        headers: type ? { "content-type": type } : {},
        body: type ? JSON.stringify(three) : new Blob([JSON.stringify(three)]),
      });
      expect(res.status).toBe(415);
      expect((await res.json()).error.code).toBe("UNSUPPORTED_MEDIA_TYPE");
    },
  );
  it("accepts application/json with a charset", async () => {
    const res = await post("/score", { samples: three, groups: false }, "application/json; charset=utf-8");
    expect(res.status).toBe(200);
  });
});

describe("versions and log", () => {
  it("/healthz and /version report server and spec versions", async () => {
    const health = await (await fetch(`${url}/healthz`)).json();
    expect(health).toMatchObject({
      ok: true,
      server: { name: "@rlops/rewards", protocol: 1 },
      spec: { name: "grouped", version: 1 },
      workers: 0,
    });
    expect(health.spec.sha256).toMatch(/^[0-9a-f]{64}$/);
    const version = await (await fetch(`${url}/version`)).json();
    expect(version).toEqual({ server: health.server, spec: health.spec });
  });
  it("the default port is not vLLM's 8000", () => {
    expect(DEFAULT_PORT).toBe(8377);
    expect(createRewardServer({ spec: GROUPED, workers: 0 }).options.port).toBe(DEFAULT_PORT);
  });
  it("logs one line per request, 4xx and 422 included", async () => {
    lines.length = 0;
    await post("/score", { samples: three, groups: false });
    await post("/score", { samples: three, groupSize: -1 });
    await post("/score", "{", "application/json");
    await fetch(`${url}/nope`);
    expect(lines).toHaveLength(4);
    const re =
      /^\d{4}-\d\d-\d\dT[\d:.]+Z (POST|GET) (\/\S*) (\d{3}) samples=(\d+) ms=\d+\.\d( code=[A-Z_]+)?$/;
    for (const line of lines) expect(line).toMatch(re);
    expect(lines[0]).toMatch(/ POST \/score 200 samples=3 ms=/);
    expect(lines[1]).toMatch(/ POST \/score 422 samples=3 ms=[\d.]+ code=INVALID_OPTIONS$/);
    expect(lines[2]).toMatch(/ 400 samples=0 ms=[\d.]+ code=BAD_JSON$/);
    expect(lines[3]).toMatch(/ GET \/nope 404 samples=0 ms=[\d.]+ code=NOT_FOUND$/);
    expect(
      formatLogLine({ method: "POST", path: "/r", status: 200, samples: 1, ms: 1.25 }, new Date(0)),
    ).toBe("1970-01-01T00:00:00.000Z POST /r 200 samples=1 ms=1.3");
  });
});
