import type { Command } from "commander";
import { serveBridge } from "../bridge/serve.js";
import { action, EXIT, examples } from "../cli-kit.js";

/** Registers `rlops bridge`: the JSON-lines stdio protocol used by the Python package `rlops`. */
export function register(program: Command): void {
  examples(
    program
      .command("bridge")
      .description(
        "Serve the rlops bridge protocol on stdio (JSON lines: hello, rewards.*, breaker.*, checkpoints.select, recover.plan); exits 0 on stdin EOF.",
      )
      .action(
        action(async () => {
          await serveBridge(process.stdin, process.stdout);
          return EXIT.OK;
        }),
      ),
    [
      `echo '{"id":1,"method":"hello","params":{"protocol":1}}' | rlops bridge`,
      "python -c 'import rlops.rewards'   # the Python package starts `rlops bridge` itself",
    ],
  );
}
