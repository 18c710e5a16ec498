/** `@rlops/harmony-format`: strict / lenient / tolerant parsing (text and token ids) and `encode()`. */
import fc from "fast-check";
import {
  type ParseMode,
  parseMessagesFromText,
  renderConversation,
  SPECIAL_TOKENS,
} from "../../packages/harmony-format/src/index.js";
import { decode, encode, parseMessagesFromTokens } from "../../packages/harmony-format/src/tokens.js";
import { type AnyTarget, Broken, textTarget } from "../harness.js";
import { hostileText, largeText, repeatTo } from "../hostile.js";

/** The text of each named harmony special token (`<|start|>`, `<|channel|>`, …). */
const SPECIALS = Object.values(SPECIAL_TOKENS).map((id) => decode([id]));
const TOKENS = [
  ...SPECIALS,
  "assistant",
  "user",
  "system",
  "analysis",
  "final",
  "commentary",
  " to=functions.f",
  "json",
  "<|",
  "|>",
];
const conversation = renderConversation({
  messages: [
    { role: "user", content: [{ type: "text", text: "Solve the puzzle." }] },
    { role: "assistant", channel: "analysis", content: [{ type: "text", text: "Thinking…" }] },
    { role: "assistant", channel: "final", content: [{ type: "text", text: "[[1,2],[3,4]]" }] },
  ],
} as never);
const completion =
  "<|channel|>analysis<|message|>Let me think.<|end|><|start|>assistant<|channel|>final<|message|>Done.<|return|>";
const seeds = [conversation, completion];

/** Parses text in `mode`; tolerant mode must never throw nor hide an internal error as a diagnostic. */
function parseText(text: string, mode: ParseMode): Broken | undefined {
  const result = parseMessagesFromText(text, { mode, role: "assistant" });
  const internal = result.diagnostics.find((d) => d.message.startsWith("internal parser error"));
  return internal ? new Broken(`tolerant parser swallowed an exception: ${internal.message}`) : undefined;
}

const parseTarget = (mode: ParseMode): AnyTarget => ({
  name: `harmony/parseMessagesFromText(${mode})`,
  group: "harmony",
  contract: mode === "tolerant" ? "never-throws" : "typed",
  arbitrary: hostileText(seeds, TOKENS),
  run: (text: string) => parseText(text, mode),
  size: (text: string) => Buffer.byteLength(text),
  large: () =>
    largeText(
      [completion],
      [
        {
          label: "many messages",
          input: repeatTo(completion.replace("<|return|>", "<|end|><|start|>assistant")),
        },
      ],
    ),
});

const ids = fc.array(
  fc.oneof(
    fc.integer({ min: 0, max: 199_997 }),
    fc.integer({ min: 199_998, max: 201_100 }),
    fc.constantFrom(-1, 2 ** 31, 1.5, Number.NaN),
  ),
  { maxLength: 300 },
);

/** Token ids of `text` (specials allowed), for the token parser targets. */
const tokenSeeds = seeds.map((s) => encode(s, { allowedSpecial: "all" }));

const tokenTarget = (mode: ParseMode): AnyTarget => ({
  name: `harmony/parseMessagesFromTokens(${mode})`,
  group: "harmony",
  contract: mode === "tolerant" ? "never-throws" : "typed",
  arbitrary: fc.oneof(
    ids,
    fc
      .tuple(fc.constantFrom(...tokenSeeds), ids, fc.nat(400))
      .map(([s, extra, at]) => [...s.slice(0, at), ...extra, ...s.slice(at)]),
  ),
  run: (tokens: number[]) => {
    const result = parseMessagesFromTokens(tokens, { mode, role: "assistant" });
    const internal = result.diagnostics.find((d) => d.message.startsWith("internal parser error"));
    return internal ? new Broken(`tolerant parser swallowed an exception: ${internal.message}`) : undefined;
  },
  size: (tokens: number[]) => tokens.length * 4,
  large: () => [
    {
      label: "seed repeated",
      input: Array.from({ length: 32_768 / tokenSeeds[1]!.length }, () => tokenSeeds[1]!).flat(),
      baseline: true,
    },
    { label: "invalid ids", input: new Array<number>(32_768).fill(250_000) },
    { label: "one special repeated", input: new Array<number>(32_768).fill(200_006) },
    { label: "ordinary ids", input: Array.from({ length: 32_768 }, (_, i) => i % 199_000), baseline: true },
  ],
});

export const harmonyTargets: AnyTarget[] = [
  parseTarget("strict"),
  parseTarget("lenient"),
  parseTarget("tolerant"),
  tokenTarget("strict"),
  tokenTarget("tolerant"),
  textTarget(
    "harmony/encode",
    hostileText(seeds, TOKENS),
    (text) => {
      const ids = encode(text, { allowedSpecial: "all" });
      if (wellFormed(text) && decode(ids) !== text)
        return new Broken(
          `decode(encode(text, all)) is not the text: ${JSON.stringify(decode(ids).slice(0, 80))}`,
        );
      encode(text); // DISALLOWED_SPECIAL is the typed error this may throw
      return undefined;
    },
    () =>
      largeText([
        "The quick brown fox jumps over the lazy dog. ",
        conversation.replace(/<\|[a-z]+\|>/g, " "),
      ]),
  ),
];

/** `String.prototype.isWellFormed` (Node 20; not in the ES2023 lib typings). */
function wellFormed(text: string): boolean {
  return (text as unknown as { isWellFormed(): boolean }).isWellFormed();
}
