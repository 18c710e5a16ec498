import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  buildResumeCommand,
  cadenceWarnings,
  createSaveCadence,
  parseCommandLine,
  saveSteps,
  shellJoin,
  shellQuote,
} from "../src/index.js";

const TORCHRUN = `CUDA_VISIBLE_DEVICES=5,6 torchrun --nproc_per_node=2 --master_port=29600 main_hf_trl_dapo_v2_fsdp.py \\
    --output_dir /path/to/checkpoints \\
    --max_steps 100 \\
    --save_steps 25`;

const AREAL = `python -m areal.launcher.local examples/cloud_gsm8k/gsm8k_grpo_cloud.py \\
    --config examples/cloud_gsm8k/gsm8k_grpo_cloud.yaml \\
    experiment_name=gsm8k-grpo-cloud-h200 \\
    trial_name=trial_20251112_203112`;

/** What a POSIX shell would do with our quoted words (single-quote only subset). */
function unquote(line: string): string[] {
  return parseCommandLine(line);
}

describe("command lines", () => {
  it("parses continuations, quotes and env assignments", () => {
    expect(parseCommandLine(TORCHRUN)).toEqual([
      "CUDA_VISIBLE_DEVICES=5,6",
      "torchrun",
      "--nproc_per_node=2",
      "--master_port=29600",
      "main_hf_trl_dapo_v2_fsdp.py",
      "--output_dir",
      "/path/to/checkpoints",
      "--max_steps",
      "100",
      "--save_steps",
      "25",
    ]);
    expect(parseCommandLine(`python t.py --name 'a b' --x "it's \\"q\\"" c\\ d # comment`)).toEqual([
      "python",
      "t.py",
      "--name",
      "a b",
      "--x",
      `it's "q"`,
      "c d",
    ]);
  });

  it("refuses expansions, pipes and unterminated quotes", () => {
    for (const bad of ["python t.py --out $OUT", "a | b", "a; b", 'a "$(x)"', "a 'b", "a `b`", ""])
      expect(() => parseCommandLine(bad)).toThrow(expect.objectContaining({ code: "INVALID_COMMAND" }));
  });

  it("quotes spaces, quotes and $ so the shell reads them back literally", () => {
    expect(shellQuote("/runs/my run/checkpoint-50")).toBe("'/runs/my run/checkpoint-50'");
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(shellQuote("$HOME")).toBe("'$HOME'");
    expect(shellQuote("")).toBe("''");
    expect(shellJoin(["FOO=a b", "python", "x.py"])).toBe("FOO='a b' python x.py");
    fc.assert(
      fc.property(
        fc.array(
          fc.string({ minLength: 1 }).filter((s) => !s.includes("\\")),
          { minLength: 1, maxLength: 6 },
        ),
        (argv) => {
          const words = ["prog", ...argv];
          expect(unquote(shellJoin(words))).toEqual(words);
        },
      ),
    );
  });
});

