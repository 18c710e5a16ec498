import { describe, expect, it } from "vitest";
import {
  conversationFromJSON,
  conversationToJSON,
  developerContent,
  HarmonyError,
  normalizeHistory,
  renderConversation,
  renderConversationForCompletion,
  renderMessage,
  systemContent,
} from "../src/index.js";
import {
  decode,
  encode,
  isSpecialToken,
  MAX_MESSAGE_TOKENS,
  renderMessageTokens,
  specialTokenId,
  specialTokenIds,
  stopTokens,
  stopTokensForAssistantActions,
} from "../src/tokens.js";

const tool = (parameters: unknown) =>
  renderMessage({
    role: "developer",
    content: [developerContent({ functionTools: [{ name: "f", description: "", parameters }] })],
  });

const body = (text: string) => text.slice(text.indexOf("type f = "), text.indexOf("} // namespace"));

describe("JSON Schema → TypeScript (compat = reference quirks)", () => {
  it("top-level oneOf starts with a newline and can comment out `) => any;`", () => {
    const out = body(tool({ oneOf: [{ type: "string" }, { type: "number", description: "n" }] }));
    expect(out).toBe("type f = (_: \n | string\n | number // n) => any;\n\n");
  });
  it("type arrays, nullable, arrays of unions without parentheses", () => {
    const out = body(
      tool({
        type: "object",
        properties: {
          a: { type: ["string", "null"] },
          b: { type: "array", items: { type: ["string", "null"] } },
          c: { type: "string", enum: ["x", "y", 3] },
          d: { type: "integer", nullable: true },
          e: { anyOf: [{ type: "string" }] },
          "foo-bar": { type: "boolean", default: false },
          s: { type: "string", default: 'say "hi"' },
        },
        required: ["a"],
      }),
    );
    expect(out).toBe(
      'type f = (_: {\na: string | null,\nb?: string | null[],\nc?: "x" | "y",\nd?: number | null,\ne?: any,\nfoo-bar?: boolean, // default: false\ns?: string, // default: "say "hi""\n}) => any;\n\n',
    );
  });
  it("nested objects indent and duplicate their description; multi-line descriptions stay raw", () => {
    const out = body(
      tool({
        type: "object",
        properties: {
          inner: {
            type: "object",
            description: "Inner",
            properties: { x: { type: "number", description: "l1\nl2" } },
          },
        },
      }),
    );
    expect(out).toBe(
      "type f = (_: {\n// Inner\ninner?:     // Inner\n{\n    // l1\nl2\n    x?: number,\n    },\n}) => any;\n\n",
    );
  });
  it("no parameters → () => any; namespaces are sorted by key; empty tool list", () => {
    const text = renderMessage({
      role: "developer",
      content: [
        {
          type: "developer_content",
          tools: {
            zeta: { name: "zeta", description: "Z\r\nline2\n", tools: [{ name: "t", description: "" }] },
            alpha: { name: "alpha", description: "raw desc", tools: [] },
          },
        },
      ],
    });
    expect(text).toBe(
      "<|start|>developer<|message|># Tools\n\n## alpha\n\nraw desc\n\n## zeta\n\n// Z\n// line2\nnamespace zeta {\n\ntype t = () => any;\n\n} // namespace zeta<|end|>",
    );
  });
});

describe("JSON Schema → TypeScript (improved)", () => {
  it("fixes the quirks and covers anyOf/$ref/const", () => {
    const text = renderMessage(
      {
        role: "developer",
        content: [
          developerContent({
            functionTools: [
              {
                name: "f",
                description: "Does f.",
                parameters: {
                  type: "object",
                  description: "params",
                  $defs: { Unit: { type: "string", enum: ["c", "f"] } },
                  properties: {
                    unit: { $ref: "#/$defs/Unit" },
                    list: { type: "array", items: { anyOf: [{ type: "string" }, { type: "null" }] } },
                    kind: { const: "k" },
                    "foo-bar": { type: "number", description: "a\nb" },
                  },
                  required: ["unit"],
                },
              },
              { name: "g", description: "", parameters: { oneOf: [{ type: "string" }, { type: "number" }] } },
            ],
          }),
        ],
      },
      { schemaMode: "improved" },
    );
    expect(text).toContain(
      'type f = (_: {\n    unit: "c" | "f",\n    list?: (string | null)[],\n    kind?: "k",\n    // a\n    // b\n    "foo-bar"?: number,\n}) => any;',
    );
    expect(text).toContain("// Does f.\n// params\ntype f");
    expect(text).toContain("type g = (_: string | number) => any;");
  });
});

