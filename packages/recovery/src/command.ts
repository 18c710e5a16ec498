import * as z from "zod";
import { RecoveryError } from "./errors.js";

/** Trainers with a resume-command builder. `trl` is an alias of `hf`. */
export const trainerSchema = z.enum([
  "hf",
  "trl",
  "areal",
  "tinker",
  "staged",
  "step-folder",
  "verl",
  "megatron",
  "torchtitan",
  "olmo",
  "lightning",
]);
/** See {@link trainerSchema}. */
export type Trainer = z.infer<typeof trainerSchema>;

const SAFE_WORD = /^[A-Za-z0-9_\-.,/:=@%+]+$/;
const ENV_ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

/** POSIX-shell quotes one argument (single quotes; `'` becomes `'\''`). Safe words are left bare. */
export function shellQuote(arg: string): string {
  if (arg !== "" && SAFE_WORD.test(arg)) return arg;
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** Quotes a whole argv; leading `NAME=value` environment assignments keep their name unquoted. */
export function shellJoin(argv: readonly string[]): string {
  let inEnv = true;
  return argv
    .map((arg) => {
      if (inEnv && ENV_ASSIGNMENT.test(arg)) {
        const eq = arg.indexOf("=");
        const value = arg.slice(eq + 1);
        return `${arg.slice(0, eq + 1)}${value === "" ? "" : shellQuote(value)}`;
      }
      inEnv = false;
      return shellQuote(arg);
    })
    .join(" ");
}

function commandError(message: string, offset: number): RecoveryError {
  return new RecoveryError({
    code: "INVALID_COMMAND",
    message: `command line at offset ${offset}: ${message}`,
    details: { offset },
  });
}

/**
 * Splits a POSIX shell command line into argv: single and double quotes, backslash escapes,
 * backslash-newline continuations and `#` comments. Refuses what it cannot reproduce exactly:
 * `$` expansions, backticks, pipes, redirections, `;`, `&` and sub-shells (`INVALID_COMMAND`).
 */
export function parseCommandLine(text: string): string[] {
  const argv: string[] = [];
  let word = "";
  let inWord = false;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (c === "\\") {
      if (i + 1 >= n) throw commandError("dangling backslash", i);
      const next = text[i + 1]!;
      if (next === "\n") {
        i += 2;
        continue;
      }
      if (next === "\r" && text[i + 2] === "\n") {
        i += 3;
        continue;
      }
      word += next;
      inWord = true;
      i += 2;
      continue;
    }
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      if (inWord) argv.push(word);
      word = "";
      inWord = false;
      i++;
      continue;
    }
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end === -1) throw commandError("unterminated single quote", i);
      word += text.slice(i + 1, end);
      inWord = true;
      i = end + 1;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      for (;;) {
        if (j >= n) throw commandError("unterminated double quote", i);
        const d = text[j]!;
        if (d === '"') break;
        if (d === "$" || d === "`")
          throw commandError(`"${d}" expansion inside double quotes is not supported`, j);
        if (d === "\\" && j + 1 < n && '$`"\\\n'.includes(text[j + 1]!)) {
          if (text[j + 1] !== "\n") word += text[j + 1];
          j += 2;
          continue;
        }
        word += d;
        j++;
      }
      inWord = true;
      i = j + 1;
      continue;
    }
    if (c === "#" && !inWord) {
      const end = text.indexOf("\n", i);
      i = end === -1 ? n : end;
      continue;
    }
    if ("$`|&;<>()".includes(c))
      throw commandError(`unsupported shell syntax "${c}" (expand variables and remove pipes first)`, i);
    word += c;
    inWord = true;
    i++;
  }
  if (inWord) argv.push(word);
  if (argv.length === 0) throw commandError("empty command", 0);
  return argv;
}

/** Index of the first argument after the training script / module (flags before it belong to launchers). */
function argsStart(argv: readonly string[]): number {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (/\.py$/.test(a) && !a.startsWith("-")) return i + 1;
  }
  for (let i = 0; i < argv.length - 1; i++) if (argv[i] === "-m") return i + 2;
  let i = 0;
  while (i < argv.length && ENV_ASSIGNMENT.test(argv[i]!)) i++;
  return Math.min(i + 1, argv.length);
}

