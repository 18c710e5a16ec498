import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  createStreamParser,
  type MessageInput,
  parseMessagesFromText,
  renderConversation,
  type StreamEvent,
} from "../src/index.js";
import {
  createTokenStreamParser,
  encode,
  parseMessagesFromTokens,
  renderConversationTokens,
} from "../src/tokens.js";

const word = fc.stringMatching(/^[a-z][a-z0-9_.]{0,11}$/);
const roleLess = word.filter((w) => !["user", "assistant", "system", "developer", "tool"].includes(w));
const specials = [
  "<|start|>",
  "<|end|>",
  "<|message|>",
  "<|channel|>",
  "<|constrain|>",
  "<|return|>",
  "<|call|>",
];
const plainText = fc.string({ unit: "grapheme", maxLength: 40 }).filter((s) => !s.includes("<|"));

/** Messages whose header fields survive render → parse (no whitespace / markers inside fields). */
const messageArb: fc.Arbitrary<MessageInput> = fc
  .record({
    role: fc.constantFrom("user", "assistant", "system", "developer", "tool" as const),
    name: fc.option(word, { nil: undefined }),
    toolName: roleLess,
    recipient: fc.option(word, { nil: undefined }),
    channel: fc.option(fc.constantFrom("analysis", "commentary", "final"), { nil: undefined }),
    contentType: fc.option(fc.constantFrom("json", "code", "<|constrain|>json"), { nil: undefined }),
    content: plainText,
  })
  .map((r) => {
    const message: MessageInput = { role: r.role, content: r.content };
    if (r.role === "tool") message.name = r.toolName;
    else if (r.name !== undefined) message.name = r.name;
    if (r.recipient !== undefined && r.recipient !== "all") message.recipient = r.recipient;
    if (r.channel !== undefined) message.channel = r.channel;
    if (r.contentType !== undefined) message.content_type = r.contentType;
    return message;
  });

function chunked(text: string, sizes: number[]): string[] {
  const out: string[] = [];
  let at = 0;
  let i = 0;
  while (at < text.length) {
    const size = Math.max(1, sizes[i++ % sizes.length] ?? 1);
    out.push(text.slice(at, at + size));
    at += size;
  }
  return out;
}

const harmonyish = fc
  .array(
    fc.oneof(fc.constantFrom(...specials, "assistant", "final", " to=functions.x", " ", "\n"), plainText),
    {
      maxLength: 30,
    },
  )
  .map((parts) => parts.join(""));

