import { createReadStream, renameSync, rmSync, writeFileSync } from "node:fs";
import { type BatchSummary, createScorer, KIND_NAMES, rewardSpecJsonSchema } from "@rlops/rewards";
import { createRewardServer, loadRewardSpecFile, scoreJsonl } from "@rlops/rewards/node";
import type { Command } from "commander";
import { action, EXIT, ExitError, examples, intOption, printJson } from "../cli-kit.js";

interface ScoreFlags {
  spec: string;
  groupSize?: number;
  batchSize?: number;
  input?: string;
  summary?: string | true;
}

interface ServeFlags {
  spec: string;
  port: number;
  host: string;
  groupSize?: number;
  maxBodyBytes?: number;
  maxConcurrency?: number;
  timeoutMs?: number;
}

function positive(flag: string): (value: string) => number {
  const parse = intOption(flag);
  return (value: string) => {
    const n = parse(value);
    if (n <= 0)
      throw new ExitError(EXIT.BAD_INPUT, "BAD_FLAG", `${flag} expects a positive integer, got "${value}"`);
    return n;
  };
}

async function write(text: string): Promise<void> {
  if (!process.stdout.write(text))
    await new Promise<void>((resolve) => process.stdout.once("drain", () => resolve()));
}

/** Output lines gathered into ~1 MiB writes (one syscall per chunk, not per record). */
class BatchedWriter {
  #parts: string[] = [];
  #size = 0;
  async line(text: string): Promise<void> {
    this.#parts.push(text);
    this.#size += text.length + 1;
    if (this.#size >= 1 << 20) await this.flush();
  }
  async flush(): Promise<void> {
    if (this.#parts.length === 0) return;
    const text = `${this.#parts.join("\n")}\n`;
    this.#parts = [];
    this.#size = 0;
    await write(text);
  }
}

/** Writes the summaries to `path` as JSONL in one step (temp file + rename: never a partial file). */
function writeSummaries(path: string, summaries: BatchSummary[]): void {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, summaries.map((summary) => `${JSON.stringify({ summary })}\n`).join(""));
    renameSync(tmp, path);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw new ExitError(
      EXIT.BAD_INPUT,
      "WRITE_FAILED",
      `cannot write the summary to ${path}: ${(error as Error).message}`,
    );
  }
}

async function score(flags: ScoreFlags): Promise<number> {
  const scorer = createScorer(loadRewardSpecFile(flags.spec));
  const input = flags.input ? createReadStream(flags.input, { highWaterMark: 1 << 20 }) : process.stdin;
  const out = new BatchedWriter();
  const summaries: BatchSummary[] = [];
  const options = {
    ...(flags.groupSize !== undefined ? { groupSize: flags.groupSize } : {}),
    ...(flags.batchSize !== undefined ? { batchSize: flags.batchSize } : {}),
    ...(flags.summary !== undefined ? { onSummary: (s: BatchSummary) => summaries.push(s) } : {}),
  };
  for await (const result of scoreJsonl(scorer, input, options)) {
    if (flags.summary === true && summaries.length > 0) {
      // the previous batch's summary follows its records
      for (const summary of summaries.splice(0)) await out.line(JSON.stringify({ summary }));
    }
    await out.line(JSON.stringify(result));
  }
  if (flags.summary === true) for (const summary of summaries) await out.line(JSON.stringify({ summary }));
  await out.flush();
  if (typeof flags.summary === "string") writeSummaries(flags.summary, summaries);
  return EXIT.OK;
}

