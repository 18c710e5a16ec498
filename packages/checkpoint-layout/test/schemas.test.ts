import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  adapterConfigSchema,
  arealRecoverInfoFiles,
  CheckpointError,
  createMemoryStorage,
  finalCheckpointInfoSchema,
  parseCheckpointsJsonl,
  parseLenientJson,
  parseTrainerState,
  trainingInfoSchema,
} from "../src/index.js";

const data = (name: string) => readFileSync(new URL(`../test-data/${name}`, import.meta.url), "utf8");

describe("parseLenientJson", () => {
  it("accepts Python's NaN/Infinity tokens and keeps big integers exact", () => {
    const v = parseLenientJson(
      '{"grad_norm": NaN, "a": Infinity, "b": -Infinity, "m": 1000000000000000019884624838656, "f": 1.5e3}',
    ) as Record<string, unknown>;
    expect(Number.isNaN(v.grad_norm)).toBe(true);
    expect(v.a).toBe(Infinity);
    expect(v.b).toBe(-Infinity);
    expect(v.m).toBe(1000000000000000019884624838656n);
    expect(v.f).toBe(1500);
  });

  it("throws JSON_INVALID with the offset and source, never hangs on deep input", () => {
    try {
      parseLenientJson('{"a": tru}', { source: "x.json" });
      expect.unreachable();
    } catch (error) {
      expect(CheckpointError.isInstance(error)).toBe(true);
      expect((error as CheckpointError).code).toBe("JSON_INVALID");
      expect((error as Error).message).toMatch(/^x\.json: .* at offset 6$/);
    }
    expect(() => parseLenientJson("[".repeat(100_000))).toThrow(/nesting deeper than 512/);
    expect(() => parseLenientJson('{"a":1,"a":2}', { rejectDuplicateKeys: true })).toThrow(
      /duplicate key "a"/,
    );
    expect(parseLenientJson('{"a":1,"a":2}')).toEqual({ a: 2 });
    expect(() => parseLenientJson("01")).toThrow(/leading zero/);
    expect(parseLenientJson('"\\u00e9\\n"')).toBe("é\n");
  });
});

describe("metadata schemas", () => {
  it("parses the reference trainer_state.json", () => {
    const ts = parseTrainerState(data("hf-checkpoint-8-trainer_state.json"));
    expect(ts.global_step).toBe(8);
    expect(ts.best_global_step).toBe(8);
    expect(ts.log_history).toHaveLength(8);
    expect(ts.stateful_callbacks).toBeDefined();
  });

  it("trainer_state: NaN values, big integers, old files and bad files", () => {
    const ts = parseTrainerState(
      '{"global_step": 9007199254740993, "log_history": [{"grad_norm": NaN, "step": 1}], "total_flos": 1e20}',
    );
    expect(ts.global_step).toBe(9007199254740993n);
    expect(Number.isNaN(ts.log_history[0]!.grad_norm as number)).toBe(true);
    expect(parseTrainerState('{"global_step": 3}').log_history).toEqual([]);
    expect(() => parseTrainerState('{"log_history": []}', "ck/trainer_state.json")).toThrow(
      expect.objectContaining({
        code: "METADATA_INVALID",
        message: expect.stringContaining("ck/trainer_state.json: global_step"),
      }),
    );
  });

  it("adapter_config.json from PEFT 0.21 (unknown keys accepted)", () => {
    const cfg = adapterConfigSchema.parse(JSON.parse(data("peft-adapter_config.json")));
    expect(cfg.peft_type).toBe("LORA");
    expect(new Set(cfg.target_modules as string[])).toEqual(new Set(["q_proj", "v_proj"]));
    expect((cfg as Record<string, unknown>).qalora_group_size).toBe(16);
  });

  it("AReaL recover_info files", () => {
    const files: Record<string, string> = {
      "step_info.json": "areal-step_info.json",
      "saver_info.json": "areal-saver_info.json",
      "evaluator_info.json": "areal-evaluator_info.json",
      "stats_logger_info.json": "areal-stats_logger_info.json",
      "checkpoint_info.json": "areal-saver_info.json",
    };
    for (const [name, schema] of Object.entries(arealRecoverInfoFiles)) {
      expect(schema.safeParse(JSON.parse(data(files[name]!))).success).toBe(true);
    }
  });

  it("final_checkpoint_info.json and training_info.json", () => {
    const fci = finalCheckpointInfoSchema.parse(JSON.parse(data("tinker-final_checkpoint_info.json")));
    expect(fci.checkpoints.final_state).toBe("tinker://<model_id>/final");
    expect(trainingInfoSchema.parse({ model_name: "m", extra: 1 })).toEqual({ model_name: "m", extra: 1 });
  });

  it("checkpoints.jsonl: problems are capped at 1000, the rest counted (bounded memory)", () => {
    const parsed = parseCheckpointsJsonl(`${"\n".repeat(5000)}{`);
    expect(parsed.problems).toHaveLength(1000);
    expect(parsed.problems[999]).toMatchObject({ line: 1000, code: "BLANK_LINE" });
    expect(parsed.omittedProblems).toBe(4001);
    expect(parsed.records).toEqual([]);
  });

  it("checkpoints.jsonl: torn last line, blank and bad lines are reported", () => {
    const ok = parseCheckpointsJsonl(data("tinker-rl-checkpoints.jsonl"));
    expect(ok.problems).toEqual([]);
    expect(ok.records.map((r) => r.name)).toEqual(["000000", "000020", "000021", "final"]);
    expect(ok.records[2]!.rolling).toBe(true);
    const text = `${data("tinker-sl-checkpoints.jsonl")}\n[1]\n{"name": "000`;
    const r = parseCheckpointsJsonl(text);
    expect(r.records).toHaveLength(3);
    expect(r.problems.map((p) => [p.line, p.code])).toEqual([
      [4, "BLANK_LINE"],
      [5, "BAD_LINE"],
      [6, "TORN_LINE"],
    ]);
  });
});

describe("browser safety", () => {
  it("the main entry's modules import nothing from node:", () => {
    const dir = new URL("../src/", import.meta.url);
    const nodeOnly = new Set(["node.ts", "fixtures.ts"]);
    for (const f of readdirSync(dir)) {
      if (!f.endsWith(".ts") || f.endsWith(".test.ts") || nodeOnly.has(f)) continue;
      const text = readFileSync(new URL(f, dir), "utf8");
      expect({ f, node: /from "node:/.test(text) }).toEqual({ f, node: false });
    }
  });

  it("createMemoryStorage lists, stats, reads ranges and removes", async () => {
    const s = createMemoryStorage({ "/a/b.txt": "hello", "/a/c/": {}, "d.bin": new Uint8Array([1, 2, 3]) });
    expect(await s.list("/a")).toEqual([
      { name: "b.txt", type: "file", size: 5, mtimeMs: 0 },
      { name: "c", type: "dir", mtimeMs: 0 },
    ]);
    expect([...(await s.read("/d.bin", { start: 1, end: 3 }))]).toEqual([2, 3]);
    expect(await s.stat("/nope")).toBeNull();
    await expect(s.list("/nope")).rejects.toMatchObject({ code: "NOT_FOUND" });
    await s.remove("/a");
    expect(s.paths()).toEqual(["/d.bin"]);
  });
});
