import { encode } from "@rlops/harmony-format/tokens";
import { describe, expect, it } from "vitest";
import { analyzeHarmony } from "../src/harmony-adapter.js";
import { createScorer } from "../src/index.js";

const WELL =
  "<|channel|>analysis<|message|>2+2 is 4.<|end|><|start|>assistant<|channel|>final<|message|>4<|return|>";
const scorer = createScorer({ version: 1, name: "h", rewards: [{ id: "fmt", kind: "harmony.channels" }] });
const one = (completion: string, extra: Record<string, unknown> = {}) =>
  scorer.score([{ completion, ...extra }]).samples[0]!;

describe("analyzeHarmony (tolerant parser of @rlops/harmony-format)", () => {
  it("treats a leading <|channel|> as the first (header-less) message", () => {
    const v = analyzeHarmony(WELL);
    expect(v.messages.map((m) => [m.channel, m.content])).toEqual([
      ["analysis", "2+2 is 4."],
      ["final", "4"],
    ]);
    expect(v.stop).toBe("return");
  });
  it("parses recipients and content types", () => {
    const v = analyzeHarmony(
      '<|channel|>commentary to=functions.get <|constrain|>json<|message|>{"a":1}<|call|>',
    );
    expect(v.messages[0]).toMatchObject({
      channel: "commentary",
      recipient: "functions.get",
      content: '{"a":1}',
    });
    expect(v.stop).toBe("call");
  });
  it("a truncated body has no stop token; text after the stop is reported", () => {
    expect(analyzeHarmony("<|channel|>analysis<|message|>thinking...").stop).toBeNull();
    expect(analyzeHarmony(`${WELL} more`).trailingAfterStop).toBe("more");
  });
  it("decodes completion_ids when the text was stripped", () => {
    const ids = encode(WELL, { allowedSpecial: "all" });
    const r = scorer.score([{ completion: "analysis2+2 is 4.assistantfinal4", completionIds: ids }])
      .samples[0]!;
    expect(r.reward).toBe(1);
  });
});

