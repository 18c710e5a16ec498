import { describe, expectTypeOf, it } from "vitest";
import type { Conversation, Diagnostic, ParseResult, Role, StreamEvent, WireMessage } from "../src/index.js";
import { parseMessagesFromText, renderConversationForCompletion } from "../src/index.js";
import { decode, parseMessagesFromTokens, renderConversationTokens } from "../src/tokens.js";

describe("public types", () => {
  it("roles and messages are inferred from the schemas", () => {
    expectTypeOf<Role>().toEqualTypeOf<"user" | "assistant" | "system" | "developer" | "tool">();
    expectTypeOf<Conversation["messages"][number]["channel"]>().toEqualTypeOf<string | undefined>();
    expectTypeOf<WireMessage["content"]>().extract<string>().toEqualTypeOf<string>();
  });
  it("parsers and renderers have the contract signatures", () => {
    expectTypeOf(parseMessagesFromText).returns.toEqualTypeOf<ParseResult>();
    expectTypeOf<ParseResult["diagnostics"]>().toEqualTypeOf<Diagnostic[]>();
    expectTypeOf(parseMessagesFromTokens).returns.toEqualTypeOf<ParseResult>();
    expectTypeOf(renderConversationForCompletion).returns.toEqualTypeOf<string>();
    expectTypeOf(renderConversationTokens).returns.toEqualTypeOf<number[]>();
    expectTypeOf(decode).returns.toEqualTypeOf<string>();
    expectTypeOf<Extract<StreamEvent, { type: "message-end" }>["terminator"]>().toEqualTypeOf<
      "end" | "return" | "call" | "eos" | "none"
    >();
  });
});
