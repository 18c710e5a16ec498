import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeFixtureRun } from "@rlops/checkpoint-layout/fixtures";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, rlops } from "./helpers.js";

let tmp: string;
const dir = (name: string) => join(tmp, name);

beforeAll(() => {
  if (!existsSync(BIN))
    throw new Error(
      `${BIN} is missing: run \`pnpm --filter @rlops/checkpoint-layout --filter @rlops/cli build\` first`,
    );
  tmp = mkdtempSync(join(tmpdir(), "rlops-ckpt-e2e-"));
  writeFixtureRun(dir("hf"), "hf", {
    steps: [2, 4, 6, 8],
    broken: "missing-optimizer",
    bestStep: 4,
    siblings: true,
  });
  writeFixtureRun(dir("areal"), "areal");
  writeFixtureRun(dir("tinker"), "tinker", { broken: "torn-jsonl" });
  writeFixtureRun(dir("staged"), "staged");
  writeFixtureRun(dir("prune"), "hf", { steps: [100, 200, 300, 400, 500], bestStep: 200 });
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("rlops ckpt list", () => {
  it("--json prints {layout, root, checkpoints, ignored} with the Checkpoint shape", () => {
    const run = rlops(["ckpt", "list", dir("hf"), "--json"]);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(Object.keys(out)).toEqual(["layout", "root", "checkpoints", "ignored"]);
    expect(out.layout).toBe("hf");
    expect(out.root).toBe(dir("hf"));
    expect(out.checkpoints.map((c: { name: string }) => c.name)).toEqual([
      "checkpoint-2",
      "checkpoint-4",
      "checkpoint-6",
      "checkpoint-8",
      "final_checkpoint",
    ]);
    const c8 = out.checkpoints[3];
    for (const key of [
      "layout",
      "location",
      "name",
      "step",
      "role",
      "capabilities",
      "complete",
      "problems",
      "files",
      "bytes",
    ])
      expect(c8).toHaveProperty(key);
    expect(c8).toMatchObject({
      step: 8,
      role: "intermediate",
      complete: false,
      capabilities: { resume: false, inference: true },
    });
    expect(c8.problems[0]).toMatchObject({
      code: "OPTIMIZER_MISSING",
      file: join(dir("hf"), "checkpoint-8", "optimizer.pt"),
    });
    expect(out.ignored.map((i: { path: string }) => i.path)).toEqual([
      join(dir("hf"), "checkpoint-2-merged"),
      join(dir("hf"), "tmp-checkpoint-10"),
    ]);
  });

  it("filters: --before-step keeps < N, --max-step keeps ≤ N, stepless ones are left out", () => {
    const before = JSON.parse(rlops(["ckpt", "list", dir("hf"), "--before-step", "6", "--json"]).stdout);
    expect(before.checkpoints.map((c: { step: number }) => c.step)).toEqual([2, 4]);
    const max = JSON.parse(rlops(["ckpt", "list", dir("hf"), "--max-step", "6", "--json"]).stdout);
    expect(max.checkpoints.map((c: { step: number }) => c.step)).toEqual([2, 4, 6]);
    const complete = JSON.parse(rlops(["ckpt", "list", dir("hf"), "--complete", "--json"]).stdout);
    expect(complete.checkpoints.map((c: { name: string }) => c.name)).not.toContain("checkpoint-8");
  });

  it("prints a table, reports torn jsonl lines, and rejects bad flags with exit 2", () => {
    const run = rlops(["ckpt", "list", dir("tinker")]);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^tinker run at /);
    expect(run.stdout).toMatch(/NAME\s+STEP\s+ROLE\s+RESUME\s+INFER\s+SIZE\s+STATUS/);
    expect(run.stdout).toContain("checkpoints.jsonl:5: TORN_LINE");
    const bad = rlops(["ckpt", "list", dir("hf"), "--layout", "nope"]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(
      /^rlops: BAD_FLAG: option '--layout <layout>' argument 'nope' is invalid\. Allowed choices are hf, /,
    );
    const missing = rlops(["ckpt", "list", dir("does-not-exist")]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/^rlops: PATH_NOT_FOUND: /);
  });
});

describe("rlops ckpt latest", () => {
  it("prints the newest resumable location, explaining skipped candidates on stderr", () => {
    const run = rlops(["ckpt", "latest", dir("hf")]);
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(`${join(dir("hf"), "checkpoint-6")}\n`);
    expect(run.stderr).toContain("skipped checkpoint-8: OPTIMIZER_MISSING");
  });

  it("--for inference and --before-step; exit 1 when nothing qualifies", () => {
    expect(rlops(["ckpt", "latest", dir("hf"), "--for", "inference"]).stdout).toBe(
      `${join(dir("hf"), "final_checkpoint")}\n`,
    );
    expect(rlops(["ckpt", "latest", dir("hf"), "--for", "inference", "--before-step", "8"]).stdout).toBe(
      `${join(dir("hf"), "checkpoint-6")}\n`,
    );
    const none = rlops(["ckpt", "latest", dir("hf"), "--before-step", "2"]);
    expect(none.status).toBe(1);
    expect(none.stdout).toBe("");
    expect(none.stderr).toContain("rlops: NO_CHECKPOINT");
  });

  it("Tinker: --for resume gives weights/, --for inference gives sampler_weights/", () => {
    const run = "b89f6676-49c4-53ed-9788-2e0c81a9eabf:train:0";
    expect(rlops(["ckpt", "latest", dir("tinker")]).stdout).toBe(`tinker://${run}/weights/final\n`);
    expect(rlops(["ckpt", "latest", dir("tinker"), "--for", "inference"]).stdout).toBe(
      `tinker://${run}/sampler_weights/final\n`,
    );
    expect(rlops(["ckpt", "latest", dir("tinker"), "--before-step", "40"]).stdout).toBe(
      `tinker://${run}/weights/000020\n`,
    );
  });

  it("Tinker: --tinker-checkpoints takes remote deletion and expiry into account", () => {
    const run = "b89f6676-49c4-53ed-9788-2e0c81a9eabf:train:0";
    const remote = join(tmp, "remote.json");
    writeFileSync(
      remote,
      JSON.stringify({
        checkpoints: [
          { tinker_path: `tinker://${run}/weights/000020` },
          { tinker_path: `tinker://${run}/weights/000040`, expires_at: "2000-01-01T00:00:00Z" },
        ],
      }),
    );
    const res = rlops(["ckpt", "latest", dir("tinker"), "--tinker-checkpoints", remote]);
    expect(res.stdout).toBe(`tinker://${run}/weights/000020\n`);
    expect(res.stderr).toContain("skipped 000040: TINKER_EXPIRED");
    expect(res.stderr).toContain("skipped final: TINKER_DELETED");
    const bad = rlops(["ckpt", "latest", dir("tinker"), "--tinker-checkpoints", join(tmp, "nope.json")]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^rlops: BAD_FLAG: --tinker-checkpoints/);
  });

  it("AReaL: resume from the recover slot, inference from the newest export; --json", () => {
    const out = JSON.parse(rlops(["ckpt", "latest", dir("areal"), "--json"]).stdout);
    expect(out.checkpoint.name).toBe("default/recover_checkpoint");
    expect(out.location).toMatch(/checkpoints\/root\/gsm8k-grpo\/trial0\/default\/recover_checkpoint$/);
    expect(Object.keys(out)).toEqual(["layout", "root", "location", "checkpoint", "rejected"]);
    const inf = rlops(["ckpt", "latest", dir("areal"), "--for", "inference", "--before-step", "19"]);
    expect(inf.stdout.trim()).toMatch(/default\/epoch1epochstep4globalstep14$/);
  });
});

describe("rlops ckpt validate", () => {
  it("ok checkpoint → exit 0; broken → exit 1 with the problem; --deep --json report", () => {
    const ok = rlops(["ckpt", "validate", join(dir("hf"), "checkpoint-6"), "--deep"]);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/^ok .*checkpoint-6 \(deep\)/);
    const bad = rlops(["ckpt", "validate", join(dir("hf"), "checkpoint-8")]);
    expect(bad.status).toBe(1);
    expect(bad.stdout).toContain("error OPTIMIZER_MISSING");
    const json = JSON.parse(
      rlops(["ckpt", "validate", join(dir("staged"), "checkpoints", "stage_2"), "--deep", "--json"]).stdout,
    );
    expect(json.ok).toBe(true);
    expect(json.checked.map((c: { kind: string }) => c.kind).sort()).toEqual([
      "layout",
      "metadata",
      "torch-zip",
      "torch-zip",
    ]);
  });

  it("--write-manifest then --deep verifies it", () => {
    const path = join(dir("hf"), "checkpoint-4");
    expect(rlops(["ckpt", "validate", path, "--write-manifest"]).stdout).toContain(
      "wrote rlops-manifest.json",
    );
    const deep = JSON.parse(rlops(["ckpt", "validate", path, "--deep", "--json"]).stdout);
    expect(deep.checked.some((c: { kind: string; ok: boolean }) => c.kind === "manifest" && c.ok)).toBe(true);
  });
});

describe("rlops ckpt prune", () => {
  it("dry run by default; --policy hf reproduces save_total_limit with the best kept", () => {
    const run = rlops([
      "ckpt",
      "prune",
      dir("prune"),
      "--keep-last",
      "2",
      "--keep-best",
      "--policy",
      "hf",
      "--ordering",
      "numeric",
      "--json",
    ]);
    expect(run.status).toBe(0);
    const plan = JSON.parse(run.stdout);
    expect(plan.dryRun).toBe(true);
    expect(plan.delete.map((d: { name: string }) => d.name)).toEqual([
      "checkpoint-100",
      "checkpoint-300",
      "checkpoint-400",
    ]);
    expect(readdirSync(dir("prune")).sort()).toContain("checkpoint-100");
  });

  it("--apply deletes only what the safe plan lists", () => {
    const run = rlops(["ckpt", "prune", dir("prune"), "--keep-last", "1", "--apply"]);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("deleted ");
    expect(readdirSync(dir("prune")).sort()).toEqual([
      "checkpoint-200",
      "checkpoint-500",
      "final_checkpoint",
    ]);
    const missingFlag = rlops(["ckpt", "prune", dir("prune")]);
    expect(missingFlag.status).toBe(2);
  });
});