describe("harmony.channels", () => {
  it("well-formed → 1 with every component", () => {
    const r = one(WELL);
    expect(r.reward).toBe(1);
    expect(r.breakdown["fmt.analysisPresent"]).toBe(1);
    expect(r.breakdown["fmt.stopToken"]).toBe(1);
    expect(r.diagnostics).toEqual([]);
  });
  it("also accepts a leading <|start|>assistant", () => {
    expect(one(`<|start|>assistant${WELL}`).reward).toBe(1);
  });
  it("truncated: no stop token", () => {
    const r = one("<|channel|>analysis<|message|>x<|end|><|start|>assistant<|channel|>final<|message|>4");
    expect(r.breakdown["fmt.stopToken"]).toBe(0);
    expect(r.reward).toBeCloseTo(7 / 8, 12);
  });
  it("engine strips the stop token: stopTokenStripped uses the truncated flag", () => {
    const s = createScorer({
      version: 1,
      name: "h",
      rewards: [{ id: "fmt", kind: "harmony.channels", params: { stopTokenStripped: true } }],
    });
    const text = "<|channel|>analysis<|message|>x<|end|><|start|>assistant<|channel|>final<|message|>4";
    const [a, b] = s.score([{ completion: text }, { completion: text, truncated: true }]).samples;
    expect(a!.breakdown["fmt.stopToken"]).toBe(1);
    expect(b!.breakdown["fmt.stopToken"]).toBe(0);
  });
  it("text after <|return|>", () => {
    const r = one(`${WELL}junk`);
    expect(r.breakdown["fmt.noTextAfterStop"]).toBe(0);
    expect(r.diagnostics.map((d) => d.code)).toContain("HARMONY_TEXT_AFTER_STOP");
  });
  it("two finals, final not last, final before analysis", () => {
    const two = "<|channel|>final<|message|>a<|end|><|start|>assistant<|channel|>final<|message|>b<|return|>";
    expect(one(two).breakdown["fmt.singleFinal"]).toBe(0);
    const order =
      "<|channel|>final<|message|>a<|end|><|start|>assistant<|channel|>analysis<|message|>b<|end|>";
    const r = one(order);
    expect(r.breakdown["fmt.finalLast"]).toBe(0);
    expect(r.breakdown["fmt.analysisBeforeFinal"]).toBe(0);
  });
  it("commentary needs to= and valid JSON", () => {
    const bad =
      "<|channel|>commentary<|message|>hi<|end|><|start|>assistant<|channel|>final<|message|>x<|return|>";
    expect(one(bad).breakdown["fmt.commentaryValid"]).toBe(0);
    const badJson =
      "<|channel|>analysis<|message|>a<|end|><|start|>assistant<|channel|>commentary to=functions.f <|constrain|>json<|message|>{oops<|call|>";
    expect(one(badJson).breakdown["fmt.commentaryValid"]).toBe(0);
    const good =
      '<|channel|>analysis<|message|>a<|end|><|start|>assistant<|channel|>commentary to=functions.f <|constrain|>json<|message|>{"x":1}<|call|>';
    expect(one(good).breakdown["fmt.commentaryValid"]).toBe(1);
  });
  it("empty bodies", () => {
    expect(
      one("<|channel|>analysis<|message|><|end|><|start|>assistant<|channel|>final<|message|>4<|return|>")
        .breakdown["fmt.nonEmpty"],
    ).toBe(0);
  });
  it("stripped special tokens are reported, not scored 0 silently", () => {
    const r = one("analysis2+2=4assistantfinal4");
    expect(r.reward).toBeNull();
    expect(r.components.fmt).toBeNull();
    expect(r.diagnostics[0]!.code).toBe("HARMONY_MARKERS_STRIPPED");
  });
  it("plain text without markers scores 0 with a diagnostic", () => {
    const r = one("The answer is 4.");
    expect(r.reward).toBeCloseTo(2 / 8, 12); // noTextAfterStop and commentaryValid hold vacuously
    expect(r.diagnostics.map((d) => d.code)).toContain("HARMONY_NO_MARKERS");
  });
  it("empty output", () => {
    const r = one("");
    expect(r.breakdown["fmt.analysisPresent"]).toBe(0);
    expect(r.breakdown["fmt.nonEmpty"]).toBe(0);
  });
  it("weights select components", () => {
    const s = createScorer({
      version: 1,
      name: "h",
      rewards: [
        {
          id: "f",
          kind: "harmony.channels",
          params: {
            weights: {
              analysisPresent: 0,
              singleFinal: 0,
              finalLast: 0,
              analysisBeforeFinal: 0,
              stopToken: 1,
              noTextAfterStop: 0,
              commentaryValid: 0,
              nonEmpty: 0,
            },
          },
        },
      ],
    });
    expect(s.score([{ completion: "<|channel|>final<|message|>4" }]).samples[0]!.reward).toBe(0);
  });
});

describe("pre-filled prompt tail (seed: prompt ends with <|channel|>final<|message|>)", () => {
  it("prefix continues the pre-filled final message", () => {
    const spec = (prefix: string) => ({
      version: 1,
      name: "p",
      rewards: [
        {
          id: "fmt",
          kind: "harmony.channels",
          params: { prefix, weights: { analysisPresent: 0, analysisBeforeFinal: 0 } },
        },
        { id: "grid", kind: "arc.grid", params: { prefix } },
      ],
    });
    const sample = {
      completion: "2 0 1\n1 2 0<|return|>",
      answer: [
        [2, 0, 1],
        [1, 2, 0],
      ],
    };
    const withPrefix = createScorer(spec("<|channel|>final<|message|>")).score([sample]).samples[0]!;
    expect(withPrefix.components).toEqual({ fmt: 1, grid: 1 });
    const without = createScorer(spec("")).score([sample]).samples[0]!;
    expect(without.components.fmt).toBeLessThan(1);
  });
});
