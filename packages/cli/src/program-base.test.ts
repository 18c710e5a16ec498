import { describe, expect, it } from "vitest";
import { createProgram } from "./program.js";
import { COMMAND_GROUPS, programFor } from "./program-base.js";
import { wantsVersion } from "./version.js";

describe("wantsVersion", () => {
  it("is true only when the first argument is -V or --version", () => {
    expect(wantsVersion(["node", "rlops", "--version"])).toBe(true);
    expect(wantsVersion(["node", "rlops", "-V", "ckpt"])).toBe(true);
    expect(wantsVersion(["node", "rlops", "ckpt", "--version"])).toBe(false);
    expect(wantsVersion(["node", "rlops"])).toBe(false);
  });
});

describe("programFor", () => {
  it("loads no command group for --version", async () => {
    const program = await programFor(["node", "rlops", "--version"]);
    expect(program.commands).toHaveLength(0);
  });

  it("loads only the named group", async () => {
    const program = await programFor(["node", "rlops", "ckpt", "latest", "."]);
    expect(program.commands.map((c) => c.name())).toEqual(["ckpt"]);
  });

  it("loads every group for top-level help and unknown commands, in the order of createProgram", async () => {
    const all = createProgram().commands.map((c) => c.name());
    expect(Object.keys(COMMAND_GROUPS)).toEqual(all);
    for (const argv of [
      ["node", "rlops"],
      ["node", "rlops", "--help"],
      ["node", "rlops", "nope"],
    ]) {
      expect((await programFor(argv)).commands.map((c) => c.name())).toEqual(all);
    }
  });
});