/** Sets `--flag value` (or replaces `--flag=value` / an existing value) after the script; appends if absent. */
function setFlag(argv: readonly string[], flag: string, value: string | null): string[] {
  const start = argsStart(argv);
  const out = argv.slice(0, start);
  let placed = false;
  for (let i = start; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === flag) {
      const hasValue = i + 1 < argv.length && !argv[i + 1]!.startsWith("--");
      if (hasValue) i++;
      if (!placed) out.push(...(value === null ? [flag] : [flag, value]));
      placed = true;
      continue;
    }
    if (a.startsWith(`${flag}=`)) {
      if (!placed) out.push(...(value === null ? [flag] : [flag, value]));
      placed = true;
      continue;
    }
    out.push(a);
  }
  if (!placed) out.push(...(value === null ? [flag] : [flag, value]));
  return out;
}

/** Sets a Hydra/OmegaConf-style `key=value` override (also replaces `+key=` / `++key=`); appends if absent. */
function setOverride(argv: readonly string[], key: string, value: string): string[] {
  const start = argsStart(argv);
  const out = argv.slice(0, start);
  let placed = false;
  for (let i = start; i < argv.length; i++) {
    const a = argv[i]!;
    const bare = a.replace(/^\+{1,2}/, "");
    if (bare.startsWith(`${key}=`)) {
      if (!placed) out.push(`${key}=${value}`);
      placed = true;
      continue;
    }
    out.push(a);
  }
  if (!placed) out.push(`${key}=${value}`);
  return out;
}

function hasFlag(argv: readonly string[], flag: string): boolean {
  const start = argsStart(argv);
  return argv.slice(start).some((a) => a === flag || a.startsWith(`${flag}=`));
}

function overrideValue(argv: readonly string[], key: string): string | undefined {
  for (const a of argv) {
    const bare = a.replace(/^\+{1,2}/, "");
    if (bare.startsWith(`${key}=`)) return bare.slice(key.length + 1);
  }
  return undefined;
}

/** Options of {@link buildResumeCommand}. */
export interface ResumeCommandOptions {
  trainer: Trainer;
  /** Checkpoint to resume from: a directory/file path, or a `tinker://` URI for Tinker. */
  checkpoint: string;
  /** Step of that checkpoint (Megatron `--ckpt-step`, torchtitan `--checkpoint.load_step`, staged stage). */
  step?: number | undefined;
  /** The original command line (string, parsed with {@link parseCommandLine}) or argv. */
  command?: string | readonly string[] | undefined;
  /** AReaL: experiment name (else kept from the original command). */
  experimentName?: string | undefined;
  /** AReaL: trial name, e.g. the new recovery trial (else kept from the original command). */
  trialName?: string | undefined;
  /** Megatron: the `--load` directory (the run's checkpoint root). */
  loadDir?: string | undefined;
  /** Override of the resume flag (`--resume_from_checkpoint`, `--checkpoint_path`, …). */
  resumeFlag?: string | undefined;
  /**
   * HF/TRL: the resumed run's `--output_dir` (the recovery folder): replaced when the original
   * command sets one, added to the flags when there is no original command, else a note.
   */
  outputDir?: string | undefined;
}

/** A resume command: argv (JSON) and the POSIX-quoted line. */
export interface ResumeCommand {
  trainer: Trainer;
  /** Full argv when built from an original command, else only the arguments to add. */
  argv: string[];
  /** `argv` shell-quoted. */
  command: string;
  /** True when `argv` is a complete command (built from the original command line). */
  complete: boolean;
  /** Python to run instead of / in addition to a command (Tinker `load_state`, the staged trainer). */
  code?: string;
  /** What the builder did and what the user must know. */
  notes: string[];
}

function pyString(s: string): string {
  return JSON.stringify(s);
}

/**
 * Builds the exact resume command for a trainer from the original command line (flags replaced
 * idempotently, launcher flags such as torchrun's kept) — or, without one, the arguments to add.
 */
