// Issue 16.6: every server limit gives its documented answer, with short timeouts configured for the test.
// Loopback only; every socket is closed by the test or by the server's own deadlines.
import { request } from "node:http";
import { connect, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createRewardServer, type RewardServer, type RewardServerOptions } from "../src/node.js";

const SPEC = { version: 1, name: "limits", rewards: [{ id: "gsm", kind: "verl.gsm8k" }] };
const started: RewardServer[] = [];
const sockets: Socket[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(started.splice(0).map((s) => s.close()));
});

async function start(options: Partial<RewardServerOptions> = {}) {
  const server = createRewardServer({ spec: SPEC, port: 0, workers: 0, log: false, ...options });
  started.push(server);
  const { port, url } = await server.listen();
  return { server, port, url };
}

/** A raw HTTP exchange: writes `head`, then whatever `feed` writes; resolves with the raw answer. */
function raw(port: number, head: string, feed?: (s: Socket) => void): Promise<{ text: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const socket = connect(port, "127.0.0.1");
    sockets.push(socket);
    let text = "";
    socket.on("data", (d) => {
      text += d.toString();
    });
    socket.on("error", (e) => (text ? resolve({ text, ms: performance.now() - t0 }) : reject(e)));
    socket.on("close", () => resolve({ text, ms: performance.now() - t0 }));
    socket.write(head);
    feed?.(socket);
  });
}

const statusOf = (text: string) => Number(text.slice(9, 12));
const errorOf = (text: string) => JSON.parse(text.slice(text.indexOf("\r\n\r\n") + 4)).error.code as string;

/** Sends a body a byte at a time every `everyMs` until the socket closes. */
function trickle(everyMs: number) {
  return (s: Socket) => {
    const timer = setInterval(() => s.writable && s.write(" "), everyMs);
    s.on("close", () => clearInterval(timer));
  };
}

const postHead = (length: number | "chunked", type = "application/json") =>
  `POST /score HTTP/1.1\r\nhost: x\r\ncontent-type: ${type}\r\n${
    length === "chunked" ? "transfer-encoding: chunked" : `content-length: ${length}`
  }\r\n\r\n`;

function validPost(url: string, samples = 1) {
  return fetch(`${url}/score`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(Array.from({ length: samples }, () => ({ completion: "#### 1", answer: "1" }))),
  });
}

describe("body limits", () => {
  it("a slow sender gets 408 BODY_TOO_SLOW after the grace period, and its slot is free again", async () => {
    const { port, url } = await start({ maxConcurrency: 1, bodyGraceMs: 3000, minBodyBytesPerSecond: 1000 });
    const slow = raw(port, `${postHead(1000)}[`, trickle(200));
    while ((await (await fetch(`${url}/healthz`)).json()).active < 1)
      await new Promise((r) => setTimeout(r, 10));
    expect((await validPost(url)).status).toBe(503); // the one slot is held while the grace runs
    const { text, ms } = await slow;
    expect(statusOf(text)).toBe(408);
    expect(errorOf(text)).toBe("BODY_TOO_SLOW");
    expect(ms).toBeGreaterThanOrEqual(2_900);
    expect(ms).toBeLessThan(10_000);
    expect((await validPost(url)).status).toBe(200);
  });
  it("the body deadline answers 408 REQUEST_TIMEOUT", async () => {
    const { port } = await start({ bodyTimeoutMs: 400, minBodyBytesPerSecond: 0 });
    const { text, ms } = await raw(port, `${postHead(1000)}[`, trickle(50));
    expect(statusOf(text)).toBe(408);
    expect(errorOf(text)).toBe("REQUEST_TIMEOUT");
    expect(ms).toBeGreaterThanOrEqual(350);
    expect(ms).toBeLessThan(5_000);
  });
  it("a chunked body over the limit gets 413 with the error body, not a reset", async () => {
    const { url } = await start({ maxBodyBytes: 10_000 });
    const answer = await new Promise<{ status?: number; body: string }>((resolve, reject) => {
      const req = request(
        `${url}/score`,
        { method: "POST", headers: { "content-type": "application/json", "transfer-encoding": "chunked" } },
        (res) => {
          let body = "";
          res.on("data", (c) => {
            body += c;
          });
          res.on("end", () => resolve({ status: res.statusCode, body }));
        },
      );
      req.on("error", reject);
      for (let i = 0; i < 100; i++) req.write(`[${" ".repeat(1000)}]`);
      req.end();
    });
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body).error.code).toBe("BODY_TOO_LARGE");
  });
  it("a declared length over the limit gets 413 before the body is read", async () => {
    const { port } = await start({ maxBodyBytes: 10_000 });
    const { text } = await raw(port, postHead(50_000), (s) => s.write("x".repeat(50_000)));
    expect(statusOf(text)).toBe(413);
    expect(errorOf(text)).toBe("BODY_TOO_LARGE");
  });
  it("16 concurrent valid requests near the body limit all succeed", async () => {
    const { url } = await start({ maxBodyBytes: 2 * 1024 * 1024, maxConcurrency: 16 });
    const sample = { completion: `${"x".repeat(2000)}#### 1`, answer: "1" };
    const body = JSON.stringify(Array.from({ length: 900 }, () => sample));
    expect(body.length).toBeGreaterThan(1.7 * 1024 * 1024);
    const results = await Promise.all(
      Array.from({ length: 16 }, () =>
        fetch(`${url}/score`, { method: "POST", headers: { "content-type": "application/json" }, body }).then(
          async (r) => ({ status: r.status, n: (await r.json()).samples?.length }),
        ),
      ),
    );
    expect(results).toEqual(Array.from({ length: 16 }, () => ({ status: 200, n: 900 })));
  });
  it("the global buffer budget answers 503 OVERLOADED with Retry-After, not a reset", async () => {
    const { port } = await start({ maxBufferedBytes: 1000, minBodyBytesPerSecond: 0 });
    const { text } = await raw(port, postHead(5000), (s) => s.write(`[${" ".repeat(4998)}]`));
    expect(statusOf(text)).toBe(503);
    expect(text.toLowerCase()).toContain("retry-after: 1");
    expect(errorOf(text)).toBe("OVERLOADED");
  });
});

