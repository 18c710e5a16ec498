import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  conversationFromJSON,
  HarmonyError,
  parseMessagesFromText,
  type Role,
  renderConversation,
  renderConversationForCompletion,
  renderConversationForTraining,
} from "../src/index.js";
import {
  decode,
  encode,
  parseMessagesFromTokens,
  renderConversationForCompletionTokens,
  renderConversationForTrainingTokens,
  renderConversationTokens,
  StreamableParser,
} from "../src/tokens.js";

const load = (name: string) =>
  JSON.parse(readFileSync(new URL(`../test-data/${name}`, import.meta.url), "utf8")) as {
    // biome-ignore lint/suspicious/noExplicitAny: conformance cases are untyped JSON read field by field
    cases: Record<string, any>[];
  };

const render = load("render-upstream.json");
const parse = load("parse-upstream.json");

/** Drops null / undefined optional keys so messages compare as JSON values. */
function clean(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (_k, v) => (v === null ? undefined : v)));
}

describe("render-upstream.json", () => {
  it("has 24 cases", () => expect(render.cases).toHaveLength(24));
  for (const c of render.cases) {
    it(`${c.id}: ${c.title}`, () => {
      const conversation = conversationFromJSON(c.conversation);
      const config =
        c.config === null ? undefined : { autoDropAnalysis: c.config.auto_drop_analysis as boolean };
      const run = () => {
        if (c.call === "render_conversation_for_completion")
          return {
            text: renderConversationForCompletion(conversation, c.next_turn_role as Role, config),
            tokens: renderConversationForCompletionTokens(conversation, c.next_turn_role as Role, config),
          };
        if (c.call === "render_conversation_for_training")
          return {
            text: renderConversationForTraining(conversation, config),
            tokens: renderConversationForTrainingTokens(conversation, config),
          };
        return {
          text: renderConversation(conversation, config),
          tokens: renderConversationTokens(conversation, config),
        };
      };
      if (c.expected_error !== undefined) {
        expect(run).toThrow(c.expected_error);
        return;
      }
      const { text, tokens } = run();
      expect(tokens).toEqual(c.expected_tokens);
      expect(text).toBe(c.expected_text);
      expect(decode(tokens)).toBe(c.expected_text);
      if (c.roundtrip_tokens_equal)
        expect(encode(c.expected_text, { allowedSpecial: "all" })).toEqual(c.expected_tokens);
    });
  }
});

function errorOf(fn: () => unknown): HarmonyError | undefined {
  try {
    fn();
  } catch (error) {
    if (HarmonyError.isInstance(error)) return error as HarmonyError;
    throw error;
  }
  return undefined;
}

describe("parse-upstream.json", () => {
  it("has 24 cases", () => expect(parse.cases).toHaveLength(24));
  for (const c of parse.cases) {
    const mode = c.strict ? "strict" : "lenient";
    const role = (c.role ?? undefined) as Role | undefined;
    it(`${c.id}: ${c.title}`, () => {
      if (c.call === "parse") {
        const error = errorOf(() => parseMessagesFromTokens(c.input_tokens, { role, mode }));
        if (c.expected_error !== undefined) {
          expect(error?.message).toBe(c.expected_error);
          expect(error?.code).toBe("PARSE_FAILED");
        } else {
          expect(error).toBeUndefined();
          expect(clean(parseMessagesFromTokens(c.input_tokens, { role, mode }).messages)).toEqual(
            c.expected_messages,
          );
        }
        return;
      }
      const parser = new StreamableParser({ role: c.role, strict: c.strict });
      const tokens: number[] = c.input_tokens;
      for (let i = 0; i < tokens.length; i++) {
        if (c.expected_error_token_index === i) {
          const error = errorOf(() => parser.process(tokens[i]!));
          expect(error?.message).toBe(c.expected_error);
          expect(clean(parser.messages)).toEqual(c.expected_messages);
          return;
        }
        parser.process(tokens[i]!);
        const row = c.stream_trace?.[i];
        if (row) {
          expect({
            token: tokens[i],
            state: parser.state,
            current_role: parser.currentRole,
            current_channel: parser.currentChannel,
            current_recipient: parser.currentRecipient,
            current_content_type: parser.currentContentType,
            last_content_delta: parser.lastContentDelta,
            current_content: parser.currentContent,
          }).toEqual(row);
        }
      }
      if (c.process_eos) parser.processEos();
      expect(clean(parser.messages)).toEqual(c.expected_messages);
    });
    if (c.input_text !== undefined && !c.input_tokens_invalid_utf8) {
      it(`${c.id}: same result from text (${mode})`, () => {
        const fromText = errorOf(() => parseMessagesFromText(c.input_text, { role, mode }));
        if (c.expected_error !== undefined && (c.call === "parse" || c.process_eos !== false)) {
          expect(fromText?.message).toBe(c.expected_error);
        } else if (c.expected_error !== undefined) {
          // stream cases fail at a token; the same header error is raised from text
          expect(fromText?.message).toBe(c.expected_error);
        } else if (c.call === "parse" || c.process_eos) {
          expect(clean(parseMessagesFromText(c.input_text, { role, mode }).messages)).toEqual(
            c.expected_messages,
          );
        }
      });
    }
  }
});

describe("StreamableParser.stateJson (reference state_json)", () => {
  it("follows ExpectStart → Header → Content → ExpectStart with the reference's JSON shape", () => {
    const tokens = encode("<|start|>assistant<|channel|>final<|message|>Hi there<|end|>", {
      allowedSpecial: "all",
    });
    const parser = new StreamableParser({ role: null });
    expect(JSON.parse(parser.stateJson())).toEqual({ state: "ExpectStart" });
    const states = tokens.map((id) => JSON.parse(parser.process(id).stateJson()));
    const header = tokens.slice(1, tokens.indexOf(200008));
    expect(states[0]).toEqual({ state: "Header", header_tokens: [] });
    expect(states[header.length]).toEqual({ state: "Header", header_tokens: header });
    const content = {
      author: { role: "assistant" },
      recipient: null,
      channel: "final",
      content_type: null,
    };
    expect(states[header.length + 1]).toEqual({ state: "Content", header: content, content_tokens: [] });
    const body = tokens.slice(header.length + 2, -1);
    expect(states.at(-2)).toEqual({ state: "Content", header: content, content_tokens: body });
    expect(states.at(-1)).toEqual({ state: "ExpectStart" });
  });

  it("keeps a tool author's name and re-encodes buffered UTF-8 content once it decodes", () => {
    const parser = new StreamableParser({ role: null });
    for (const id of encode("<|start|>functions.x to=assistant<|channel|>commentary<|message|>", {
      allowedSpecial: "all",
    }))
      parser.process(id);
    const ids = encode("é€");
    for (const id of ids) parser.process(id);
    const state = JSON.parse(parser.stateJson());
    expect(state.header).toEqual({
      author: { role: "tool", name: "functions.x" },
      recipient: "assistant",
      channel: "commentary",
      content_type: null,
    });
    expect(state.content_tokens).toEqual(encode("é€"));
    // a role given up front: Header state with no tokens yet
    expect(JSON.parse(new StreamableParser({ role: "assistant" }).stateJson())).toEqual({
      state: "Header",
      header_tokens: [],
    });
  });
});
