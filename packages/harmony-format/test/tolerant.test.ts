import { describe, expect, it } from "vitest";
import {
  createStreamParser,
  extractAnalysisText,
  extractFinalText,
  extractToolCalls,
  parseMessagesFromText,
  type StreamEvent,
} from "../src/index.js";
import { parseMessagesFromTokens } from "../src/tokens.js";

const codes = (text: string, role?: "assistant") =>
  parseMessagesFromText(text, { role }).diagnostics.map((d) => d.code);

describe("tolerant parser recoveries", () => {
  it("missing <|message|> in any message keeps the text", () => {
    const text =
      "<|start|>assistant<|channel|>analysis<|message|>think<|end|><|start|>assistant<|channel|>final I cannot help<|end|>";
    const { messages, diagnostics } = parseMessagesFromText(text);
    expect(messages).toEqual([
      { role: "assistant", content: "think", channel: "analysis" },
      { role: "assistant", content: "I cannot help", channel: "final" },
    ]);
    expect(diagnostics.map((d) => d.code)).toEqual(["MISSING_MESSAGE_TOKEN"]);
    expect(diagnostics[0]!.offset).toBe(text.lastIndexOf("<|end|>"));
    // the reference (lenient) drops that second message silently
    expect(parseMessagesFromText(text, { mode: "lenient" }).messages).toHaveLength(1);
  });

  it("stray stop tokens between messages are ignored", () => {
    const text = "<|start|>assistant<|channel|>final<|message|>4<|end|><|return|>";
    expect(parseMessagesFromText(text).messages).toEqual([
      { role: "assistant", content: "4", channel: "final" },
    ]);
    expect(codes(text)).toEqual(["STRAY_STOP_TOKEN"]);
    expect(() => parseMessagesFromText(text, { mode: "strict" })).toThrow(
      "Unexpected token 200002 while expecting start token 200006",
    );
  });

  it("a doubled <|start|> is ignored", () => {
    expect(parseMessagesFromText("<|start|><|start|>assistant<|message|>x<|end|>").messages).toEqual([
      { role: "assistant", content: "x" },
    ]);
    const repeated = parseMessagesFromText("<|start|>assistant<|channel|>final<|message|>x", {
      role: "assistant",
    });
    // prompt ended with <|start|>assistant and the model repeated it
    expect(repeated.messages).toEqual([{ role: "assistant", content: "x", channel: "final" }]);
    expect(repeated.diagnostics.map((d) => d.code)).toEqual(["DUPLICATE_START"]);
    expect(codes("<|start|>assistant<|start|>assistant<|message|>y<|end|>")).toEqual(["DUPLICATE_START"]);
  });

  it("constrain without a recipient is a content type", () => {
    const { messages, diagnostics } = parseMessagesFromText(
      '<|start|>assistant<|channel|>final <|constrain|>json<|message|>{"a":1}<|return|>',
    );
    expect(messages).toEqual([
      { role: "assistant", content: '{"a":1}', channel: "final", content_type: "<|constrain|>json" },
    ]);
    expect(diagnostics.map((d) => d.code)).toEqual(["CONSTRAIN_WITHOUT_RECIPIENT"]);
    // the reference mis-parses it as a recipient
    expect(
      parseMessagesFromText(
        '<|start|>assistant<|channel|>final <|constrain|>json<|message|>{"a":1}<|return|>',
        {
          mode: "strict",
        },
      ).messages[0]!.recipient,
    ).toBe("<|constrain|>json");
  });

  it("tool calls on the analysis channel are kept and extracted", () => {
    const text =
      '<|start|>assistant to=functions.get_weather<|channel|>analysis <|constrain|>json<|message|>{"city":"SF"}<|call|>';
    const { messages, diagnostics } = parseMessagesFromText(text);
    expect(messages[0]!.recipient).toBe("functions.get_weather");
    expect(diagnostics.map((d) => d.code)).toEqual(["TOOL_CALL_ON_ANALYSIS"]);
    expect(extractToolCalls(text)).toEqual([
      {
        recipient: "functions.get_weather",
        namespace: "functions",
        name: "get_weather",
        channel: "analysis",
        contentType: "<|constrain|>json",
        argumentsText: '{"city":"SF"}',
        arguments: { city: "SF" },
        messageIndex: 0,
      },
    ]);
    expect(extractAnalysisText(text)).toBeNull();
  });

  it("handles the ARC-log form with <|return|> as separator", () => {
    const text =
      "<|channel|>analysis<|return|>\nLooking at the examples...\n\n<|channel|>final<|return|>\n2 0 1\n1 2 0\n<|end|>";
    const { messages } = parseMessagesFromText(text);
    expect(messages).toEqual([
      { role: "assistant", content: "\nLooking at the examples...\n\n", channel: "analysis" },
      { role: "assistant", content: "\n2 0 1\n1 2 0\n", channel: "final" },
    ]);
    expect(extractFinalText(text)).toBe("\n2 0 1\n1 2 0\n");
  });

  it("plain text with no markers is one assistant message", () => {
    const text = "Based on the pattern analysis:\n2 0 1  \n1 2 0";
    for (const role of [undefined, "assistant" as const]) {
      const { messages, diagnostics } = parseMessagesFromText(text, { role });
      expect(messages).toEqual([{ role: "assistant", content: text }]);
      expect(diagnostics).toHaveLength(1);
      expect(extractFinalText(messages)).toBe(text);
    }
    expect(parseMessagesFromText("")).toEqual({ messages: [], diagnostics: [] });
    expect(parseMessagesFromText("", { role: "assistant" })).toEqual({ messages: [], diagnostics: [] });
  });

  it("a header longer than the cap becomes content (bounded header memory)", () => {
    const text = "x".repeat(5000);
    const { messages, diagnostics } = parseMessagesFromText(text, { role: "assistant" });
    expect(messages).toEqual([{ role: "assistant", content: text }]);
    expect(diagnostics.map((d) => d.code)).toEqual(["HEADER_TOO_LONG"]);
  });

  it("missing end: <|start|> inside content closes the message", () => {
    const { messages, diagnostics } = parseMessagesFromText(
      "<|start|>assistant<|channel|>analysis<|message|>a<|start|>assistant<|channel|>final<|message|>b",
    );
    expect(messages.map((m) => m.content)).toEqual(["a", "b"]);
    expect(diagnostics.map((d) => d.code)).toEqual(["MISSING_END"]);
  });

  it("empty channel, user:alice, tool author without recipient", () => {
    const { messages, diagnostics } = parseMessagesFromText(
      "<|start|>user:alice<|message|>hi<|end|><|start|>functions.lookup<|message|>{}<|end|><|start|>assistant<|channel|> <|message|>z<|end|>",
    );
    expect(messages).toEqual([
      { role: "user", name: "alice", content: "hi" },
      { role: "tool", name: "functions.lookup", content: "{}" },
      { role: "assistant", content: "z" },
    ]);
    expect(diagnostics.map((d) => d.code)).toEqual(["EMPTY_CHANNEL"]);
  });

  it("out-of-vocabulary ids become U+FFFD without losing the rest", () => {
    const tokens = [200006, 173781, 200008, 24912, 4294967295, 24912, 200007];
    expect(parseMessagesFromTokens(tokens).messages).toEqual([
      { role: "assistant", content: "hello\uFFFDhello" },
    ]);
    // the reference drops everything after the bad id
    expect(parseMessagesFromTokens(tokens, { mode: "strict" }).messages).toEqual([
      { role: "assistant", content: "hello\uFFFD" },
    ]);
  });

  it("streams header fields before <|message|> and terminators at the end", () => {
    const parser = createStreamParser();
    const events: StreamEvent[] = [];
    for (const ch of "<|start|>assistant to=functions.f<|channel|>commentary json<|message|>{}<|call|>")
      events.push(...parser.write(ch));
    events.push(...parser.end());
    const partial = events.filter((e) => e.type === "header" && e.partial);
    expect(partial.length).toBeGreaterThan(0);
    expect(partial.some((e) => e.type === "header" && e.recipient === "functions.f")).toBe(true);
    const final = events.find((e) => e.type === "header" && !e.partial);
    expect(final).toMatchObject({
      role: "assistant",
      recipient: "functions.f",
      channel: "commentary",
      contentType: "json",
    });
    expect(events.at(-1)).toMatchObject({ type: "message-end", terminator: "call" });
    expect(events[0]).toMatchObject({ type: "message-start", index: 0, offset: 0 });
  });

  it("emits each partial header once, as soon as its word is delimited", () => {
    const partials = (text: string, role?: "assistant") => {
      const parser = createStreamParser({ role });
      const events: StreamEvent[] = [];
      for (const ch of text) events.push(...parser.write(ch));
      events.push(...parser.end());
      return events.flatMap((e) => {
        if (e.type !== "header" || !e.partial) return [];
        const { type, index, partial, ...fields } = e;
        return [fields];
      });
    };
    expect(
      partials("<|start|>assistant to=functions.f<|channel|>commentary json<|message|>{}<|call|>"),
    ).toEqual([
      { role: "assistant" },
      { role: "assistant", recipient: "functions.f" },
      { role: "assistant", recipient: "functions.f", channel: "commentary" },
    ]);
    // a preset role is known from the first header character on
    expect(partials("x<|message|>hi<|end|>", "assistant")).toEqual([{ role: "assistant" }]);
    expect(partials("<|channel|>final <|constrain|>json<|message|>4<|return|>", "assistant")).toEqual([
      { role: "assistant" },
      { role: "assistant", channel: "final" },
    ]);
  });
});

