// The byte-level line splitter: whatever the chunking, the lines, numbers and byte counts equal a plain
// split of the decoded text, for ASCII, multi-byte UTF-8, a BOM and invalid bytes alike.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readLines } from "../src/node.js";

const enc = new TextEncoder();

async function* chunked(bytes: Uint8Array, cuts: number[]): AsyncGenerator<Uint8Array> {
  let at = 0;
  for (const c of [...cuts].sort((a, b) => a - b)) {
    yield bytes.subarray(at, c);
    at = c;
  }
  yield bytes.subarray(at);
}

/** What the splitter must give: each line decoded from its own bytes. */
function reference(bytes: Uint8Array): { line: string; number: number; bytes: number }[] {
  const out = [];
  let start = 0;
  let number = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i < bytes.length && bytes[i] !== 10) continue;
    if (i === bytes.length && start === i) break;
    const piece = bytes.subarray(start, i);
    out.push({ line: new TextDecoder().decode(piece), number: ++number, bytes: piece.length });
    start = i + 1;
  }
  return out;
}

const pieces = ["a", '{"x":1}', "é", "😀", "\n", "\n", "\uFEFF", "  ", "ß€"];

describe("readLines", () => {
  it("equals a per-line decode for any chunking of mixed text", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom(...pieces), { maxLength: 40 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        fc.boolean(),
        async (parts, rawCuts, invalid) => {
          let bytes = enc.encode(parts.join(""));
          if (invalid && bytes.length > 0) {
            bytes = Uint8Array.from(bytes);
            bytes[Math.floor(bytes.length / 2)] = 0xff;
          }
          const cuts = rawCuts.map((c) => c % (bytes.length + 1));
          const got = [];
          for await (const l of readLines(chunked(bytes, cuts), 1 << 20)) got.push(l);
          expect(got).toEqual(reference(bytes));
        },
      ),
      { numRuns: 300 },
    );
  });
  it("refuses a line over the bound, in the one-decode path too", async () => {
    const text = `${"a".repeat(10)}\n${"b".repeat(30)}\nc\n`;
    const run = async () => {
      for await (const _ of readLines(chunked(enc.encode(text), []), 20)) {
      }
    };
    await expect(run()).rejects.toMatchObject({
      code: "INPUT_TOO_LARGE",
      message: expect.stringContaining("line 2"),
    });
  });
});
