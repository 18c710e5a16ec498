// Shared by the end-to-end tests: runs the BUILT `rlops` binary as a subprocess.
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";

/** Path of the built CLI entry (`pnpm --filter @rlops/cli build` first). */
export const BIN = resolve(import.meta.dirname, "../dist/bin.js");

/** Result of one `rlops` run. */
export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `rlops ...args` with colour off, optional stdin, and a 60 s limit. */
export function rlops(args: string[], input?: string): Run {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    encoding: "utf8",
    input,
    env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "" },
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
