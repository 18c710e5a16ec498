// The tolerant parser keeps at most MAX_DIAGNOSTICS diagnostics and counts the rest.
import { describe, expect, it } from "vitest";
import { MAX_DIAGNOSTICS, parseMessagesFromText } from "../src/index.js";
import { createTokenStreamParser, parseMessagesFromTokens, specialTokenId } from "../src/tokens.js";

const MESSAGE = specialTokenId("<|message|>")!;
/** Diagnostics besides one per invalid id (e.g. at end of stream), from a parse of one invalid id. */
const extra = parseMessagesFromTokens([MESSAGE, -1], { role: "assistant" }).diagnostics.length - 1;

describe("diagnostic cap", () => {
  it("1M invalid token ids keep MAX_DIAGNOSTICS diagnostics and count the rest", () => {
    const n = 1_000_000;
    const ids = new Array<number>(n + 1).fill(-1);
    ids[0] = MESSAGE;
    const { messages, diagnostics } = parseMessagesFromTokens(ids, { role: "assistant" });
    expect(diagnostics).toHaveLength(MAX_DIAGNOSTICS);
    expect(diagnostics.slice(0, -1).every((d) => d.code === "INVALID_TOKEN")).toBe(true);
    const last = diagnostics.at(-1)!;
    expect(last).toMatchObject({ code: "DIAGNOSTICS_TRUNCATED", offset: MAX_DIAGNOSTICS });
    expect(diagnostics.filter((d) => d.code === "INVALID_TOKEN").length + last.count!).toBe(n + extra);
    // no text is lost: every invalid id is still a U+FFFD
    expect(messages[0]!.content).toBe("\ufffd".repeat(n));
  });
  it("streaming emits the truncation once, with the final count on the same object", () => {
    const parser = createTokenStreamParser({ role: "assistant" });
    let events = parser.write([MESSAGE]).length * 0;
    for (let k = 0; k < 3; k++)
      events += parser.write(new Array<number>(1000).fill(-1)).filter((e) => e.type === "diagnostic").length;
    parser.end();
    expect(events).toBe(MAX_DIAGNOSTICS);
    expect(parser.diagnostics.at(-1)).toMatchObject({
      code: "DIAGNOSTICS_TRUNCATED",
      count: 3000 - 999 + extra,
    });
  });
  it("text diagnostics are capped too, and memoised headers keep their diagnostics", () => {
    const stray = parseMessagesFromText("<|end|>".repeat(5000)).diagnostics;
    expect(stray).toHaveLength(MAX_DIAGNOSTICS);
    expect(stray.at(-1)).toMatchObject({ code: "DIAGNOSTICS_TRUNCATED", count: 5000 - 999 });
    // a header with a recovery, memoised after its first parse: every repeat still counts its diagnostic
    const one = "<|start|>assistant<|channel|><|message|>x<|end|>";
    const perMessage = parseMessagesFromText(one).diagnostics.length;
    expect(perMessage).toBeGreaterThan(0);
    const { diagnostics } = parseMessagesFromText(one.repeat(3000));
    expect(MAX_DIAGNOSTICS - 1 + diagnostics.at(-1)!.count!).toBe(3000 * perMessage);
  });
});
