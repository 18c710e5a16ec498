import { Command } from "commander";
import { examples } from "./cli-kit.js";
import { VERSION, wantsVersion } from "./version.js";

/** A command group: registers its subcommands on the program. */
export interface CommandGroup {
  register(program: Command): void;
}

/**
 * Every top-level command, loaded on demand: `rlops ckpt latest` imports only the `ckpt` group (and what
 * it needs), never the reward tokenizer or the report renderers. The order is the order of `--help`.
 */
export const COMMAND_GROUPS: Readonly<Record<string, () => Promise<CommandGroup>>> = {
  report: () => import("./commands/report.js"),
  watch: () => import("./commands/watch.js"),
  ckpt: () => import("./commands/ckpt.js"),
  harmony: () => import("./commands/harmony.js"),
  arc: () => import("./commands/arc.js"),
  rewards: () => import("./commands/rewards.js"),
  breaker: () => import("./commands/breaker.js"),
  recover: () => import("./commands/recover.js"),
  init: () => import("./commands/init.js"),
  bridge: () => import("./commands/bridge.js"),
};

/** The `rlops` program without any command group: name, version, help text. */
export function baseProgram(): Command {
  const program = new Command("rlops")
    .description("Tooling around LLM RL runs: checkpoints, harmony, ARC, rewards, breakers and recovery.")
    .version(VERSION, "-V, --version");
  examples(program, [
    "rlops report                      # the bundled example run, with an HTML report",
    "rlops report ./outputs --html report.html",
    "rlops init",
    "rlops <command> --help",
  ]);
  program.addHelpText(
    "after",
    "\nExit codes:\n  0 ok · 1 nothing found · 2 bad input · 3 stop · 4 rollback · 70 internal error\n" +
      "Errors print one line `rlops: <code>: <message>`, plus a `hint:` line when there is one;\n" +
      "every code is listed in the @rlops/cli README.\n" +
      "Colour follows NO_COLOR / FORCE_COLOR and is off when output is not a terminal.\n",
  );
  return program;
}

/**
 * The program for one command line, loading only the command group it names: the named group for
 * `rlops <group> …`, none for `rlops --version`, every group otherwise (top-level help, unknown
 * commands: so commander lists them all).
 */
export async function programFor(argv: readonly string[]): Promise<Command> {
  const program = baseProgram();
  if (wantsVersion(argv)) return program;
  const first = argv[2];
  const names =
    first !== undefined && Object.hasOwn(COMMAND_GROUPS, first) ? [first] : Object.keys(COMMAND_GROUPS);
  const groups = await Promise.all(
    names.map((name) => (COMMAND_GROUPS[name] as () => Promise<CommandGroup>)()),
  );
  for (const group of groups) group.register(program);
  return program;
}
