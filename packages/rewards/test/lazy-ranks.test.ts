// Importing @rlops/rewards must not load the 2.3 MiB o200k_base ranks; they load on first token use.
import { createRequire } from "node:module";
import { describe, expect, it, vi } from "vitest";

const require = createRequire(import.meta.url);
// the ranks module as harmony-format's ESM import resolves it (js-tiktoken is its dependency, not ours)
const harmony = createRequire(require.resolve("@rlops/harmony-format/package.json"));
const ranksEsm = harmony.resolve("js-tiktoken/ranks/o200k_base").replace(/\.cjs$/, ".js");
let esmRanksLoaded = false;
vi.doMock(ranksEsm, async (importOriginal) => {
  esmRanksLoaded = true;
  return importOriginal();
});

const ranksInRequireCache = () => Object.keys(require.cache).some((k) => k.includes("o200k_base"));

describe("tokenizer ranks are lazy", () => {
  it("importing the package (and scoring text or token lengths) does not load them; decoding ids does", async () => {
    const { createScorer } = await import("../src/index.js");
    await import("../src/node.js");
    expect(esmRanksLoaded).toBe(false);
    expect(ranksInRequireCache()).toBe(false);
    const chars = createScorer({
      version: 1,
      name: "c",
      rewards: [{ id: "len", kind: "length.overlong", params: { maxLength: 10, buffer: 5, unit: "chars" } }],
    });
    chars.score([{ completion: "hello" }]);
    const lengths = createScorer({
      version: 1,
      name: "t",
      rewards: [{ id: "len", kind: "length.overlong", params: { maxLength: 10, buffer: 5, unit: "tokens" } }],
    });
    lengths.score([{ completionIds: [1, 2, 3] }]);
    expect(ranksInRequireCache() || esmRanksLoaded).toBe(false);
    const decoded = createScorer({ version: 1, name: "h", rewards: [{ id: "f", kind: "harmony.channels" }] });
    decoded.score([{ completionIds: [200005, 35644, 200008, 17, 200002] }]);
    expect(ranksInRequireCache() || esmRanksLoaded).toBe(true);
  });
});
