import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseMessagesFromText } from "../src/index.js";
import { TextLexer } from "../src/lexer.js";
import { TolerantParser } from "../src/tolerant.js";

/** The unit-by-unit path (text lexer → tolerant parser) that the one-shot fast path must equal. */
function unitPath(text: string, role: "assistant" | "user" | null) {
  const parser = new TolerantParser(role);
  const lexer = new TextLexer(parser);
  lexer.write(text);
  lexer.end();
  parser.eos(text.length);
  return { messages: parser.messages, diagnostics: parser.diagnostics, terminators: parser.terminators };
}

function fastPath(text: string, role: "assistant" | "user" | null) {
  const parser = new TolerantParser(role);
  parser.parseText(text);
  parser.eos(text.length);
  return { messages: parser.messages, diagnostics: parser.diagnostics, terminators: parser.terminators };
}

const fragment = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom("<|start|>", "<|end|>", "<|message|>", "<|channel|>") },
  { weight: 3, arbitrary: fc.constantFrom("<|constrain|>", "<|return|>", "<|call|>", "<|endoftext|>") },
  { weight: 1, arbitrary: fc.constantFrom("<|reserved_200013|>", "<|startoftext|>", "<|", "<", "|>") },
  {
    weight: 6,
    arbitrary: fc.constantFrom(
      "assistant",
      "user",
      "system",
      "tool",
      "functions.lookup",
      "assistant:bob",
      "assistant––x",
      " to=functions.f",
      "to=assistant",
      "analysis",
      "final",
      "commentary",
      " json",
      "json",
      " ",
      "\n",
      "\u00a0",
    ),
  },
  { weight: 3, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 1, arbitrary: fc.constantFrom("x".repeat(1100), "y ".repeat(520), "\ud83d", "\ude00") },
);
const text = fc.array(fragment, { maxLength: 40 }).map((parts) => parts.join(""));

describe("one-shot fast path", () => {
  it("equals the unit-by-unit path on arbitrary marker soups", () => {
    fc.assert(
      fc.property(text, fc.constantFrom("assistant" as const, "user" as const, null), (input, role) => {
        expect(fastPath(input, role)).toEqual(unitPath(input, role));
      }),
      { numRuns: 3000 },
    );
  });

  it("equals the unit-by-unit path around the header length limit", () => {
    for (const n of [1000, 1010, 1011, 1012, 1013, 1020, 1024, 1025, 1040]) {
      for (const [prefix, role] of [
        ["<|start|>assistant", null],
        ["", "assistant"],
        ["<|channel|>", null],
      ] as const) {
        const header = `${prefix}${"h".repeat(n - 30)}<|channel|>analysis <|constrain|>json`;
        for (const tail of ["<|message|>body<|end|>", "", "<|end|>", "<|start|>user<|message|>u<|end|>"]) {
          const input = header + tail;
          expect(fastPath(input, role)).toEqual(unitPath(input, role));
        }
      }
    }
  });

  it("is what parseMessagesFromText returns, with repeated headers served from the cache", () => {
    const one =
      "<|start|>assistant<|channel|>analysis<|message|>a<|end|>" +
      "<|start|>assistant to=functions.x<|channel|>commentary <|constrain|>json<|message|>{}<|call|>" +
      "<|start|>functions.x to=assistant<|channel|>commentary<|message|>{}<|end|>" +
      "<|start|>assistant<|channel|>final <|constrain|>json<|message|>4<|return|>";
    const input = one.repeat(20);
    const result = parseMessagesFromText(input);
    expect(result.messages).toHaveLength(80);
    expect(result).toEqual({
      messages: unitPath(input, null).messages,
      diagnostics: unitPath(input, null).diagnostics,
    });
    // the constrain-without-recipient diagnostic is reported for every message, at its own offset
    const offsets = result.diagnostics.map((d) => d.offset);
    expect(new Set(offsets).size).toBe(20);
    expect(result.diagnostics.every((d) => d.code === "CONSTRAIN_WITHOUT_RECIPIENT")).toBe(true);
  });
});