export function buildResumeCommand(options: ResumeCommandOptions): ResumeCommand {
  const trainer = trainerSchema.safeParse(options.trainer);
  if (!trainer.success)
    throw new RecoveryError({
      code: "UNKNOWN_TRAINER",
      message: `unknown trainer "${String(options.trainer)}" (expected one of ${trainerSchema.options.join(", ")})`,
    });
  if (typeof options.checkpoint !== "string" || options.checkpoint === "")
    throw new RecoveryError({
      code: "INVALID_INPUT",
      message: "buildResumeCommand: checkpoint must be a non-empty string",
    });
  const original =
    options.command === undefined
      ? null
      : typeof options.command === "string"
        ? parseCommandLine(options.command)
        : [...options.command];
  let argv: string[] = original ?? [];
  const notes: string[] = [];
  let code: string | undefined;
  const ckpt = options.checkpoint;
  const needStep = (what: string): number => {
    if (options.step === undefined || !Number.isInteger(options.step) || options.step < 0)
      throw new RecoveryError({ code: "INVALID_INPUT", message: `${what} needs the checkpoint step` });
    return options.step;
  };
  switch (trainer.data) {
    case "hf":
    case "trl": {
      const flag =
        options.resumeFlag ??
        (original && hasFlag(original, "--checkpoint_path")
          ? "--checkpoint_path"
          : "--resume_from_checkpoint");
      argv = setFlag(argv, flag, ckpt);
      if (options.outputDir !== undefined) {
        if (!original || hasFlag(original, "--output_dir"))
          argv = setFlag(argv, "--output_dir", options.outputDir);
        else
          notes.push(
            `the command sets no --output_dir: make the trainer write its new checkpoints to ${options.outputDir}, not into the original run folder`,
          );
      }
      notes.push(`${flag} points at ${ckpt}; launcher flags (torchrun, accelerate) are kept as given`);
      break;
    }
    case "areal": {
      const experiment =
        options.experimentName ?? (original ? overrideValue(original, "experiment_name") : undefined);
      const trial = options.trialName ?? (original ? overrideValue(original, "trial_name") : undefined);
      if (experiment === undefined || trial === undefined)
        throw new RecoveryError({
          code: "INVALID_INPUT",
          message:
            "areal resume needs experiment_name and trial_name (pass them or an original command that sets them)",
        });
      argv = setOverride(argv, "experiment_name", experiment);
      argv = setOverride(argv, "trial_name", trial);
      argv = setOverride(argv, "recover.mode", "auto");
      notes.push(
        `AReaL loads recover_checkpoint/ of trial "${trial}" and restarts at global_step + 1; parallelism must match the original run`,
      );
      break;
    }
    case "tinker": {
      if (!ckpt.startsWith("tinker://"))
        throw new RecoveryError({
          code: "INVALID_INPUT",
          message: `tinker resume needs a tinker:// state URI, got "${ckpt}"`,
        });
      code = `training_client.load_state(${pyString(ckpt)})`;
      if (original) {
        argv = hasFlag(original, "--load_checkpoint_path")
          ? setFlag(argv, "--load_checkpoint_path", ckpt)
          : setOverride(argv, "load_checkpoint_path", ckpt);
      } else argv = [`load_checkpoint_path=${ckpt}`];
      notes.push(
        "use the full-state URI (save_state), not a sampler-weights URI; base model and LoRA rank must match",
      );
      break;
    }
    case "staged": {
      const flag = options.resumeFlag ?? "--checkpoint";
      argv = setFlag(argv, flag, ckpt);
      const stage = options.step;
      code =
        `trainer.load_checkpoint(${pyString(ckpt)}, load_optimizer=True)` +
        (stage === undefined
          ? ""
          : `\n# continue with stage ${stage + 1}: for stage_id in range(${stage + 1}, last + 1): trainer.train_stage(stage_id, problems)`);
      break;
    }
    case "step-folder": {
      const flag = options.resumeFlag ?? "--resume_from_checkpoint";
      argv = setFlag(argv, flag, ckpt);
      break;
    }
    case "verl": {
      argv = setOverride(argv, "trainer.resume_mode", "resume_path");
      argv = setOverride(argv, "trainer.resume_from_path", ckpt);
      notes.push("verl parses the step from the global_step_N folder name and resumes at N + 1");
      break;
    }
    case "megatron": {
      const step = needStep("megatron resume");
      argv = setFlag(argv, "--load", options.loadDir ?? ckpt);
      argv = setFlag(argv, "--ckpt-step", String(step));
      break;
    }
    case "torchtitan": {
      const step = needStep("torchtitan resume");
      argv = setFlag(argv, "--checkpoint.load_step", String(step));
      break;
    }
    case "olmo": {
      argv = setFlag(argv, options.resumeFlag ?? "--load_path", ckpt);
      break;
    }
    case "lightning": {
      argv = setFlag(argv, options.resumeFlag ?? "--ckpt_path", ckpt);
      break;
    }
  }
  if (!original) notes.push("no original command given: argv holds only the arguments to add to it");
  const result: ResumeCommand = {
    trainer: trainer.data,
    argv,
    command: shellJoin(argv),
    complete: original !== null,
    notes,
  };
  if (code !== undefined) result.code = code;
  return result;
}
