/** Special-token table of o200k_harmony, exactly as registered by openai/harmony v0.0.8. */

/** Ids of the harmony formatting tokens. */
export const SPECIAL = {
  startoftext: 199998,
  endoftext: 199999,
  return: 200002,
  constrain: 200003,
  channel: 200005,
  start: 200006,
  end: 200007,
  message: 200008,
  call: 200012,
} as const;

/** First and last id of the special range (inclusive). */
const FIRST_SPECIAL_ID = 199998;
export const LAST_SPECIAL_ID = 201088;

const NAMED: Record<number, string> = {
  199998: "<|startoftext|>",
  199999: "<|endoftext|>",
  200002: "<|return|>",
  200003: "<|constrain|>",
  200005: "<|channel|>",
  200006: "<|start|>",
  200007: "<|end|>",
  200008: "<|message|>",
  200012: "<|call|>",
};

/** Text of a special token id, or `undefined` when `id` is not special. */
export function specialText(id: number): string | undefined {
  if (!Number.isInteger(id) || id < FIRST_SPECIAL_ID || id > LAST_SPECIAL_ID) return undefined;
  return NAMED[id] ?? `<|reserved_${id}|>`;
}

/** The id of a special token text such as `"<|start|>"`, or `undefined`. */
export function specialId(text: string): number | undefined {
  if (text.length < 5 || !text.startsWith("<|") || !text.endsWith("|>")) return undefined;
  const name = text.slice(2, -2);
  switch (name) {
    case "startoftext":
      return 199998;
    case "endoftext":
      return 199999;
    case "return":
      return 200002;
    case "constrain":
      return 200003;
    case "channel":
      return 200005;
    case "start":
      return 200006;
    case "end":
      return 200007;
    case "message":
      return 200008;
    case "call":
      return 200012;
  }
  if (!name.startsWith("reserved_")) return undefined;
  const digits = name.slice(9);
  if (!/^[0-9]{6}$/.test(digits)) return undefined;
  const id = Number(digits);
  if (id < 200000 || id > LAST_SPECIAL_ID || NAMED[id] !== undefined) return undefined;
  return id;
}

/** Longest special-token text (`<|reserved_200000|>` is 19 characters). */
export const MAX_SPECIAL_LENGTH = 19;

/** Stop tokens: `<|return|>`, `<|end|>`, `<|call|>`. */
export function isStopToken(id: number): boolean {
  return id === SPECIAL.return || id === SPECIAL.end || id === SPECIAL.call;
}

/** Terminator name of a stop token. */
export type Terminator = "end" | "return" | "call";

/** Maps a stop token id to its terminator name. */
export function terminatorOf(id: number): Terminator | undefined {
  if (id === SPECIAL.end) return "end";
  if (id === SPECIAL.return) return "return";
  if (id === SPECIAL.call) return "call";
  return undefined;
}
