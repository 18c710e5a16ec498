/**
 * Benchmarks of @rlops/harmony-format. Every figure is printed next to a baseline measured in the same
 * run (ratios), because absolute times depend on the machine.
 *
 *   pnpm --filter @rlops/harmony-format bench
 */
import { readFileSync } from "node:fs";
import {
  conversationFromJSON,
  createStreamParser,
  type MessageInput,
  parseMessagesFromText,
  renderConversationForCompletion,
  systemContent,
} from "../src/index.js";
import {
  createTokenStreamParser,
  encode,
  parseMessagesFromTokens,
  renderConversationForCompletionTokens,
} from "../src/tokens.js";

/** Best (minimum) per-call time over 5 rounds: robust to noisy neighbours on a shared machine. */
function time(fn: () => unknown, minMs = 300): number {
  return timeMany([fn], minMs)[0]!;
}

/** Times several functions in interleaved rounds (min per call each), so load changes hit all alike. */
function timeMany(fns: (() => unknown)[], minMs = 300): number[] {
  for (const fn of fns) fn();
  const best = fns.map(() => Number.POSITIVE_INFINITY);
  for (let round = 0; round < 5; round++) {
    fns.forEach((fn, i) => {
      let runs = 0;
      const start = performance.now();
      let elapsed = 0;
      do {
        fn();
        runs++;
        elapsed = performance.now() - start;
      } while (elapsed < minMs / 5 / fns.length);
      best[i] = Math.min(best[i]!, elapsed / runs);
    });
  }
  return best;
}

const fmt = (ms: number) => (ms >= 1 ? `${ms.toFixed(2)} ms` : `${(ms * 1000).toFixed(1)} µs`);
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;

// ------------------------------------------------------------------------------------------ render
// A01 of the conformance data: system (defaults) + user, 64 tokens (the reference renders it in ≈260 µs).
const small = conversationFromJSON(
  JSON.parse(readFileSync(new URL("../test-data/render-upstream.json", import.meta.url), "utf8")).cases[0]
    .conversation,
);
const words = ["grid", "pattern", "rotate", "colour", "cell", "row", "column", "mirror", "shift", "object"];
function sentence(i: number): string {
  return `Step ${i}: the ${words[i % 10]} ${words[(i * 7) % 10]}s ${words[(i * 3) % 10]} by ${i % 13}, so row ${i % 30} becomes ${(i * 17) % 97}.`;
}
const bigMessages: MessageInput[] = [
  { role: "system", content: [systemContent({ conversation_start_date: "2025-06-28" })] },
];
for (let turn = 0; bigMessages.length < 40; turn++) {
  bigMessages.push({
    role: "user",
    content: Array.from({ length: 6 }, (_, k) => sentence(turn * 10 + k)).join(" "),
  });
  bigMessages.push({
    role: "assistant",
    channel: "analysis",
    content: Array.from({ length: 8 }, (_, k) => sentence(turn * 20 + k)).join(" "),
  });
  bigMessages.push({ role: "assistant", channel: "final", content: sentence(turn) });
}
const big = { messages: bigMessages };

console.log("# render");
for (const [label, convo] of [
  ["small", small],
  ["large", big],
] as const) {
  const tokens = renderConversationForCompletionTokens(convo, "assistant");
  const text = renderConversationForCompletion(convo, "assistant");
  const tText = time(() => renderConversationForCompletion(convo, "assistant"));
  const tTokens = time(() => renderConversationForCompletionTokens(convo, "assistant"));
  const tEncode = time(() => encode(text, { allowedSpecial: "all" }));
  const tConcat = time(() => convo.messages.map((m) => JSON.stringify(m)).join(""));
  console.log(
    `${label} conversation (${tokens.length} tokens): text ${fmt(tText)}, token ids ${fmt(tTokens)}; ` +
      `token render = ${ratio(tTokens, tEncode)} of one encode(text, all) call (${fmt(tEncode)}); ` +
      `text render = ${ratio(tText, tConcat)} of JSON.stringify of the messages (${fmt(tConcat)})`,
  );
}

