import { createReadStream, renameSync, rmSync, writeFileSync } from "node:fs";
import { type BatchSummary, createScorer, KIND_NAMES, rewardSpecJsonSchema } from "@rlops/rewards";
import {
  createRewardServer,
  DEFAULT_PORT,
  loadRewardSpecFile,
  type RewardServerLimitsInput,
  rewardServerOptionsSchema,
  scoreJsonl,
} from "@rlops/rewards/node";
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
  workers?: number;
  groupSize?: number;
  maxBodyBytes?: number;
  maxConcurrency?: number;
  maxSamples?: number;
  headersTimeoutMs?: number;
  timeoutMs?: number;
  minBodyRate?: number;
  quiet?: boolean;
}

/** `serve` flags → server options; the server's schema checks every bound, errors name the flag. */
const SERVE_FLAGS: [keyof ServeFlags, keyof RewardServerLimitsInput, string][] = [
  ["port", "port", "--port"],
  ["host", "host", "--host"],
  ["workers", "workers", "--workers"],
  ["groupSize", "groupSize", "--group-size"],
  ["maxBodyBytes", "maxBodyBytes", "--max-body-bytes"],
  ["maxConcurrency", "maxConcurrency", "--max-concurrency"],
  ["maxSamples", "maxSamples", "--max-samples"],
  ["headersTimeoutMs", "headersTimeoutMs", "--headers-timeout-ms"],
  ["timeoutMs", "bodyTimeoutMs", "--timeout-ms"],
  ["minBodyRate", "minBodyBytesPerSecond", "--min-body-rate"],
];

function serveOptions(flags: ServeFlags): RewardServerLimitsInput {
  const options: Record<string, unknown> = { log: !flags.quiet };
  for (const [flag, key] of SERVE_FLAGS) if (flags[flag] !== undefined) options[key] = flags[flag];
  const parsed = rewardServerOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = SERVE_FLAGS.find(([, key]) => key === issue.path[0])?.[2] ?? String(issue.path[0]);
    throw new ExitError(EXIT.BAD_INPUT, "BAD_FLAG", `${name}: ${issue.message}`);
  }
  return options as RewardServerLimitsInput;
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

/** `rlops rewards serve`: the HTTP reward server until SIGINT/SIGTERM. */
async function serve(flags: ServeFlags): Promise<number> {
  const server = createRewardServer({
    spec: createScorer(loadRewardSpecFile(flags.spec)),
    ...serveOptions(flags),
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
        intOption("--group-size", 1),
      )
      .option(
        "--batch-size <n>",
        "records per optimizer batch, a multiple of the group size (group statistics, summary); default: the whole input (up to 1,000,000 records)",
        intOption("--batch-size", 1),
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

  registerServe(rewards);
  registerSpecCommands(rewards);
}

function registerServe(rewards: Command): void {
  examples(
    rewards
      .command("serve")
      .description(
        "HTTP reward server: POST /get_reward (OpenRLHF), POST /score, POST /reward, GET /healthz, GET /version, GET /spec; one log line per request on stderr",
      )
      .requiredOption("--spec <file>", "reward spec (YAML or JSON)")
      .option(
        "--port <n>",
        `port (default ${DEFAULT_PORT}; 0 = any free port)`,
        intOption("--port"),
        DEFAULT_PORT,
      )
      .option("--host <host>", "interface to bind (loopback by default)", "127.0.0.1")
      .option(
        "--workers <n>",
        "scoring threads (default: one per core; 0 = score in the server thread)",
        intOption("--workers"),
      )
      .option(
        "--group-size <n>",
        "default group size for /score (/get_reward and /reward never group)",
        intOption("--group-size"),
      )
      .option(
        "--max-body-bytes <n>",
        "largest request body (default 32 MiB) → 413",
        intOption("--max-body-bytes"),
      )
      .option(
        "--max-concurrency <n>",
        "requests admitted at once before 503 (default 64)",
        intOption("--max-concurrency"),
      )
      .option(
        "--max-samples <n>",
        "most samples in one request (default 65536) → 413",
        intOption("--max-samples"),
      )
      .option(
        "--headers-timeout-ms <n>",
        "time to receive the headers (default 30000) → 408",
        intOption("--headers-timeout-ms"),
      )
      .option(
        "--timeout-ms <n>",
        "time to receive a request body (default 30000) → 408",
        intOption("--timeout-ms"),
      )
      .option(
        "--min-body-rate <n>",
        "slowest accepted body upload in bytes/s after 5 s (default 65536; 0 = off) → 408",
        intOption("--min-body-rate"),
      )
      .option("--quiet", "no request log on stderr")
      .action(action(serve)),
    [
      `rlops rewards serve --spec spec.yaml            # http://127.0.0.1:${DEFAULT_PORT}`,
      "rlops rewards serve --spec spec.yaml --port 0 --workers 4 --group-size 8",
    ],
  );
}

function registerSpecCommands(rewards: Command): void {
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
