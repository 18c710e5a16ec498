import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as z from "zod";
import { fixtureFiles } from "../src/fixtures.js";
import {
  checkpointProblemCodeSchema,
  checkpointSchema,
  createMemoryStorage,
  LAYOUTS,
  listCheckpoints,
  manifestSchema,
  writeManifest,
} from "../src/index.js";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");

/** Codes in backticks in the README's problem-code table. */
function readmeProblemCodes(): Set<string> {
  const start = readme.indexOf("### Completeness rules (problem codes)");
  const end = readme.indexOf("\n## ", start);
  const codes = new Set<string>();
  for (const line of readme.slice(start, end).split("\n")) {
    if (!line.startsWith("| `")) continue;
    const cell = line.split("|")[1] ?? "";
    for (const part of cell.split("`")) if (/^[A-Z][A-Z0-9_]+$/.test(part)) codes.add(part);
  }
  return codes;
}

describe("schema-first nouns", () => {
  it("the problem-code union and the README table list the same codes", () => {
    expect([...readmeProblemCodes()].sort()).toEqual([...checkpointProblemCodeSchema.options].sort());
  });

  it("every listed checkpoint of every fixture layout parses with checkpointSchema", async () => {
    for (const layout of LAYOUTS) {
      const { files, run } = fixtureFiles(
        layout,
        { broken: layout === "tinker" ? "torn-jsonl" : "half-written" },
        "/r",
      );
      const listing = await listCheckpoints(run.runDir, {
        storage: createMemoryStorage(Object.fromEntries(files)),
      });
      expect(listing.checkpoints.length, layout).toBeGreaterThan(0);
      for (const c of listing.checkpoints) {
        const parsed = checkpointSchema.safeParse(c);
        expect(parsed.success, `${layout} ${c.name}: ${parsed.error?.message}`).toBe(true);
      }
    }
  });

  it("a written manifest parses with manifestSchema, and extensions keep the base fields", async () => {
    const { files } = fixtureFiles("hf", { steps: [2] }, "/r");
    const storage = createMemoryStorage(Object.fromEntries(files));
    const manifest = await writeManifest("/r/checkpoint-2", { storage });
    expect(manifestSchema.parse(manifest)).toEqual(manifest);
    const extended = manifestSchema.extend({ format: z.literal("other.manifest") });
    const other = { ...manifest, format: "other.manifest", files: [{ path: "a", size: 1, sha256: null }] };
    expect(extended.parse(other).files[0]).toEqual({
      path: "a",
      size: 1,
      sha256: null,
    });
    expect(
      manifestSchema.safeParse({ version: 1, files: [{ path: "a", bytes: 1, sha256: null }] }).success,
    ).toBe(false);
  });
});