// ------------------------------------------------------------------------------------------- parse
function completion(targetTokens: number): { text: string; tokens: number[] } {
  const parts: string[] = ["<|channel|>analysis<|message|>"];
  let approx = 0;
  let i = 0;
  while (approx < targetTokens * 0.9) {
    const s = `${sentence(i++)} `;
    parts.push(s);
    approx += s.length / 4;
  }
  parts.push("<|end|><|start|>assistant<|channel|>final<|message|>The answer is 4.<|return|>");
  const text = parts.join("");
  return { text, tokens: encode(text, { allowedSpecial: "all" }) };
}

/** A completion of many short messages (analysis, tool call, tool-free commentary, final) ≈ `targetTokens`. */
function chattyCompletion(targetTokens: number): { text: string; tokens: number[] } {
  const parts: string[] = [];
  let approx = 0;
  for (let i = 0; approx < targetTokens * 0.9; i++) {
    const parts4 = [
      `<|start|>assistant<|channel|>analysis<|message|>${sentence(i)} ${sentence(i + 1)}<|end|>`,
      `<|start|>assistant to=functions.lookup<|channel|>commentary <|constrain|>json<|message|>{"row":${i % 30},"q":"${words[i % 10]}"}<|call|>`,
      `<|start|>functions.lookup to=assistant<|channel|>commentary<|message|>{"value":${(i * 31) % 1000}}<|end|>`,
      `<|start|>assistant<|channel|>final<|message|>${sentence(i + 2)}<|return|>`,
    ];
    for (const part of parts4) {
      parts.push(part);
      approx += part.length / 3.2;
    }
  }
  const text = parts.join("");
  return { text, tokens: encode(text, { allowedSpecial: "all" }) };
}

function scanBaseline(text: string): number {
  let count = 0;
  for (let at = text.indexOf("<|"); at >= 0; at = text.indexOf("<|", at + 2)) count++;
  return count;
}

function streamText(text: string, size: number, role: "assistant" | undefined = "assistant"): void {
  const parser = createStreamParser({ role });
  for (let at = 0; at < text.length; at += size) parser.write(text.slice(at, at + size));
  parser.end();
}
function streamTokens(tokens: number[], size: number): void {
  const parser = createTokenStreamParser({ role: "assistant" });
  for (let at = 0; at < tokens.length; at += size) parser.write(tokens.slice(at, at + size));
  parser.end();
}
/** The caller's side of 1-character streaming alone: the same slicing loop into an empty write(). */
let sink = 0;
const emptyWrite = (chunk: string): void => {
  sink += chunk.length;
};
function callerFloor(text: string): void {
  for (let at = 0; at < text.length; at++) emptyWrite(text.slice(at, at + 1));
}
const emptyWriteId = (id: number): void => {
  sink += id;
};
function callerFloorIds(tokens: number[]): void {
  for (const id of tokens) emptyWriteId(id);
}

console.log("\n# parse (1M-token completion: one long analysis message + a final)");
const million = completion(1_000_000);
const mb = million.text.length / 1e6;
const nTok = million.tokens.length;
const rate = (ms: number) =>
  `${(mb / (ms / 1000)).toFixed(0)} MB/s, ${(nTok / (ms / 1000) / 1e6).toFixed(2)} M tokens/s`;