/** Registers the `rlops rewards` command group. */
export function register(program: Command): void {
  const rewards = program
    .command("rewards")
    .description("Score completions with a reward spec: JSONL pipe, HTTP server, spec checks.");

  examples(
    rewards
      .command("score")
      .description(
        "JSONL in (one sample per line) → JSONL out ({id, reward, components, advantage?, kept?, diagnostics?})",
      )
      .requiredOption("--spec <file>", "reward spec (YAML or JSON)")
      .option(
        "--group-size <n>",
        "consecutive lines per group (advantages, DAPO filter)",
        positive("--group-size"),
      )
      .option(
        "--batch-size <n>",
        "records per optimizer batch, a multiple of the group size (group statistics, summary); default: the whole input (up to 1,000,000 records)",
        positive("--batch-size"),
      )
      .option(
        "--summary [file]",
        'a {"summary": …} record after each batch\'s records (TRL metric names), or all summaries to <file>',
      )
      .option("--input <file>", "read samples from a file instead of stdin")
      .action(action(score)),
    [
      "rlops rewards score --spec spec.yaml < samples.jsonl > scores.jsonl",
      "rlops rewards score --spec spec.yaml --group-size 8 --input rollouts.jsonl",
      "rlops rewards score --spec spec.yaml --group-size 8 --batch-size 256 --summary --input rollouts.jsonl",
    ],
  );

  examples(
    rewards
      .command("serve")
      .description(
        "HTTP reward server: POST /get_reward (OpenRLHF), POST /score, POST /reward, GET /healthz, GET /spec",
      )
      .requiredOption("--spec <file>", "reward spec (YAML or JSON)")
      .option("--port <n>", "port (0 = any free port)", intOption("--port"), 8000)
      .option("--host <host>", "interface to bind (loopback by default)", "127.0.0.1")
      .option(
        "--group-size <n>",
        "default group size for /score (/get_reward never groups)",
        positive("--group-size"),
      )
      .option("--max-body-bytes <n>", "largest request body (default 32 MiB)", positive("--max-body-bytes"))
      .option(
        "--max-concurrency <n>",
        "requests in flight before 503 (default 16)",
        positive("--max-concurrency"),
      )
      .option("--timeout-ms <n>", "time to receive a request (default 30000)", positive("--timeout-ms"))
      .action(
        action(async (flags: ServeFlags) => {
          const server = createRewardServer({
            spec: createScorer(loadRewardSpecFile(flags.spec)),
            host: flags.host,
            port: flags.port,
            ...(flags.groupSize !== undefined ? { groupSize: flags.groupSize } : {}),
            ...(flags.maxBodyBytes !== undefined ? { maxBodyBytes: flags.maxBodyBytes } : {}),
            ...(flags.maxConcurrency !== undefined ? { maxConcurrency: flags.maxConcurrency } : {}),
            ...(flags.timeoutMs !== undefined ? { requestTimeoutMs: flags.timeoutMs } : {}),
          });
          let address: { url: string };
          try {
            address = await server.listen();
          } catch (error) {
            throw new ExitError(
              EXIT.BAD_INPUT,
              "LISTEN_FAILED",
              `cannot listen on ${flags.host}:${flags.port}: ${(error as Error).message}`,
            );
          }
          process.stdout.write(`${JSON.stringify({ listening: address.url })}\n`);
          await new Promise<void>((resolve) => {
            const stop = () => {
              server.close().then(resolve, resolve);
            };
            process.once("SIGINT", stop);
            process.once("SIGTERM", stop);
          });
          return EXIT.OK;
        }),
      ),
    [
      "rlops rewards serve --spec spec.yaml --port 8000",
      "rlops rewards serve --spec spec.yaml --port 0 --group-size 8",
    ],
  );

  examples(
    rewards
      .command("check")
      .description("Validate a reward spec and print it with defaults applied")
      .requiredOption("--spec <file>", "reward spec (YAML or JSON)")
      .action(
        action((flags: { spec: string }) => {
          printJson(loadRewardSpecFile(flags.spec));
          return EXIT.OK;
        }),
      ),
    ["rlops rewards check --spec spec.yaml"],
  );

  examples(
    rewards
      .command("schema")
      .description("Print the JSON Schema of the reward spec")
      .action(
        action(() => {
          printJson(rewardSpecJsonSchema());
        }),
      ),
    ["rlops rewards schema > reward-spec.schema.json"],
  );

  examples(
    rewards
      .command("kinds")
      .description("List the built-in reward kinds")
      .action(
        action(() => {
          printJson(KIND_NAMES);
        }),
      ),
    ["rlops rewards kinds"],
  );
}
