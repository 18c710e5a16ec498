import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { rlops as run } from "./helpers.js";

const DATA = resolve(import.meta.dirname, "../../harmony-format/test-data");

function rlops(args: string[], input = "") {
  return run(["harmony", ...args], input);
}

const renderCases = JSON.parse(readFileSync(`${DATA}/render-upstream.json`, "utf8")).cases as {
  id: string;
  call: string;
  config: { auto_drop_analysis: boolean } | null;
  conversation: unknown;
  expected_text: string;
  expected_tokens: number[];
}[];

describe("rlops harmony", () => {
  const a16 = renderCases.find((c) => c.id === "A16")!;
  const a20 = renderCases.find((c) => c.id === "A20")!;

  it("render writes text with no trailing newline, identical to the reference", () => {
    const run = rlops(["render", "--auto-drop-analysis"], JSON.stringify(a16.conversation));
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(a16.expected_text);
  });

  it("render --for training --tokens writes token ids", () => {
    const run = rlops(
      ["render", "--for", "training", "--auto-drop-analysis", "--tokens"],
      JSON.stringify(a20.conversation),
    );
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual(a20.expected_tokens);
  });

  it("render --for conversation and --next-role", () => {
    const convo = JSON.stringify({ messages: [{ role: "user", content: "hi" }] });
    expect(rlops(["render", "--for", "conversation"], convo).stdout).toBe(
      "<|start|>user<|message|>hi<|end|>",
    );
    expect(rlops(["render", "--next-role", "user"], convo).stdout).toBe(
      "<|start|>user<|message|>hi<|end|><|start|>user",
    );
  });

  it("parse (tolerant by default) writes messages and diagnostics", () => {
    const run = rlops(
      ["parse", "--role", "assistant"],
      "I must refuse<|end|><|start|>assistant<|channel|>final<|message|>No.<|return|>",
    );
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      messages: [
        { role: "assistant", content: "I must refuse" },
        { role: "assistant", content: "No.", channel: "final" },
      ],
      diagnostics: [
        {
          code: "MISSING_MESSAGE_TOKEN",
          message: "message header without <|message|> ended by <|end|>; rest kept as content",
          offset: 13,
        },
      ],
    });
  });

  it("parse --tokens --mode lenient", () => {
    const run = rlops(
      ["parse", "--tokens", "--role", "assistant", "--mode", "lenient"],
      "[200005,12606,815,32949,200007]",
    );
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout).messages).toEqual([
      { role: "assistant", content: "Hello", channel: "commentary" },
    ]);
  });

  it("bad input exits 2 with one clear line", () => {
    const strict = rlops(
      ["parse", "--mode", "strict", "--role", "assistant"],
      "<|channel|>commentary Hello<|end|>",
    );
    expect(strict.status).toBe(2);
    expect(strict.stderr).toBe(
      "rlops: PARSE_FAILED: Unexpected EOS while waiting for message header to complete\n",
    );
    const badJson = rlops(["render"], "{nope");
    expect(badJson.status).toBe(2);
    expect(badJson.stderr).toMatch(/^rlops: INVALID_CONVERSATION: invalid conversation JSON: /);
    const badRole = rlops(["render"], '{"messages":[{"role":"robot","content":"x"}]}');
    expect(badRole.status).toBe(2);
    expect(badRole.stderr.split("\n")[0]).toMatch(
      /^rlops: INVALID_CONVERSATION: invalid conversation: messages\[0\]\.role: /,
    );
    const badTokens = rlops(["parse", "--tokens"], "[1, -2]");
    expect(badTokens.status).toBe(2);
    expect(badTokens.stderr).toBe(
      "rlops: INVALID_INPUT: stdin[1]: expected a non-negative integer token id, got -2\n",
    );
    const badFlag = rlops(["parse", "--mode", "loose"], "");
    expect(badFlag.status).toBe(2);
    const renderError = rlops(["render"], '{"messages":[{"role":"tool","content":"x"}]}');
    expect([renderError.status, renderError.stderr]).toEqual([
      2,
      "rlops: RENDER_FAILED: Tools should have a name!\n",
    ]);
  });
});
