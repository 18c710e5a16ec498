import { BridgeFailure } from "./errors.js";
import { PACKED_IDS_FIELD } from "./protocol.js";

/** Standard base64 (RFC 4648, padded): a character class and a bounded tail, so no backtracking. */
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Token ids from {@link PACKED_IDS_FIELD}: base64 of little-endian uint32; `where` names it in errors. */
export function unpackIds(packed: unknown, where: string): number[] {
  if (typeof packed !== "string" || packed.length % 4 !== 0 || !BASE64.test(packed))
    throw new BridgeFailure(
      "BAD_PARAMS",
      `${where}: expected base64 (padded) of little-endian uint32 token ids`,
    );
  const bytes = Buffer.from(packed, "base64");
  if (bytes.length % 4 !== 0)
    throw new BridgeFailure(
      "BAD_PARAMS",
      `${where}: ${bytes.length} bytes is not a whole number of uint32 token ids`,
    );
  const ids = new Array<number>(bytes.length / 4);
  for (let i = 0; i < ids.length; i++) ids[i] = bytes.readUInt32LE(i * 4);
  return ids;
}

/**
 * The samples of a `rewards.score` request with packed ids unpacked into `completion_ids` (the scorer's
 * wire name); other samples are passed through untouched. A sample with both forms is bad params.
 */
export function unpackSamples(samples: readonly unknown[], method: string): unknown[] {
  return samples.map((sample, i) => {
    if (sample === null || typeof sample !== "object" || !(PACKED_IDS_FIELD in sample)) return sample;
    const { [PACKED_IDS_FIELD]: packed, ...rest } = sample as Record<string, unknown>;
    const where = `${method}: params.samples[${i}].${PACKED_IDS_FIELD}`;
    if ("completion_ids" in rest || "completionIds" in rest)
      throw new BridgeFailure("BAD_PARAMS", `${where}: give the ids once (packed or as completion_ids)`);
    return { ...rest, completion_ids: unpackIds(packed, where) };
  });
}
