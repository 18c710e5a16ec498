import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { createSession } from "../src/bridge/methods.js";
import { responseSchema } from "../src/bridge/protocol.js";
import { handleLine, serveBridge } from "../src/bridge/serve.js";

const BIN = new URL("../dist/bin.js", import.meta.url).pathname;

function run(lines: string[]): Promise<{ code: number | null; answers: Record<string, unknown>[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, "bridge"], { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.on("error", reject);
    child.on("close", (code) =>
      resolve({
        code,
        answers: out
          .split("\n")
          .filter((l) => l !== "")
          // every answer line has the protocol's wire shape
          .map((l) => responseSchema.parse(JSON.parse(l))),
      }),
    );
    child.stdin.end(lines.map((l) => `${l}\n`).join(""));
  });
}

const hello = JSON.stringify({ id: 0, method: "hello", params: { protocol: 1 } });

describe("rlops bridge", () => {
  it("answers in order, keeps ids, exits 0 on stdin EOF", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rlops-bridge-"));
    const spec = join(dir, "spec.yaml");
    writeFileSync(
      spec,
      "version: 1\nname: t\nrewards:\n  - id: len\n    kind: length.overlong\n    params: {maxLength: 10, buffer: 5, unit: tokens}\ngroup: {size: 4}\n",
    );
    const { code, answers } = await run([
      JSON.stringify({ id: 1, method: "rewards.load", params: {} }),
      hello,
      JSON.stringify({ id: 2, method: "rewards.load", params: { spec: { path: spec } } }),
      // 3 samples, group.size 4: scored per sample, never grouped
      JSON.stringify({
        id: 3,
        method: "rewards.score",
        params: {
          handle: 1,
          samples: [
            { completion_ids: [1, 2] },
            { completion_ids: new Array(8).fill(1) },
            { completionIds: new Array(12).fill(1) },
          ],
        },
      }),
      JSON.stringify({ id: "x", method: "nope" }),
    ]);
    expect(code).toBe(0);
    expect(answers.map((a) => a.id)).toEqual([1, 0, 2, 3, "x"]);
    expect((answers[0]!.error as { code: string }).code).toBe("HELLO_REQUIRED");
    expect((answers[2]!.result as { components: unknown }).components).toEqual([
      { id: "len", kind: "length.overlong", weight: 1 },
    ]);
    const samples = (answers[3]!.result as { samples: { reward: number; advantage?: number }[] }).samples;
    expect(samples.map((s) => s.reward)).toEqual([0, -0.6, -1]);
    expect(samples.every((s) => s.advantage === undefined)).toBe(true);
    expect((answers[4]!.error as { code: string }).code).toBe("UNKNOWN_METHOD");
  });

  it("runs a breaker monitor with NaN from Python and returns the breaker check shape", async () => {
    const session = createSession();
    await handleLine(hello, session);
    const created = JSON.parse(
      await handleLine(
        JSON.stringify({
          id: 1,
          method: "breaker.create",
          params: {
            config: {
              value: {
                version: 1,
                rules: [
                  { name: "z", metric: "reward", kind: "zero", trigger: { consecutive: 2 }, action: "stop" },
                ],
              },
            },
          },
        }),
        session,
      ),
    );
    const handle = created.result.handle;
    const observed = JSON.parse(
      await handleLine(
        `{"id":2,"method":"breaker.observe","params":{"handle":${handle},"records":[{"step":1,"reward":0},{"step":2,"reward":0},{"loss":NaN}]}}`,
        session,
      ),
    );
    expect(observed.result.decisions.map((d: { action: string } | null) => d?.action ?? null)).toEqual([
      "continue",
      "stop",
      null,
    ]);
    const result = JSON.parse(
      await handleLine(JSON.stringify({ id: 3, method: "breaker.result", params: { handle } }), session),
    ).result;
    expect(Object.keys(result).sort()).toEqual(
      ["decisions", "diagnostics", "exitCode", "restore", "state", "stats", "verdict"].sort(),
    );
    expect(result.verdict.step).toBe(2);
    expect(result.exitCode).toBe(3);
    expect(result.diagnostics[0].code).toBe("NO_STEP");
  });

  it("rejects a wrong protocol version and an oversized line", async () => {
    const session = createSession();
    const answer = JSON.parse(
      await handleLine(JSON.stringify({ id: 1, method: "hello", params: { protocol: 99 } }), session),
    );
    expect(answer.error.code).toBe("PROTOCOL_MISMATCH");
    const input = new PassThrough();
    const output = new PassThrough();
    let text = "";
    output.on("data", (d: Buffer) => {
      text += d.toString();
    });
    const done = serveBridge(input, output, 100);
    input.write(`${"x".repeat(150)}\n${hello}\n`);
    input.end();
    await done;
    const lines = text
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines[0].error.code).toBe("REQUEST_TOO_LARGE");
    expect(lines[1].ok).toBe(true);
  });
});