describe("header junk", () => {
  it("a role glued to junk stays the role (openai/harmony#38)", () => {
    const { messages, diagnostics } = parseMessagesFromText(
      "<|start|>assistant––commentary<|message|>hi<|end|>",
    );
    expect(messages).toEqual([{ role: "assistant", content: "hi", content_type: "––commentary" }]);
    expect(diagnostics).toEqual([]);
    const extra = parseMessagesFromText("<|start|>assistant<|channel|>final a b c<|message|>hi<|end|>");
    expect(extra.messages).toEqual([
      { role: "assistant", content: "hi", channel: "final", content_type: "c" },
    ]);
    expect(extra.diagnostics.map((d) => d.code)).toEqual(["HEADER_EXTRA_TEXT"]);
    expect(extra.diagnostics[0]!.message).toContain("«a b»");
  });
});

describe("extract helpers", () => {
  it("extractFinalText returns null without a final message when channels exist", () => {
    expect(extractFinalText("<|start|>assistant<|channel|>analysis<|message|>hmm<|end|>")).toBeNull();
    expect(extractFinalText([])).toBeNull();
    expect(
      extractFinalText([
        { role: "assistant", channel: "final", content: "a" },
        { role: "assistant", channel: "final", content: [{ type: "text", text: "b" }] },
      ]),
    ).toBe("b");
  });
  it("helpers take the role the completion starts with", () => {
    const completion = ' to=functions.f<|channel|>commentary json<|message|>{"a":1}<|call|>';
    expect(extractToolCalls(completion, { role: "assistant" })[0]).toMatchObject({
      name: "f",
      arguments: { a: 1 },
    });
    expect(extractFinalText("<|channel|>final<|message|>ok", { role: "assistant" })).toBe("ok");
  });
  it("extractToolCalls reports invalid JSON arguments", () => {
    const [call] = extractToolCalls(
      "<|start|>assistant to=python<|channel|>analysis code<|message|>print(1)<|call|>",
    );
    expect(call).toMatchObject({
      recipient: "python",
      namespace: "python",
      name: "python",
      arguments: undefined,
    });
    expect(call!.argumentsError).toBeTypeOf("string");
  });
});