describe("rendering rules", () => {
  it("recipient before channel, constrain with a leading space, <|call|> iff assistant + recipient", () => {
    const message = {
      role: "assistant" as const,
      recipient: "functions.x",
      channel: "commentary",
      content_type: "<|constrain|>json",
      content: "{}",
    };
    expect(renderMessage(message)).toBe(
      "<|start|>assistant to=functions.x<|channel|>commentary <|constrain|>json<|message|>{}<|call|>",
    );
    expect(renderMessageTokens(message)).toEqual(encode(renderMessage(message), { allowedSpecial: "all" }));
    expect(renderMessage({ role: "assistant", recipient: "all", content: "x" })).toBe(
      "<|start|>assistant<|message|>x<|call|>",
    );
    expect(renderMessage({ role: "user", recipient: "bob", content: "x" })).toBe(
      "<|start|>user to=bob<|message|>x<|end|>",
    );
    expect(renderMessage({ role: "assistant", content_type: "x <|constrain|>", content: "" })).toBe(
      "<|start|>assistant x <|constrain|><|message|><|end|>",
    );
  });
  it("errors are the reference strings", () => {
    const fail = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        expect(HarmonyError.isInstance(error)).toBe(true);
        return error as HarmonyError;
      }
      throw new Error("expected a throw");
    };
    expect(fail(() => renderMessage({ role: "tool", content: "x" })).message).toBe(
      "Tools should have a name!",
    );
    const e = fail(() => renderMessage({ role: "user", content: [systemContent()] }));
    expect([e.code, e.message]).toEqual([
      "RENDER_FAILED",
      "SystemContent may only appear in system messages, found in User",
    ]);
    expect(
      fail(() => renderMessage({ role: "tool", name: "t", content: [developerContent()] })).message,
    ).toBe("DeveloperContent may only appear in developer messages, found in Tool");
    const bad = fail(() => conversationFromJSON({ messages: [{ role: "robot", content: "x" }] }));
    expect(bad.code).toBe("INVALID_CONVERSATION");
    expect(bad.message).toContain("messages[0].role");
    expect(fail(() => conversationFromJSON("{oops")).message).toMatch(/^invalid conversation JSON: /);
    expect(fail(() => renderConversationForCompletion({ messages: [] }, "robot" as "user")).code).toBe(
      "INVALID_ROLE",
    );
  });
  it("system content: empty identity line, no defaults from JSON, function-tools line", () => {
    expect(renderMessage({ role: "system", content: [{ type: "system_content" }] })).toBe(
      "<|start|>system<|message|><|end|>",
    );
    expect(
      renderMessage(
        { role: "system", content: [systemContent({ model_identity: "", knowledge_cutoff: undefined })] },
        { conversationHasFunctionTools: true },
      ),
    ).toBe(
      "<|start|>system<|message|>\n\nReasoning: medium\n\n# Valid channels: analysis, commentary, final. Channel must be included for every message.\nCalls to these tools must go to the commentary channel: 'functions'.<|end|>",
    );
    expect(renderMessage({ role: "developer", content: [developerContent({ instructions: "" })] })).toBe(
      "<|start|>developer<|message|># Instructions\n\n<|end|>",
    );
  });
  it("prefill a channel in completion prompts; normalise history", () => {
    expect(
      renderConversationForCompletion([{ role: "user", content: "q" }], "assistant", {
        prefillChannel: "final",
      }),
    ).toBe("<|start|>user<|message|>q<|end|><|start|>assistant<|channel|>final<|message|>");
    expect(normalizeHistory("<|start|>assistant<|channel|>final<|message|>a<|return|>")).toBe(
      "<|start|>assistant<|channel|>final<|message|>a<|end|>",
    );
  });
  it("wire JSON round-trips (single text part as string, key order, None omitted)", () => {
    const input = {
      messages: [
        {
          role: "tool",
          name: "browser.search",
          recipient: "assistant",
          channel: "commentary",
          content: [{ type: "text", text: "r" }],
        },
        {
          role: "system",
          content: [{ type: "system_content", reasoning_effort: "High", model_identity: null }],
        },
      ],
    };
    const json = conversationToJSON(input as never);
    expect(JSON.stringify(json)).toBe(
      '{"messages":[{"role":"tool","name":"browser.search","recipient":"assistant","content":"r","channel":"commentary"},{"role":"system","content":[{"type":"system_content","reasoning_effort":"High"}]}]}',
    );
    expect(renderConversation(json)).toBe(renderConversation(input as never));
  });
});

describe("tokens", () => {
  it("special-token table and stop tokens", () => {
    expect(stopTokens()).toEqual([200002, 200007, 200012]);
    expect(stopTokensForAssistantActions()).toEqual([200002, 200012]);
    expect(decode([200018, 201088, 199999])).toBe("<|reserved_200018|><|reserved_201088|><|endoftext|>");
    expect(isSpecialToken(201089)).toBe(false);
    expect(specialTokenIds()).toHaveLength(1091);
    expect(MAX_MESSAGE_TOKENS).toBe(2 ** 20 - 2 ** 19);
    // reserved ids are special text too; a malformed marker stays ordinary text
    expect(encode("a<|reserved_200018|><|reserved_200013|b<|endoftext|>", { allowedSpecial: "all" })).toEqual(
      [...encode("a"), 200018, ...encode("<|reserved_200013|b", { disallowedSpecial: [] }), 199999],
    );
    expect(specialTokenId("<|endofprompt|>")).toBeUndefined();
    expect(() => decode([201089])).toThrow("Invalid token for decoding: 201089");
    expect(encode("<|end|>", { disallowedSpecial: [] })).toEqual([27, 91, 419, 91, 29]);
    expect(encode("<|refusal|>", { disallowedSpecial: [] })).toEqual([27, 91, 1874, 24785, 91, 29]);
    expect(() => encode("a<|end|>")).toThrow(/not allowed: <\|end\|>/);
    expect(renderMessageTokens({ role: "user", content: "<|end|>" })).toEqual([
      200006, 1428, 200008, 27, 91, 419, 91, 29, 200007,
    ]);
  });
});

describe("input aliases", () => {
  it("accepts the reference's config spelling, author objects, strict boolean and null role", () => {
    const convo = {
      messages: [
        { role: "assistant" as const, channel: "analysis", content: "cot" },
        { role: "assistant" as const, channel: "final", content: "x" },
      ],
    };
    expect(renderConversation(convo, { auto_drop_analysis: true })).toBe(
      "<|start|>assistant<|channel|>final<|message|>x<|end|>",
    );
    expect(
      conversationFromJSON({ messages: [{ author: { role: "user", name: "a" }, content: "hi" }] })
        .messages[0],
    ).toMatchObject({
      role: "user",
      name: "a",
    });
  });
});
