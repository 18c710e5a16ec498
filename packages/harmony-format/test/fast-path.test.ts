import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createStreamParser, parseMessagesFromText, type StreamEvent } from "../src/index.js";
import { TextLexer } from "../src/lexer.js";
import { encode, parseMessagesFromTokens } from "../src/tokens.js";
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

  it("streaming in any chunk sizes gives the unit path's messages and diagnostics, and consistent events", () => {
    const sizes = fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 8 });
    fc.assert(
      fc.property(
        fc.array(fragment, { maxLength: 60 }).map((parts) => parts.join("")),
        fc.constantFrom("assistant" as const, null),
        sizes,
        (input, role, chunkSizes) => {
          const parser = createStreamParser({ role: role ?? undefined });
          const events: StreamEvent[] = [];
          for (let at = 0, k = 0; at < input.length; k++) {
            const size = chunkSizes[k % chunkSizes.length]!;
            events.push(...parser.write(input.slice(at, at + size)));
            at += size;
          }
          events.push(...parser.end());
          const expected = unitPath(input, role);
          expect(parser.messages).toEqual(expected.messages);
          expect(parser.diagnostics).toEqual(expected.diagnostics);
          // events: deltas add up to each message's content, ends carry the messages and terminators
          const ends = events.filter((e) => e.type === "message-end");
          expect(ends.map((e) => e.message)).toEqual(expected.messages);
          expect(ends.map((e) => e.terminator)).toEqual(expected.terminators);
          const content = new Map<number, string>();
          for (const e of events)
            if (e.type === "content-delta") content.set(e.index, (content.get(e.index) ?? "") + e.delta);
          expected.messages.forEach((m, i) => {
            expect(content.get(i) ?? "").toBe(m.content);
          });
          const starts = events.filter((e) => e.type === "message-start").map((e) => e.index);
          // (a message may start and come to nothing: an empty header at the end of the stream)
          expect(starts.slice(0, expected.messages.length)).toEqual(expected.messages.map((_, i) => i));
          expect(starts.length - expected.messages.length).toBeLessThanOrEqual(1);
          const finals = events.flatMap((e) => (e.type === "header" && !e.partial ? [e.index] : []));
          expect(finals).toEqual(expected.messages.map((_, i) => i));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("UTF-8 byte chunks of any size give the same result as the decoded text", () => {
    const utf8 = new TextEncoder();
    const lossy = new TextDecoder();
    fc.assert(
      fc.property(
        fc.oneof(
          fc.array(fragment, { maxLength: 40 }).map((parts) => utf8.encode(parts.join("é€😀"))),
          fc.uint8Array({ maxLength: 200 }),
        ),
        fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 5 }),
        (bytes, sizes) => {
          const parser = createStreamParser();
          for (let at = 0, k = 0; at < bytes.length; k++) {
            const size = sizes[k % sizes.length]!;
            parser.write(bytes.subarray(at, at + size));
            at += size;
          }
          parser.end();
          const expected = parseMessagesFromText(lossy.decode(bytes));
          expect(parser.messages).toEqual(expected.messages);
          expect(parser.diagnostics).toEqual(expected.diagnostics);
        },
      ),
      { numRuns: 2000 },
    );
    const parser = createStreamParser();
    expect(() => parser.write(42 as unknown as string)).toThrow(/expected a string or a Uint8Array/);
  });

  it("memoised headers give what parsing each message alone gives (text and token ids)", () => {
    const headers = [
      "assistant<|channel|>analysis",
      "assistant to=functions.x<|channel|>commentary <|constrain|>json",
      "functions.x to=assistant<|channel|>commentary",
      "assistant<|channel|>final <|constrain|>json", // CONSTRAIN_WITHOUT_RECIPIENT
      "assistant<|channel|> x", // EMPTY_CHANNEL
      "to=functions.y<|channel|>analysis", // MISSING_ROLE
      "assistant a b c<|channel|>final", // HEADER_EXTRA_TEXT
      "assistant to=functions.z<|channel|>analysis", // TOOL_CALL_ON_ANALYSIS
      "user:alice",
    ];
    fc.assert(
      fc.property(fc.array(fc.nat(headers.length - 1), { minLength: 1, maxLength: 12 }), (picks) => {
        const messages = picks.map((h, i) => `<|start|>${headers[h]}<|message|>m${i}<|end|>`);
        const whole = parseMessagesFromText(messages.join(""));
        const expected = { messages: [] as unknown[], diagnostics: [] as unknown[] };
        let offset = 0;
        for (const message of messages) {
          const alone = parseMessagesFromText(message);
          expected.messages.push(...alone.messages);
          for (const d of alone.diagnostics)
            expected.diagnostics.push({ ...d, offset: (d.offset ?? 0) + offset });
          offset += message.length;
        }
        expect(whole).toEqual(expected);
        const ids = encode(messages.join(""), { allowedSpecial: "all" });
        expect(parseMessagesFromTokens(ids).messages).toEqual(whole.messages);
        expect(parseMessagesFromTokens(ids).diagnostics.map((d) => d.code)).toEqual(
          whole.diagnostics.map((d) => d.code),
        );
      }),
      { numRuns: 300 },
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
