import { describe, expect, it } from "vitest";
import {
  ckptDiffSchema,
  configDiff,
  diffGathered,
  flattenJson,
  type GatheredSide,
} from "./ckpt-diff-model.js";

const side = (name: string, step: number | null, bytes: number | null): GatheredSide["side"] => ({
  name,
  location: `/run/${name}`,
  root: "/run",
  layout: "hf",
  step,
  stepText: step === null ? null : String(step),
  epoch: null,
  role: "intermediate",
  best: false,
  complete: true,
  resumable: true,
  inference: true,
  bytes,
  problems: [],
  manifest: false,
});

describe("ckpt diff model", () => {
  it("flattens nested objects to dotted keys; arrays are leaves", () => {
    expect([...flattenJson({ a: { b: 1, c: [1, 2] }, d: {} })]).toEqual([
      ["a.b", 1],
      ["a.c", [1, 2]],
      ["d", {}],
    ]);
  });

  it("config keys added, removed and changed; a file on one side only", () => {
    const d = configDiff(
      "adapter_config.json",
      { r: 16, target: ["q", "v"], x: 1 },
      { r: 32, target: ["q", "v"], y: 2 },
    );
    expect(d).toEqual({
      file: "adapter_config.json",
      inA: true,
      inB: true,
      added: [{ key: "y", value: 2 }],
      removed: [{ key: "x", value: 1 }],
      changed: [{ key: "r", a: 16, b: 32 }],
      same: 1,
    });
    expect(configDiff("config.json", undefined, { a: 1 })).toMatchObject({ inA: false, inB: true, same: 0 });
  });

  it("files by sha256 when known, else by size; metrics side by side with their delta", () => {
    const gathered = (
      name: string,
      step: number,
      files: [string, number, string | null][],
      metrics: Record<string, number>,
      metadata: Record<string, string> = {},
    ): GatheredSide => ({
      side: side(
        name,
        step,
        files.reduce((n, f) => n + f[1], 0),
      ),
      files: files.map(([path, size, sha256]) => ({ path, size, sha256 })),
      metrics,
      metricSource: "trainer_state.json",
      configs: {},
      metadata,
    });
    const a = gathered(
      "checkpoint-1",
      1,
      [
        ["same.bin", 10, "aa"],
        ["edited.json", 10, "bb"],
        ["gone.pt", 10, null],
      ],
      {
        loss: 1,
        only_a: 3,
      },
    );
    const b = gathered(
      "checkpoint-2",
      5,
      [
        ["same.bin", 10, "aa"],
        ["edited.json", 10, "cc"],
        ["new.pt", 25, null],
      ],
      { loss: 0.25 },
      { "uri.state": "tinker://x" },
    );
    const d = ckptDiffSchema.parse(diffGathered(a, b));
    expect([d.stepDelta, d.bytesDelta]).toEqual([4, 15]);
    expect(d.files.compared).toBe("size");
    expect(d.files.added.map((f) => f.path)).toEqual(["new.pt"]);
    expect(d.files.removed.map((f) => f.path)).toEqual(["gone.pt"]);
    expect(d.files.changed).toEqual([{ path: "edited.json", a: a.files![1], b: b.files![1], by: "sha256" }]);
    expect(d.files.same).toBe(1);
    expect(d.metrics).toEqual([
      { key: "loss", a: 1, b: 0.25, delta: -0.75 },
      { key: "only_a", a: 3, b: null, delta: null },
    ]);
    expect(d.metadata).toEqual([{ key: "uri.state", a: null, b: "tinker://x" }]);
    expect(diffGathered({ ...a, files: null }, b).files).toMatchObject({ listed: false, added: [] });
  });
});