const [tScan, tParseText, tParseStrict, t4k, t1, tWhole, tFloor] = timeMany(
  [
    () => scanBaseline(million.text),
    () => parseMessagesFromText(million.text, { role: "assistant" }),
    () => parseMessagesFromText(million.text, { role: "assistant", mode: "strict" }),
    () => streamText(million.text, 4096),
    () => streamText(million.text, 1),
    () => streamText(million.text, million.text.length),
    () => callerFloor(million.text),
  ],
  2000,
) as number[] as [number, number, number, number, number, number, number];
const [tTokScan, tParseTokens, tParseTokensStrict, tTok1, tTok1k] = timeMany(
  [
    () => million.tokens.indexOf(-1),
    () => parseMessagesFromTokens(million.tokens, { role: "assistant" }),
    () => parseMessagesFromTokens(million.tokens, { role: "assistant", mode: "strict" }),
    () => streamTokens(million.tokens, 1),
    () => streamTokens(million.tokens, 1024),
  ],
  4000,
) as [number, number, number, number, number];
console.log(`input: ${nTok} tokens, ${million.text.length} chars`);
console.log(`baseline indexOf("<|") scan of the text: ${fmt(tScan)} (${rate(tScan)})`);
console.log(
  `parse text, tolerant: ${fmt(tParseText)} (${rate(tParseText)}) = ${ratio(tParseText, tScan)} of the scan`,
);
console.log(
  `parse text, strict:   ${fmt(tParseStrict)} (${rate(tParseStrict)}) = ${ratio(tParseStrict, tScan)} of the scan`,
);
console.log(`baseline tokens.indexOf scan of the ids: ${fmt(tTokScan)}`);
console.log(
  `parse token ids, tolerant: ${fmt(tParseTokens)} (${rate(tParseTokens)}) = ${ratio(tParseTokens, tTokScan)} of the id scan`,
);
console.log(
  `parse token ids, strict:   ${fmt(tParseTokensStrict)} (${rate(tParseTokensStrict)}) = ${ratio(tParseTokensStrict, tTokScan)} of the id scan`,
);
console.log("streaming vs one-shot (same input, interleaved timing):");
console.log(
  "  one-shot text parsing of this input is a handful of indexOf calls and zero-copy slices; a stream is called once per chunk and emits an event per chunk",
);
console.log(
  `  text, one write of the whole input: ${fmt(tWhole)} = ${ratio(tWhole, tParseText)} of one-shot parsing`,
);
console.log(
  `  text, 4 KB chunks: ${fmt(t4k)} = ${ratio(t4k, tParseText)} of one-shot parsing, ${ratio(t4k, tWhole)} of one write`,
);
console.log(
  `  text, 1-char chunks: ${fmt(t1)} = ${ratio(t1, tParseText)} of one-shot parsing, ${ratio(t1, tWhole)} of one write`,
);
console.log(
  `    floor: the caller's loop alone (slice + an empty write() per char) takes ${fmt(tFloor)} = ${ratio(tFloor, tParseText)} of one-shot parsing; 1-char streaming = ${ratio(t1, tFloor)} of that floor`,
);
console.log(`  token ids, 1024 per write: ${fmt(tTok1k)} = ${ratio(tTok1k, tParseTokens)} of one-shot`);
console.log(`  token ids, 1 per write: ${fmt(tTok1)} = ${ratio(tTok1, tParseTokens)} of one-shot`);

console.log(
  "\n# parse (≈1M-token completion of many short messages: analysis, tool call, tool result, final)",
);
const chatty = chattyCompletion(1_000_000);
const chattyMb = chatty.text.length / 1e6;
const chattyRate = (ms: number) =>
  `${(chattyMb / (ms / 1000)).toFixed(0)} MB/s, ${(chatty.tokens.length / (ms / 1000) / 1e6).toFixed(2)} M tokens/s`;
