import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadRewardSpec, MAX_SPEC_BYTES, RewardsError, rewardSpecJsonSchema } from "../src/index.js";

function codeOf(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (e) {
    if (RewardsError.isInstance(e)) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error("expected a RewardsError");
}

const YAML = `
version: 1
name: gpt-oss-arc
rewards:
  - id: fmt
    kind: harmony.channels
    weight: 0.2
  - id: grid
    kind: arc.grid
    params: { weights: { perfect: 1, pixelAccuracy: 0.5 } }
  - id: overlong
    kind: length.overlong
    params: { maxLength: 2048, buffer: 256, unit: tokens }
group: { size: 8, epsilon: 1.0e-6, singleton: passthrough, filter: { kind: verl } }
`;

describe("loadRewardSpec", () => {
  it("parses YAML and applies kind defaults", () => {
    const spec = loadRewardSpec(YAML);
    expect(spec.rewards.map((r) => r.id)).toEqual(["fmt", "grid", "overlong"]);
    expect(spec.rewards[2]!.params).toEqual({
      maxLength: 2048,
      buffer: 256,
      style: "dapo",
      factor: 1,
      unit: "tokens",
    });
    expect(spec.rewards[0]!.onError).toBe("fail");
    expect(spec.group).toMatchObject({
      size: 8,
      scale: "group",
      std: "sample",
      epsilon: 1e-6,
      estimator: "grpo",
    });
    expect(spec.group!.filter).toEqual({ kind: "verl", metric: "reward" });
  });
  it("accepts an object and re-accepts its own output", () => {
    const spec = loadRewardSpec(YAML);
    expect(loadRewardSpec(JSON.parse(JSON.stringify(spec)))).toEqual(spec);
  });
  it("names the path and the problem", () => {
    const e = codeOf(() =>
      loadRewardSpec({
        version: 1,
        name: "x",
        rewards: [{ id: "a", kind: "length.overlong", params: { maxLength: -3, buffer: 1 } }],
      }),
    );
    expect(e.code).toBe("SPEC_INVALID");
    expect(e.message).toMatch(/^rewards\[0\]\.params\.maxLength: /);
  });
  it("rejects unknown params (typos)", () => {
    const e = codeOf(() =>
      loadRewardSpec({
        version: 1,
        name: "x",
        rewards: [{ id: "a", kind: "format.think", params: { prefiled: true } }],
      }),
    );
    expect(e.code).toBe("SPEC_INVALID");
    expect(e.message).toContain("rewards[0].params");
  });
  it("rejects unknown kinds", () => {
    const e = codeOf(() =>
      loadRewardSpec({ version: 1, name: "x", rewards: [{ id: "a", kind: "math.verify" }] }),
    );
    expect(e.code).toBe("UNKNOWN_KIND");
    expect(e.message).toContain('rewards[0].kind: unknown kind "math.verify"');
  });
  it("rejects a wrong version, duplicate ids and forward references", () => {
    expect(
      codeOf(() => loadRewardSpec({ version: 2, name: "x", rewards: [{ id: "a", kind: "format.think" }] }))
        .message,
    ).toMatch(/^version: /);
    expect(
      codeOf(() =>
        loadRewardSpec({
          version: 1,
          name: "x",
          rewards: [
            { id: "a", kind: "format.think" },
            { id: "a", kind: "format.think" },
          ],
        }),
      ).message,
    ).toContain('rewards[1].id: duplicate id "a"');
    expect(
      codeOf(() =>
        loadRewardSpec({
          version: 1,
          name: "x",
          rewards: [
            { id: "cos", kind: "length.cosine", params: { maxLength: 10, correct: { reward: "acc" } } },
          ],
        }),
      ).code,
    ).toBe("SPEC_INVALID");
  });
  it("refuses a YAML alias bomb", () => {
    const bomb = [
      "a: &a [x, x, x, x, x, x, x, x, x, x]",
      "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]",
      "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]",
      "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]",
      "e: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]",
    ].join("\n");
    expect(codeOf(() => loadRewardSpec(bomb)).code).toBe("SPEC_ALIAS_LIMIT");
  });
  it("refuses a file over the size limit", () => {
    expect(codeOf(() => loadRewardSpec(`# ${"x".repeat(MAX_SPEC_BYTES)}`)).code).toBe("SPEC_TOO_LARGE");
  });
  it("reports YAML syntax errors and duplicate keys", () => {
    expect(codeOf(() => loadRewardSpec("version: [1")).code).toBe("SPEC_PARSE");
    expect(codeOf(() => loadRewardSpec("version: 1\nversion: 1\n")).code).toBe("SPEC_PARSE");
  });
});

describe("JSON Schema", () => {
  it("matches the committed reward-spec.schema.json (regenerate with `pnpm schema`)", () => {
    const committed = JSON.parse(
      readFileSync(new URL("../reward-spec.schema.json", import.meta.url), "utf8"),
    );
    expect(rewardSpecJsonSchema()).toEqual(committed);
  });
  it("carries per-kind params", () => {
    const s = rewardSpecJsonSchema() as { properties: { rewards: { items: { allOf: unknown[] } } } };
    expect(s.properties.rewards.items.allOf.length).toBeGreaterThanOrEqual(19);
  });
});
