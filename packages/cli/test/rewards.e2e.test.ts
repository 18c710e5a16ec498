import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { BIN, rlops as run } from "./helpers.js";

const EXAMPLES = resolve(import.meta.dirname, "../../rewards/examples");
const SPEC = join(EXAMPLES, "gpt-oss-arc.yaml");

function rlops(args: string[], input = "") {
  return run(["rewards", ...args], input);
}

const lines = (text: string) =>
  text
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));

describe("rlops rewards score", () => {
  it("streams JSONL with rewards, components, advantages and kept", () => {
    const run = rlops(["score", "--spec", SPEC, "--input", join(EXAMPLES, "samples.jsonl")]);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const out = lines(run.stdout);
    expect(out.map((o) => o.id)).toEqual(["a1", "a2", "a3", "a4"]);
    expect(out[0].components).toEqual({ format: 1, grid: 1, overlong: 0 });
    expect(out[0].reward).toBeCloseTo(1.2, 12);
    expect(out.every((o) => typeof o.advantage === "number" && o.kept === true)).toBe(true);
    expect(out[3].components.format).toBeNull();
    expect(out[3].diagnostics[0].code).toBe("HARMONY_MARKERS_STRIPPED");
  });
  it("reads stdin and honours --group-size", () => {
    const spec = join(mkdtempSync(join(tmpdir(), "rlops-rewards-")), "spec.json");
    writeFileSync(
      spec,
      JSON.stringify({ version: 1, name: "g", rewards: [{ id: "acc", kind: "verl.gsm8k" }] }),
    );
    const input = ["1", "0", "0", "1"]
      .map((a, i) => JSON.stringify({ id: i, completion: `#### ${a}`, answer: "1" }))
      .join("\n");
    const out = lines(rlops(["score", "--spec", spec, "--group-size", "4"], input).stdout);
    expect(out.map((o) => Number(o.advantage.toFixed(5)))).toEqual([0.86588, -0.86588, -0.86588, 0.86588]);
    expect(out[0]).not.toHaveProperty("kept");
  });
  it("bad input exits 2 with one error line", () => {
    const bad = rlops(["score", "--spec", SPEC], "{oops}\n");
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^rlops: JSONL_INVALID: line 1: /);
    const partial = rlops(
      ["score", "--spec", SPEC],
      `${JSON.stringify({ completion: "x", answer: [[1]] })}\n`,
    );
    expect(partial.status).toBe(2);
    expect(partial.stderr).toMatch(/GROUP_INVALID/);
    const badSpec = join(mkdtempSync(join(tmpdir(), "rlops-rewards-")), "bad.yaml");
    writeFileSync(badSpec, "version: 1\nname: x\nrewards:\n  - id: a\n    kind: nope\n");
    const r = rlops(["check", "--spec", badSpec]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("UNKNOWN_KIND: ");
    expect(r.stderr).toContain('rewards[0].kind: unknown kind "nope"');
    expect(rlops(["score", "--spec", SPEC, "--group-size", "0"]).status).toBe(2);
  });
});

describe("rlops rewards check / schema / kinds", () => {
  it("check prints the spec with defaults", () => {
    const r = rlops(["check", "--spec", SPEC]);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).group).toMatchObject({ size: 4, scale: "group", estimator: "grpo" });
  });
  it("check on a directory or a hostile spec is a typed error (exit 2), never INTERNAL", () => {
    const dir = mkdtempSync(join(tmpdir(), "rlops-rewards-"));
    const onDir = rlops(["check", "--spec", dir]);
    expect(onDir.status).toBe(2);
    expect(onDir.stderr).toMatch(/^rlops: NOT_A_FILE: reward spec .* is a directory/);
    const deep = join(dir, "deep.yaml");
    writeFileSync(deep, "[".repeat(1000));
    const r = rlops(["check", "--spec", deep]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^rlops: SPEC_TOO_DEEP: /);
  });
  it("schema and kinds", () => {
    expect(JSON.parse(rlops(["schema"]).stdout).title).toBe("rlops reward spec v1");
    expect(JSON.parse(rlops(["kinds"]).stdout)).toContain("harmony.channels");
  });
});

describe("rlops rewards serve", () => {
  it("serves /get_reward on loopback and stops on SIGTERM", async () => {
    const child = spawn(process.execPath, [BIN, "rewards", "serve", "--spec", SPEC, "--port", "0"]);
    try {
      const url = await new Promise<string>((resolveUrl, reject) => {
        let buf = "";
        child.stdout.on("data", (d: Buffer) => {
          buf += d.toString();
          const nl = buf.indexOf("\n");
          if (nl >= 0) resolveUrl(JSON.parse(buf.slice(0, nl)).listening);
        });
        child.on("exit", (code) => reject(new Error(`server exited ${code}`)));
      });
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const query =
        "<|channel|>analysis<|message|>x<|end|><|start|>assistant<|channel|>final<|message|>[[1]]<|return|>";
      const res = await fetch(`${url}/get_reward`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: [query], prompts: [""], labels: [[[1]]] }),
      });
      const body = await res.json();
      expect(body.rewards[0]).toBeCloseTo(1.2, 12);
      expect(body.extra_logs.grid).toEqual([1]);
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
    } finally {
      child.kill("SIGTERM");
    }
    const code = await new Promise((r) =>
      child.exitCode !== null ? r(child.exitCode) : child.on("exit", r),
    );
    expect(code).toBe(0);
  });
});
