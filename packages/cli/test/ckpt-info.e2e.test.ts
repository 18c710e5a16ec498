import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ExampleRun, writeExampleRuns } from "@rlops/run/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rlops } from "./helpers.js";

/** Any Python 3 compiles the scripts (no torch needed): RLOPS_PYTHON, else python3 on PATH. */
const PYTHON = process.env.RLOPS_PYTHON ?? "python3";
const hasPython = spawnSync(PYTHON, ["--version"]).status === 0;

let tmp: string;
let runs: ExampleRun[];

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "rlops-info-"));
  runs = await writeExampleRuns(join(tmp, "example"));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

interface Info {
  layout: string;
  weights: string;
  baseModel: string | null;
  loraRank: number | null;
  inference: boolean;
  resumable: boolean;
  code: { inference: string | null; resume: string | null };
}

describe("rlops ckpt info", () => {
  it("on every layout of the bundled example: facts, load code, and a script that compiles", () => {
    const expected: Record<string, { weights: string; inference: RegExp | null; resume: RegExp | null }> = {
      "arc-dapo": {
        weights: "adapter",
        inference: /PeftModel\.from_pretrained/,
        resume: /resume_from_checkpoint=/,
      },
      // The newest complete AReaL checkpoint is recover_checkpoint (DCP); --script picks the newest HF export.
      "areal-grpo": {
        weights: "dcp",
        inference: /AutoModelForCausalLM\.from_pretrained/,
        resume: /recover\.mode=auto/,
      },
      staged: { weights: "staged", inference: /torch\.load\(.*generator\.pt/, resume: /load_checkpoint/ },
      tinker: {
        weights: "remote",
        inference: /create_sampling_client\(model_path="tinker:/,
        resume: /load_state\("tinker:/,
      },
      "step-folders": { weights: "adapter", inference: /PeftModel/, resume: null },
      lightning: { weights: "lightning", inference: /state_dict/, resume: /ckpt_path=/ },
      deepspeed: {
        weights: "deepspeed",
        inference: /get_fp32_state_dict_from_zero_checkpoint/,
        resume: /load_checkpoint/,
      },
      dcp: { weights: "dcp", inference: null, resume: /dcp\.load\(/ },
    };
    for (const run of runs) {
      const want = expected[run.name];
      expect(want, run.name).toBeDefined();
      const result = rlops(["ckpt", "info", run.dir, "--json"]);
      expect(result.status, `${run.name}: ${result.stderr}`).toBe(0);
      const info = JSON.parse(result.stdout) as Info;
      expect(info.layout, run.name).toBe(run.layout);
      expect(info.weights, run.name).toBe(want!.weights);
      if (want!.resume) expect(info.code.resume, run.name).toMatch(want!.resume);
      const script = join(tmp, `${run.name}-inference.py`);
      const scripted = rlops(["ckpt", "info", run.dir, "--script", script]);
      if (want!.inference) {
        expect(scripted.status, `${run.name}: ${scripted.stderr}`).toBe(0);
        expect(existsSync(script)).toBe(true);
        const code = JSON.parse(
          rlops(["ckpt", "info", run.dir, "--json", "--script", script]).stdout,
        ) as Info;
        expect(code.code.inference, run.name).toMatch(want!.inference);
        if (hasPython) {
          const compiled = spawnSync(PYTHON, ["-m", "py_compile", script], { encoding: "utf8" });
          expect(compiled.status, `${run.name}: ${compiled.stderr}`).toBe(0);
        }
      } else {
        expect(scripted.status, run.name).toBe(2);
        expect(scripted.stderr).toMatch(/^rlops: NO_INFERENCE: /);
      }
    }
  });

  it("reads base model and LoRA rank from adapter_config.json, and names the checkpoint path", () => {
    const arc = runs.find((r) => r.name === "arc-dapo")!;
    const result = rlops(["ckpt", "info", join(arc.dir, "checkpoint-125")]);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^checkpoint-125 {2}\(hf, step 125, intermediate\)/);
    expect(result.stdout).toContain("LoRA adapter (PEFT), LoRA rank 16");
    expect(result.stdout).toContain("base model unsloth/gpt-oss-20b-BF16");
    expect(result.stdout).toContain(`PeftModel.from_pretrained(base, "${join(arc.dir, "checkpoint-125")}")`);
    expect(rlops(["ckpt", "info", join(tmp, "missing")]).status).toBe(2);
    expect(rlops(["ckpt", "info", arc.dir, "--name", "checkpoint-999"]).status).toBe(1);
  });
});