describe("properties", () => {
  it("render → parse round-trips any conversation (text, tolerant mode)", () => {
    fc.assert(
      fc.property(fc.array(messageArb, { maxLength: 6 }), (messages) => {
        const text = renderConversation({ messages });
        const { messages: parsed, diagnostics } = parseMessagesFromText(text);
        expect(parsed).toEqual(messages.map((m) => ({ ...m })));
        expect(
          diagnostics.filter(
            (d) => !["CONSTRAIN_WITHOUT_RECIPIENT", "TOOL_CALL_ON_ANALYSIS"].includes(d.code),
          ),
        ).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it("render → parse round-trips through token ids (tolerant mode)", () => {
    fc.assert(
      fc.property(fc.array(messageArb, { maxLength: 4 }), (messages) => {
        const tokens = renderConversationTokens({ messages });
        expect(parseMessagesFromTokens(tokens).messages).toEqual(messages);
      }),
      { numRuns: 100 },
    );
  });

  it("streaming text in random chunk sizes equals one-shot parsing (all modes)", () => {
    fc.assert(
      fc.property(
        harmonyish,
        fc.array(fc.integer({ min: 1, max: 25 }), { minLength: 1, maxLength: 8 }),
        fc.option(fc.constant("assistant" as const), { nil: undefined }),
        fc.constantFrom("tolerant", "strict", "lenient" as const),
        (text, sizes, role, mode) => {
          let expected: unknown;
          try {
            expected = { ok: parseMessagesFromText(text, { role, mode }) };
          } catch (error) {
            expected = { error: (error as Error).message };
          }
          let actual: unknown;
          const parser = createStreamParser({ role, mode });
          const events: StreamEvent[] = [];
          try {
            for (const chunk of chunked(text, sizes)) events.push(...parser.write(chunk));
            events.push(...parser.end());
            actual = { ok: { messages: parser.messages, diagnostics: parser.diagnostics } };
          } catch (error) {
            actual = { error: (error as Error).message };
          }
          if (mode === "tolerant") {
            // diagnostics match by code; offsets match too
            expect(actual).toEqual(expected);
            // deltas of each message concatenate to its content
            const ends = events.filter((e) => e.type === "message-end");
            ends.forEach((end) => {
              if (end.type !== "message-end") return;
              const deltas = events
                .filter((e) => e.type === "content-delta" && e.index === end.index)
                .map((e) => (e.type === "content-delta" ? e.delta : ""))
                .join("");
              expect(deltas).toBe(end.message.content);
            });
          } else if ("error" in (expected as object)) {
            expect((actual as { error?: string }).error).toBe((expected as { error: string }).error);
          } else
            expect((actual as { ok: { messages: unknown } }).ok.messages).toEqual(
              (expected as { ok: { messages: unknown } }).ok.messages,
            );
        },
      ),
      { numRuns: 400 },
    );
  });

  it("streaming token ids in random chunk sizes equals one-shot parsing", () => {
    fc.assert(
      fc.property(
        harmonyish,
        fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 5 }),
        fc.constantFrom("tolerant", "lenient" as const),
        (text, sizes, mode) => {
          const tokens = encode(text, { allowedSpecial: "all" });
          let expected: unknown;
          try {
            expected = parseMessagesFromTokens(tokens, { role: "assistant", mode }).messages;
          } catch (error) {
            expected = (error as Error).message;
          }
          const parser = createTokenStreamParser({ role: "assistant", mode });
          let actual: unknown;
          try {
            let at = 0;
            let i = 0;
            while (at < tokens.length) {
              const size = sizes[i++ % sizes.length]!;
              parser.write(tokens.slice(at, at + size));
              at += size;
            }
            parser.end();
            actual = parser.messages;
          } catch (error) {
            actual = (error as Error).message;
          }
          expect(actual).toEqual(expected);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("the tolerant text parser never throws and keeps every non-marker character", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 200 }), harmonyish, fc.string({ unit: "binary", maxLength: 100 })),
        (text) => {
          const { messages, diagnostics } = parseMessagesFromText(text);
          // every character of ordinary text outside markers ends up in some message (content or header
          // fields) or, for header words that fit no field or a bare role before a repeated <|start|>, in
          // the HEADER_EXTRA_TEXT / DUPLICATE_START diagnostic
          // (whitespace as Rust sees it: JS `\s` lacks U+0085 NEL, which the parser skips between messages)
          const stripped = text.replace(/<\|[a-z_0-9]+\|>/g, "").replace(/[\s\u0085]/g, "");
          const kept = messages
            .map(
              (m) =>
                `${m.name ?? ""}to=${m.recipient ?? ""}${m.channel ?? ""}${m.content_type ?? ""}${m.content}${m.role}`,
            )
            .concat(
              diagnostics
                .filter((d) => d.code === "HEADER_EXTRA_TEXT" || d.code === "DUPLICATE_START")
                .map((d) => d.message),
            )
            .join("")
            .replace(/<\|[a-z_0-9]+\|>/g, "")
            .replace(/[\s\u0085]/g, "");
          for (const ch of new Set(stripped)) expect(kept.includes(ch)).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("the tolerant token parser never throws on arbitrary id arrays", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.integer({ min: 0, max: 202_000 }),
            fc.constantFrom(200002, 200003, 200005, 200006, 200007, 200008, 200012, 4294967295, -1, 1.5),
          ),
          { maxLength: 120 },
        ),
        fc.option(fc.constantFrom("assistant", "user" as const), { nil: undefined }),
        (tokens, role) => {
          const result = parseMessagesFromTokens(tokens, { role });
          expect(Array.isArray(result.messages)).toBe(true);
          const parser = createTokenStreamParser({ role });
          for (const id of tokens) parser.write(id);
          parser.end();
          expect(parser.messages).toEqual(result.messages);
        },
      ),
      { numRuns: 300 },
    );
  });
});