const [tChattyScan, tChattyText, tChattyStrict, tChatty4k, tChatty1, tChattyWhole, tChattyFloor] = timeMany(
  [
    () => scanBaseline(chatty.text),
    () => parseMessagesFromText(chatty.text),
    () => parseMessagesFromText(chatty.text, { mode: "strict" }),
    () => streamText(chatty.text, 4096, undefined),
    () => streamText(chatty.text, 1, undefined),
    () => streamText(chatty.text, chatty.text.length, undefined),
    () => callerFloor(chatty.text),
  ],
  4000,
) as number[] as [number, number, number, number, number, number, number];
const chattyBytes = new TextEncoder().encode(chatty.text);
function streamBytes(bytes: Uint8Array, size: number): void {
  const parser = createStreamParser();
  for (let at = 0; at < bytes.length; at += size) parser.write(bytes.subarray(at, at + size));
  parser.end();
}
const [tBytes1, tBytes4k, tBytesFloor] = timeMany(
  [
    () => streamBytes(chattyBytes, 1),
    () => streamBytes(chattyBytes, 4096),
    () => {
      for (let at = 0; at < chattyBytes.length; at++) sink += chattyBytes.subarray(at, at + 1).length;
    },
  ],
  3000,
) as [number, number, number];
const [tChattyTokens, tChattyTok1, tChattyIdFloor] = timeMany(
  [
    () => parseMessagesFromTokens(chatty.tokens),
    () => {
      const parser = createTokenStreamParser();
      for (const id of chatty.tokens) parser.write(id);
      parser.end();
    },
    () => callerFloorIds(chatty.tokens),
  ],
  3000,
) as [number, number, number];
const chattyMessages = parseMessagesFromText(chatty.text).messages.length;
console.log(`input: ${chatty.tokens.length} tokens, ${chatty.text.length} chars, ${chattyMessages} messages`);
console.log(`baseline indexOf("<|") scan: ${fmt(tChattyScan)} (${chattyRate(tChattyScan)})`);
console.log(
  `parse text, tolerant: ${fmt(tChattyText)} (${chattyRate(tChattyText)}) = ${ratio(tChattyText, tChattyScan)} of the scan`,
);
console.log(
  `parse text, strict:   ${fmt(tChattyStrict)} (${chattyRate(tChattyStrict)}) = ${ratio(tChattyStrict, tChattyScan)} of the scan`,
);
console.log(`parse token ids, tolerant: ${fmt(tChattyTokens)} (${chattyRate(tChattyTokens)})`);
console.log(
  `stream text, one write of the whole input: ${fmt(tChattyWhole)} = ${ratio(tChattyWhole, tChattyText)} of one-shot parsing (events included)`,
);
console.log(
  `stream text, 4 KB chunks: ${fmt(tChatty4k)} = ${ratio(tChatty4k, tChattyText)} of one-shot parsing, ${ratio(tChatty4k, tChattyWhole)} of one write`,
);
console.log(
  `stream text, 1-char chunks: ${fmt(tChatty1)} = ${ratio(tChatty1, tChattyText)} of one-shot parsing, ${ratio(tChatty1, tChattyWhole)} of one write`,
);
console.log(
  `  floor: the caller's loop alone (slice + an empty write() per char) takes ${fmt(tChattyFloor)} = ${ratio(tChattyFloor, tChattyText)} of one-shot parsing; 1-char streaming = ${ratio(tChatty1, tChattyFloor)} of that floor`,
);
console.log(
  `stream UTF-8 bytes, 4 KB chunks: ${fmt(tBytes4k)} = ${ratio(tBytes4k, tChattyText)} of one-shot parsing; 1-byte chunks: ${fmt(tBytes1)} = ${ratio(tBytes1, tChattyText)} of one-shot parsing (the caller's loop of 1-byte subarrays alone: ${fmt(tBytesFloor)})`,
);
console.log(
  `stream token ids, 1 per write: ${fmt(tChattyTok1)} = ${ratio(tChattyTok1, tChattyTokens)} of one-shot (an empty call per id: ${fmt(tChattyIdFloor)})`,
);

// --------------------------------------------------------------------------------------- scaling
console.log("\n# scaling (time per token, relative to 10k tokens)");
let base10k = 0;
for (const n of [10_000, 100_000, 1_000_000]) {
  const input = n === 1_000_000 ? million : completion(n);
  const tText =
    time(() => parseMessagesFromText(input.text, { role: "assistant" }), 500) / input.tokens.length;
  const tTok =
    time(() => parseMessagesFromTokens(input.tokens, { role: "assistant" }), 500) / input.tokens.length;
  const tStream = time(() => streamText(input.text, 1), 500) / input.tokens.length;
  if (n === 10_000) base10k = tText;
  console.log(
    `${String(n).padStart(9)} tokens: text ${(tText * 1e6).toFixed(1)} ns/token (${ratio(tText, base10k)}), ` +
      `ids ${(tTok * 1e6).toFixed(1)} ns/token, 1-char stream ${(tStream * 1e6).toFixed(1)} ns/token`,
  );
}
if (sink < 0) console.log(sink); // keeps the floor loops from being optimised away
