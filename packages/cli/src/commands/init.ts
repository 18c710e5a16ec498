import { lstat, mkdir, rename, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { loadBreakerConfig } from "@rlops/recovery";
import { loadRewardSpec } from "@rlops/rewards";
import type { Command } from "commander";
import { action, examples, printJson } from "../cli-kit.js";
import { CliError } from "../errors.js";
import { breakerTemplate, rewardSpecTemplate } from "../init/templates.js";

interface InitFlags {
  dir: string;
  force?: boolean;
  rewardMetric?: string;
  lossMetric?: string;
  json?: boolean;
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}

/** Registers the `rlops init` command(s). */
export function register(program: Command): void {
  const command = program
    .command("init")
    .description(
      "Write commented starter files: reward-spec.yaml and breaker.yaml (they validate as written).",
    )
    .option("--dir <dir>", "folder to write them in", ".")
    .option("--reward-metric <name>", "reward metric the breaker watches", "reward")
    .option("--loss-metric <name>", "loss metric for the non-finite and spike rules", "loss")
    .option("--force", "overwrite existing files")
    .option("--json", "print what was written as JSON")
    .action(
      action(async (flags: InitFlags) => {
        const dir = resolve(flags.dir);
        const files = [
          { name: "reward-spec.yaml", text: rewardSpecTemplate() },
          {
            name: "breaker.yaml",
            text: breakerTemplate({
              ...(flags.rewardMetric ? { rewardMetric: flags.rewardMetric } : {}),
              ...(flags.lossMetric ? { lossMetric: flags.lossMetric } : {}),
            }),
          },
        ].map((f) => ({ ...f, path: join(dir, f.name) }));
        // The files must validate as written: a bad --reward-metric or --loss-metric fails here, before any write.
        loadRewardSpec(files[0]!.text);
        loadBreakerConfig(files[1]!.text, "breaker.yaml");
        if (!flags.force)
          for (const file of files)
            if (await exists(file.path))
              throw new CliError({
                code: "FILE_EXISTS",
                message: `${file.path} already exists`,
                details: { hint: "pass --force to overwrite it", exitCode: 2 },
              });
        await mkdir(dir, { recursive: true });
        for (const file of files) {
          const temp = `${file.path}.${process.pid}.tmp`;
          try {
            await writeFile(temp, file.text);
            await rename(temp, file.path);
          } catch (cause) {
            throw new CliError({
              code: "WRITE_FAILED",
              message: `${file.path}: ${(cause as Error).message}`,
              cause,
            });
          }
        }
        if (flags.json) printJson({ written: files.map((f) => f.path) });
        else {
          for (const file of files) process.stdout.write(`wrote ${file.path}\n`);
          process.stdout.write(
            "next: rlops rewards check --spec reward-spec.yaml; rlops breaker check --config breaker.yaml <metrics.jsonl>\n",
          );
        }
      }),
    );
  examples(command, [
    "rlops init",
    "rlops init --dir configs --reward-metric grpo_actor/task_reward/avg --loss-metric grpo_actor/actor_loss",
    "rlops init --force --json",
  ]);
}
