import { describe, expect, it } from "vitest";
import { createSession } from "./methods.js";
import { unpackIds, unpackSamples } from "./packed.js";
import { PROTOCOL_VERSIONS } from "./protocol.js";
import { handleLine } from "./serve.js";

function pack(ids: number[]): string {
  const bytes = Buffer.alloc(ids.length * 4);
  for (const [i, id] of ids.entries()) bytes.writeUInt32LE(id, i * 4);
  return bytes.toString("base64");
}

async function ask(session: ReturnType<typeof createSession>, method: string, params: unknown) {
  return JSON.parse(await handleLine(JSON.stringify({ id: 1, method, params }), session));
}

describe("packed token ids (protocol 2)", () => {
  it("unpacks little-endian uint32, including ids past 2^31", () => {
    expect(unpackIds(pack([0, 1, 199_999, 2 ** 32 - 1]), "x")).toEqual([0, 1, 199_999, 2 ** 32 - 1]);
    expect(unpackIds("", "x")).toEqual([]);
  });

  it("rejects what is not whole uint32s in padded base64, naming the field", () => {
    for (const bad of ["abc", "a*cd", "AAA=", 12, "AAAA====="]) {
      expect(() => unpackIds(bad, "params.samples[3].completion_ids_b64")).toThrow(
        /params\.samples\[3\]\.completion_ids_b64/,
      );
    }
  });

  it("replaces the packed field by completion_ids and refuses both forms at once", () => {
    expect(unpackSamples([{ completion: "a", completion_ids_b64: pack([7, 8]) }, "raw"], "m")).toEqual([
      { completion: "a", completion_ids: [7, 8] },
      "raw",
    ]);
    expect(() =>
      unpackSamples([{ completion_ids: [1], completion_ids_b64: pack([1]) }], "rewards.score"),
    ).toThrow(/give the ids once/);
  });

  it("scores packed ids exactly as the JSON list, for clients of either protocol", async () => {
    const spec = {
      version: 1,
      name: "t",
      rewards: [{ id: "len", kind: "length.overlong", params: { maxLength: 10, buffer: 5, unit: "tokens" } }],
    };
    for (const protocol of PROTOCOL_VERSIONS) {
      const session = createSession();
      const hello = await ask(session, "hello", { protocol });
      expect(hello.result).toMatchObject({ version: protocol, versions: PROTOCOL_VERSIONS });
      const { handle } = (await ask(session, "rewards.load", { spec: { value: spec } })).result;
      const ids = [new Array(4).fill(3), new Array(8).fill(9), new Array(12).fill(1)];
      const listed = await ask(session, "rewards.score", {
        handle,
        samples: ids.map((completion_ids) => ({ completion_ids })),
      });
      const packed = await ask(session, "rewards.score", {
        handle,
        samples: ids.map((i) => ({ completion_ids_b64: pack(i) })),
      });
      expect(packed.result).toEqual(listed.result);
      expect(listed.result.samples.map((s: { reward: number }) => s.reward)).toEqual([0, -0.6, -1]);
      const bad = await ask(session, "rewards.score", { handle, samples: [{ completion_ids_b64: "!!" }] });
      expect(bad.error).toMatchObject({ code: "BAD_PARAMS", package: "bridge" });
    }
  });
});