describe("resume commands", () => {
  it("HF/TRL: adds --checkpoint_path when the script uses it, keeps torchrun flags, idempotent", () => {
    const withCkpt = `${TORCHRUN} --checkpoint_path /old/checkpoint-25`;
    const cmd = buildResumeCommand({
      trainer: "hf",
      checkpoint: "/path/to/checkpoints/checkpoint-50",
      command: withCkpt,
    });
    expect(cmd.argv).toEqual([
      "CUDA_VISIBLE_DEVICES=5,6",
      "torchrun",
      "--nproc_per_node=2",
      "--master_port=29600",
      "main_hf_trl_dapo_v2_fsdp.py",
      "--output_dir",
      "/path/to/checkpoints",
      "--max_steps",
      "100",
      "--save_steps",
      "25",
      "--checkpoint_path",
      "/path/to/checkpoints/checkpoint-50",
    ]);
    expect(cmd.complete).toBe(true);
    const again = buildResumeCommand({
      trainer: "hf",
      checkpoint: "/path/to/checkpoints/checkpoint-50",
      command: cmd.argv,
    });
    expect(again.argv).toEqual(cmd.argv);
    expect(cmd.command).toBe(
      "CUDA_VISIBLE_DEVICES=5,6 torchrun --nproc_per_node=2 --master_port=29600 main_hf_trl_dapo_v2_fsdp.py --output_dir /path/to/checkpoints --max_steps 100 --save_steps 25 --checkpoint_path /path/to/checkpoints/checkpoint-50",
    );
  });

  it("HF: defaults to --resume_from_checkpoint, replaces --flag=value forms and output_dir when asked", () => {
    const cmd = buildResumeCommand({
      trainer: "trl",
      checkpoint: "/r/new run/checkpoint-50",
      command: "accelerate launch train.py --resume_from_checkpoint=/r/x --output_dir /r/out",
      outputDir: "/r/out-recover",
    });
    expect(cmd.argv).toEqual([
      "accelerate",
      "launch",
      "train.py",
      "--resume_from_checkpoint",
      "/r/new run/checkpoint-50",
      "--output_dir",
      "/r/out-recover",
    ]);
    expect(cmd.command).toContain("'/r/new run/checkpoint-50'");
  });

  it("without an original command gives only the arguments to add", () => {
    const cmd = buildResumeCommand({ trainer: "hf", checkpoint: "/r/checkpoint-5" });
    expect(cmd).toMatchObject({ argv: ["--resume_from_checkpoint", "/r/checkpoint-5"], complete: false });
  });

  it("AReaL: recover.mode=auto with experiment and trial names", () => {
    const cmd = buildResumeCommand({ trainer: "areal", checkpoint: "/x/recover_checkpoint", command: AREAL });
    expect(cmd.argv.slice(-3)).toEqual([
      "experiment_name=gsm8k-grpo-cloud-h200",
      "trial_name=trial_20251112_203112",
      "recover.mode=auto",
    ]);
    expect(cmd.argv.slice(0, 6)).toEqual([
      "python",
      "-m",
      "areal.launcher.local",
      "examples/cloud_gsm8k/gsm8k_grpo_cloud.py",
      "--config",
      "examples/cloud_gsm8k/gsm8k_grpo_cloud.yaml",
    ]);
    const renamed = buildResumeCommand({
      trainer: "areal",
      checkpoint: "/x",
      command: `${AREAL} recover.mode=disabled`,
      trialName: "trial_recover",
    });
    expect(renamed.argv.filter((a) => a.startsWith("trial_name=") || a.startsWith("recover.mode="))).toEqual([
      "trial_name=trial_recover",
      "recover.mode=auto",
    ]);
    expect(() => buildResumeCommand({ trainer: "areal", checkpoint: "/x" })).toThrow(/experiment_name/);
  });

  it("Tinker: load_state with the tinker:// URI", () => {
    const cmd = buildResumeCommand({ trainer: "tinker", checkpoint: "tinker://abc-123/weights/000040" });
    expect(cmd.code).toBe('training_client.load_state("tinker://abc-123/weights/000040")');
    expect(cmd.argv).toEqual(["load_checkpoint_path=tinker://abc-123/weights/000040"]);
    expect(() => buildResumeCommand({ trainer: "tinker", checkpoint: "/local" })).toThrow(/tinker:\/\//);
  });

  it("staged, step-folder, verl, megatron, torchtitan", () => {
    const staged = buildResumeCommand({
      trainer: "staged",
      checkpoint: "checkpoints/stage_3",
      step: 3,
      command: "python train.py",
    });
    expect(staged.argv).toEqual(["python", "train.py", "--checkpoint", "checkpoints/stage_3"]);
    expect(staged.code).toContain('trainer.load_checkpoint("checkpoints/stage_3", load_optimizer=True)');
    expect(staged.code).toContain("range(4,");
    expect(
      buildResumeCommand({
        trainer: "step-folder",
        checkpoint: "/d/checkpoints/step_50",
        command: "python main_native_dapo.py",
      }).argv,
    ).toEqual(["python", "main_native_dapo.py", "--resume_from_checkpoint", "/d/checkpoints/step_50"]);
    expect(
      buildResumeCommand({
        trainer: "verl",
        checkpoint: "/c/global_step_40",
        command: "python -m verl.trainer.main_ppo a=1",
      }).argv,
    ).toEqual([
      "python",
      "-m",
      "verl.trainer.main_ppo",
      "a=1",
      "trainer.resume_mode=resume_path",
      "trainer.resume_from_path=/c/global_step_40",
    ]);
    expect(
      buildResumeCommand({ trainer: "megatron", checkpoint: "/c/iter_0000040", loadDir: "/c", step: 40 })
        .argv,
    ).toEqual(["--load", "/c", "--ckpt-step", "40"]);
    expect(buildResumeCommand({ trainer: "torchtitan", checkpoint: "/c/step-40", step: 40 }).argv).toEqual([
      "--checkpoint.load_step",
      "40",
    ]);
    expect(() => buildResumeCommand({ trainer: "nope" as "hf", checkpoint: "/x" })).toThrow(
      expect.objectContaining({ code: "UNKNOWN_TRAINER" }),
    );
  });
});

describe("AReaL save cadence", () => {
  it("freq_steps alone saves every N-th step", () => {
    expect(saveSteps({ freqSteps: 50 }, { stepsPerEpoch: 935, totalSteps: 200 })).toEqual([49, 99, 149, 199]);
  });

  it("freq_epochs alone saves at the last step of each epoch", () => {
    expect(saveSteps({ freqEpochs: 1 }, { stepsPerEpoch: 10, totalSteps: 30 })).toEqual([9, 19, 29]);
    expect(saveSteps({ freqEpochs: 2 }, { stepsPerEpoch: 10, totalSteps: 40 })).toEqual([19, 39]);
  });

  it("epoch and step controls are independent and OR-combined (each resets only itself)", () => {
    // freq_steps 4 and freq_epochs 1 with 6 steps per epoch: steps 3, 5 (epoch end), 7, 11 (both), 15, 17, ...
    expect(saveSteps({ freqEpochs: 1, freqSteps: 4 }, { stepsPerEpoch: 6, totalSteps: 18 })).toEqual([
      3, 5, 7, 11, 15, 17,
    ]);
  });

  it("freq_secs uses the injected clock; nothing configured never saves", () => {
    const c = createSaveCadence({ freqSecs: 3600 }, { startTime: 0 });
    const ticks = [10, 3599, 3600, 3700, 7300].map((now) => c.check({ epochs: 0, steps: 1, now }));
    expect(ticks).toEqual([false, false, true, false, true]);
    const never = createSaveCadence({ freqEpochs: null, freqSteps: null, freqSecs: null });
    expect([1, 2, 3].map(() => never.check({ epochs: 1, steps: 1, now: 1e9 }))).toEqual([
      false,
      false,
      false,
    ]);
    expect(cadenceWarnings({})[0]).toContain("nothing is ever saved");
    expect(cadenceWarnings({ freqEpochs: 1, freqSecs: 3600 })).toEqual([]);
  });

  it("rejects invalid frequencies", () => {
    expect(() => saveSteps({ freqSteps: 0 }, { stepsPerEpoch: 1, totalSteps: 1 })).toThrow(
      expect.objectContaining({ code: "INVALID_INPUT" }),
    );
  });
});
