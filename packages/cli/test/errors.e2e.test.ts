// One error model: every error path prints `rlops: CODE: message` (+ hint), one code per situation.
import { spawn } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, rlops } from "./helpers.js";

const tmp = join(tmpdir(), `rlops-errors-e2e-${process.pid}`);
const empty = join(tmp, "empty");
const file = join(tmp, "a-file");
const missing = join(tmp, "missing.yaml");
const LINE = /^rlops: ([A-Z_]+): [^\n]+\n(hint: [^\n]+\n)?$/;

beforeAll(() => {
  mkdirSync(empty, { recursive: true });
  writeFileSync(file, "x\n");
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function codeOf(args: string[]): { code: string | undefined; status: number | null; stderr: string } {
  const run = rlops(args);
  return { code: LINE.exec(run.stderr)?.[1], status: run.status, stderr: run.stderr };
}

describe("commander's own errors use the rlops format", () => {
  it.each([
    [["ckpt", "--bogus"], "UNKNOWN_OPTION"],
    [["ckpt", "list"], "MISSING_ARGUMENT"],
    [["ckpt", "list", "a", "b"], "TOO_MANY_ARGUMENTS"],
    [["bogus"], "UNKNOWN_COMMAND"],
    [["breaker", "check", empty], "MISSING_ARGUMENT"],
    [["report", empty, "--layout", "nope"], "BAD_FLAG"],
  ])("%j → %s, exit 2", (args, code) => {
    const r = codeOf(args);
    expect(r.stderr).toMatch(LINE);
    expect([r.code, r.status]).toEqual([code, 2]);
    expect(r.stderr).toContain("hint: run with --help for usage");
  });
});

describe("one code per situation", () => {
  it("a bad --layout is BAD_FLAG in every command", () => {
    for (const args of [
      ["report", empty, "--layout", "nope"],
      ["ckpt", "list", empty, "--layout", "nope"],
      ["recover", "plan", empty, "--layout", "nope", "--before-step", "2"],
    ])
      expect(codeOf(args)).toMatchObject({ code: "BAD_FLAG", status: 2 });
  });

  it("a missing config or spec file is PATH_NOT_FOUND in every command", () => {
    for (const args of [
      ["report", empty, "--breaker", missing],
      ["breaker", "check", "--config", missing, file],
      ["recover", "plan", empty, "--from", missing],
      ["rewards", "check", "--spec", missing],
    ])
      expect([args[0], codeOf(args).code, codeOf(args).status]).toEqual([args[0], "PATH_NOT_FOUND", 2]);
  });

  it("a missing run folder is PATH_NOT_FOUND (exit 2), not the 'nothing qualifies' code", () => {
    for (const args of [
      ["report", join(tmp, "nope")],
      ["ckpt", "list", join(tmp, "nope")],
    ])
      expect(codeOf(args)).toMatchObject({ code: "PATH_NOT_FOUND", status: 2 });
  });

  it("an empty run folder is NOTHING_FOUND (exit 1) everywhere", () => {
    for (const args of [
      ["report", empty],
      ["ckpt", "list", empty],
      ["ckpt", "latest", empty],
      ["recover", "plan", empty, "--before-step", "5"],
    ])
      expect([args.slice(0, 2), codeOf(args).code, codeOf(args).status]).toEqual([
        args.slice(0, 2),
        "NOTHING_FOUND",
        1,
      ]);
  });

  it("file/dir mix-ups are typed bad input, never INTERNAL (exit 70)", () => {
    expect(codeOf(["rewards", "check", "--spec", empty])).toMatchObject({ code: "NOT_A_FILE", status: 2 });
    expect(codeOf(["init", "--dir", file])).toMatchObject({ code: "NOT_A_DIRECTORY", status: 2 });
    expect(codeOf(["report", file])).toMatchObject({ code: "NOT_A_DIRECTORY", status: 2 });
  });
});

describe("a pipe closed by its reader", () => {
  it("ends quietly with exit 0 (rlops … | head -1)", async () => {
    const child = spawn(process.execPath, [BIN, "report", "--json", "--example-dir", join(tmp, "example")], {
      env: { ...process.env, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d) => {
      stderr += String(d);
    });
    child.stdout.once("data", () => child.stdout.destroy());
    const status = await new Promise<number | null>((done) => child.on("close", (code) => done(code)));
    expect(stderr).not.toMatch(/EPIPE|at .*\.js:\d+|INTERNAL/);
    expect(status).toBe(0);
  }, 60_000);
});
