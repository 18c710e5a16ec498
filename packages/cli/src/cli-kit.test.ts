import { RecoveryError } from "@rlops/recovery";
import { describe, expect, it } from "vitest";
import { createProgress, describeError, EXIT, ExitError, handleError, useColor } from "./cli-kit.js";
import { CliError } from "./errors.js";

describe("useColor", () => {
  it("respects NO_COLOR, FORCE_COLOR, TERM=dumb and non-TTY streams", () => {
    expect(useColor({ isTTY: true }, {})).toBe(true);
    expect(useColor({ isTTY: false }, {})).toBe(false);
    expect(useColor({ isTTY: true }, { NO_COLOR: "1" })).toBe(false);
    expect(useColor({ isTTY: true }, { NO_COLOR: "" })).toBe(true);
    expect(useColor({ isTTY: false }, { FORCE_COLOR: "1" })).toBe(true);
    expect(useColor({ isTTY: true }, { FORCE_COLOR: "0" })).toBe(false);
    expect(useColor({ isTTY: true }, { NO_COLOR: "1", FORCE_COLOR: "1" })).toBe(false);
    expect(useColor({ isTTY: true }, { TERM: "dumb" })).toBe(false);
  });
});

describe("createProgress", () => {
  function fakeStream() {
    const writes: string[] = [];
    return {
      writes,
      stream: { isTTY: true, write: (s: string) => writes.push(s) } as unknown as NodeJS.WriteStream,
    };
  }

  it("draws a bar on a TTY and clears it when done", () => {
    const { writes, stream } = fakeStream();
    const progress = createProgress(stream, true);
    progress.update("scoring", 5, 10);
    progress.update("scoring", 10, 10);
    progress.done();
    expect(writes[0]).toContain("scoring [############            ] 5/10");
    expect(writes.at(-2)).toContain("10/10");
    expect(writes.at(-1)).toBe("\r\u001b[2K");
  });

  it("writes nothing when disabled (non-TTY)", () => {
    const { writes, stream } = fakeStream();
    const progress = createProgress(stream, false);
    progress.update("scan", 1, null);
    progress.done();
    expect(writes).toEqual([]);
  });
});

describe("handleError", () => {
  it("maps errors to exit codes with one line", () => {
    const lines: string[] = [];
    const original = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => {
      lines.push(chunk);
      return true;
    }) as typeof process.stderr.write;
    try {
      expect(
        handleError(new ExitError(EXIT.NOT_FOUND, "NO_CHECKPOINT", "nothing\nsecond line", "try x")),
      ).toBe(1);
      expect(handleError(new CliError({ code: "PATH_NOT_FOUND", message: "/x: no such directory" }))).toBe(2);
      expect(
        handleError(
          new CliError({ code: "INVALID_INPUT", message: "m", details: { exitCode: 3, hint: "h" } }),
        ),
      ).toBe(3);
      expect(handleError(new Error("boom"))).toBe(EXIT.INTERNAL);
      const enospc = Object.assign(new Error("ENOSPC"), { code: "ENOSPC" });
      const setup = new RecoveryError({ code: "SETUP_FAILED", message: "disk full", cause: enospc });
      expect(describeError(setup)).toMatchObject({ code: "SETUP_FAILED", exitCode: 2 });
    } finally {
      process.stderr.write = original;
    }
    expect(lines.slice(0, 3)).toEqual([
      "rlops: NO_CHECKPOINT: nothing\n",
      "hint: try x\n",
      "rlops: PATH_NOT_FOUND: /x: no such directory\n",
    ]);
    expect(lines).toContain("rlops: INTERNAL: boom\n");
  });
});
