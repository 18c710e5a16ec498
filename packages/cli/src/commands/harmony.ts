import {
  conversationFromJSON,
  type ParseMode,
  parseMessagesFromText,
  type RenderConfig,
  type Role,
  renderConversation,
  renderConversationForCompletion,
  renderConversationForTraining,
  roleSchema,
} from "@rlops/harmony-format";
import type { Command } from "commander";
import { action, EXIT, ExitError, examples, printJson, readStdin } from "../cli-kit.js";

const RENDER_KINDS = ["completion", "training", "conversation"] as const;
type RenderKind = (typeof RENDER_KINDS)[number];
const MODES = ["tolerant", "strict", "lenient"] as const;

function choice<T extends string>(flag: string, allowed: readonly T[]): (value: string) => T {
  return (value: string) => {
    if (!(allowed as readonly string[]).includes(value))
      throw new ExitError(
        EXIT.BAD_INPUT,
        "BAD_FLAG",
        `${flag} expects one of ${allowed.join(", ")}, got "${value}"`,
      );
    return value as T;
  };
}

function roleOption(flag: string): (value: string) => Role {
  return (value: string) => {
    const parsed = roleSchema.safeParse(value);
    if (!parsed.success)
      throw new ExitError(
        EXIT.BAD_INPUT,
        "BAD_FLAG",
        `${flag} expects one of user, assistant, system, developer, tool, got "${value}"`,
      );
    return parsed.data;
  };
}

function parseTokenArray(text: string): number[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new ExitError(
      EXIT.BAD_INPUT,
      "INVALID_INPUT",
      `stdin: expected a JSON array of token ids (${(cause as Error).message})`,
    );
  }
  if (!Array.isArray(value))
    throw new ExitError(EXIT.BAD_INPUT, "INVALID_INPUT", "stdin: expected a JSON array of token ids");
  const index = value.findIndex((item) => typeof item !== "number" || !Number.isInteger(item) || item < 0);
  if (index >= 0)
    throw new ExitError(
      EXIT.BAD_INPUT,
      "INVALID_INPUT",
      `stdin[${index}]: expected a non-negative integer token id, got ${JSON.stringify(value[index])}`,
    );
  return value as number[];
}

interface RenderFlags {
  for: RenderKind;
  nextRole: Role;
  autoDropAnalysis?: boolean;
  tokens?: boolean;
  schemaMode: "compat" | "improved";
  prefillChannel?: string;
}

interface ParseFlags {
  role?: Role;
  mode: ParseMode;
  tokens?: boolean;
}

/** Registers `rlops harmony render|parse`. */
export function register(program: Command): void {
  const harmony = program
    .command("harmony")
    .description(
      "Render and parse OpenAI harmony (gpt-oss) conversations, identical to openai/harmony v0.0.8",
    );

  const render = harmony
    .command("render")
    .description("Render a conversation (wire JSON on stdin) to harmony text, or token ids with --tokens")
    .option(
      "--for <kind>",
      `what to render: ${RENDER_KINDS.join(" | ")}`,
      choice("--for", RENDER_KINDS),
      "completion",
    )
    .option(
      "--next-role <role>",
      "role of the next turn (for completion)",
      roleOption("--next-role"),
      "assistant",
    )
    .option(
      "--auto-drop-analysis",
      "drop analysis before the first final message (Python default; Rust: off)",
    )
    .option(
      "--schema-mode <mode>",
      "JSON Schema → TypeScript: compat | improved",
      choice("--schema-mode", ["compat", "improved"] as const),
      "compat",
    )
    .option("--prefill-channel <channel>", "completion only: open this channel after <|start|>{role}")
    .option("--tokens", "write a JSON array of o200k_harmony token ids instead of text")
    .action(
      action(async (flags: RenderFlags) => {
        const input = await readStdin();
        if (input.trim() === "")
          throw new ExitError(EXIT.BAD_INPUT, "INVALID_INPUT", "stdin is empty: expected conversation JSON");
        const conversation = conversationFromJSON(input);
        const config: RenderConfig = {
          autoDropAnalysis: flags.autoDropAnalysis === true,
          schemaMode: flags.schemaMode,
        };
        if (flags.prefillChannel !== undefined) {
          if (flags.for !== "completion")
            throw new ExitError(
              EXIT.BAD_INPUT,
              "BAD_FLAG",
              "--prefill-channel only applies to --for completion",
            );
          config.prefillChannel = flags.prefillChannel;
        }
        if (flags.tokens) {
          const tokens = await import("@rlops/harmony-format/tokens");
          const ids =
            flags.for === "completion"
              ? tokens.renderConversationForCompletionTokens(conversation, flags.nextRole, config)
              : flags.for === "training"
                ? tokens.renderConversationForTrainingTokens(conversation, config)
                : tokens.renderConversationTokens(conversation, config);
          process.stdout.write(`${JSON.stringify(ids)}\n`);
          return EXIT.OK;
        }
        const text =
          flags.for === "completion"
            ? renderConversationForCompletion(conversation, flags.nextRole, config)
            : flags.for === "training"
              ? renderConversationForTraining(conversation, config)
              : renderConversation(conversation, config);
        process.stdout.write(text);
        return EXIT.OK;
      }),
    );
  examples(render, [
    `echo '{"messages":[{"role":"user","content":"What is 2 + 2?"}]}' | rlops harmony render`,
    "rlops harmony render --for training --auto-drop-analysis < convo.json",
    "rlops harmony render --tokens < convo.json",
  ]);

  const parse = harmony
    .command("parse")
    .description(
      'Parse a completion (text, or token ids with --tokens) into {"messages":[...],"diagnostics":[...]}',
    )
    .option(
      "--role <role>",
      "role the completion starts with (the prompt ended with <|start|>{role})",
      roleOption("--role"),
    )
    .option(
      "--mode <mode>",
      "tolerant (never fails, reports diagnostics) | strict | lenient (the reference's parsers)",
      choice("--mode", MODES),
      "tolerant",
    )
    .option("--tokens", "stdin is a JSON array of token ids")
    .action(
      action(async (flags: ParseFlags) => {
        const input = await readStdin();
        const options = { mode: flags.mode, ...(flags.role ? { role: flags.role } : {}) };
        if (flags.tokens) {
          const ids = parseTokenArray(input);
          const { parseMessagesFromTokens } = await import("@rlops/harmony-format/tokens");
          printJson(parseMessagesFromTokens(ids, options));
          return EXIT.OK;
        }
        printJson(parseMessagesFromText(input, options));
        return EXIT.OK;
      }),
    );
  examples(parse, [
    "rlops harmony parse --role assistant < completion.txt",
    "rlops harmony parse --mode strict < completion.txt",
    "echo '[200005,17196,200008,24912,200002]' | rlops harmony parse --tokens --role assistant",
  ]);
}