describe("header timeout", () => {
  it("fires at the configured time with the documented body", async () => {
    const { port, server } = await start({ headersTimeoutMs: 500 });
    expect(server.server.headersTimeout).toBe(500);
    expect(server.server.requestTimeout).toBeGreaterThan(500);
    // slowloris: one more header line every 100 ms, never the blank line
    const { text, ms } = await raw(port, "POST /score HTTP/1.1\r\nhost: x\r\n", (s) => {
      const timer = setInterval(() => s.writable && s.write("x-pad: 1\r\n"), 100);
      s.on("close", () => clearInterval(timer));
    });
    expect(statusOf(text)).toBe(408);
    expect(errorOf(text)).toBe("HEADERS_TIMEOUT");
    expect(ms).toBeGreaterThanOrEqual(450);
    expect(ms).toBeLessThan(2_000);
  });
  it("defaults to 30 s, checked every second", () => {
    const server = createRewardServer({ spec: SPEC, workers: 0, log: false });
    expect(server.server.headersTimeout).toBe(30_000);
    expect(server.options.bodyTimeoutMs).toBe(30_000);
  });
});

describe("load: slow senders and oversized bodies beside valid traffic", () => {
  it("valid requests never get 503 while slots are free; slow ones get 408, oversized 413", async () => {
    const { port, url } = await start({
      maxConcurrency: 32,
      maxBodyBytes: 64 * 1024,
      bodyGraceMs: 500,
      minBodyBytesPerSecond: 1000,
      bodyTimeoutMs: 3_000,
    });
    const slow = Array.from({ length: 16 }, () => raw(port, `${postHead(2000)}[`, trickle(300)));
    const big = Array.from({ length: 4 }, () =>
      raw(port, postHead("chunked"), (s) => {
        for (let i = 0; i < 20; i++) s.write(`1000\r\n${" ".repeat(4096)}\r\n`);
      }),
    );
    const statuses: number[] = [];
    // 4 clients × 50 valid requests while the slow ones hold 16 of 32 slots.
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let i = 0; i < 50; i++) statuses.push((await validPost(url, 8)).status);
      }),
    );
    const slowAnswers = await Promise.all(slow);
    const bigAnswers = await Promise.all(big);
    expect(statuses.length).toBe(200);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(slowAnswers.map((a) => `${statusOf(a.text)} ${errorOf(a.text)}`)).toEqual(
      Array.from({ length: 16 }, () => "408 BODY_TOO_SLOW"),
    );
    expect(bigAnswers.map((a) => statusOf(a.text))).toEqual([413, 413, 413, 413]);
  });
});