describe("parse option aliases", () => {
  it("strict: true/false selects the reference modes; role null means none", () => {
    expect(() =>
      parseMessagesFromText("<|channel|>x Hello<|end|>", { role: "assistant", strict: true }),
    ).toThrow("Unexpected EOS while waiting for message header to complete");
    expect(
      parseMessagesFromText("<|channel|>x Hello<|end|>", { role: "assistant", strict: false }).messages,
    ).toEqual([{ role: "assistant", content: "Hello", channel: "x" }]);
    expect(
      parseMessagesFromText("<|start|>user<|message|>a<|end|>", {
        role: null as unknown as undefined,
        mode: "strict",
      }).messages,
    ).toEqual([{ role: "user", content: "a" }]);
  });
});

describe("reference header decoding errors", () => {
  it("invalid header bytes → could not decode header (strict); tokenizer error on the non-strict stop path", () => {
    expect(() => parseMessagesFromTokens([200006, 9552, 200008], { mode: "strict" })).toThrow(
      "could not decode header",
    );
    expect(() => parseMessagesFromTokens([200006, 4294967295, 200008], { mode: "strict" })).toThrow(
      "could not decode header",
    );
    expect(() =>
      parseMessagesFromTokens([4294967295, 200007], { role: "assistant", mode: "lenient" }),
    ).toThrow("Invalid token for decoding: 4294967295");
  });
});
