/** `rlops ckpt diff A B`: two checkpoints of any layout side by side. */
import { createHash } from "node:crypto";
import { readdir, readFile, stat } from "node:fs/promises";
import { basename, join, relative } from "node:path";
import {
  type Checkpoint,
  type Layout,
  MANIFEST_NAME,
  type Manifest,
  manifestSchema,
  parseLenientJson,
  readLightningCheckpointMeta,
} from "@rlops/checkpoint-layout";
import { createNodeStorage, listCheckpoints } from "@rlops/checkpoint-layout/node";
import { messageOf } from "@rlops/errors";
import type { Command } from "commander";
import { action, EXIT, examples, humanBytes, layoutOption, printJson, table } from "../cli-kit.js";
import { CliError } from "../errors.js";
import {
  type CkptDiff,
  type DiffFile,
  diffGathered,
  type GatheredSide,
  type MetricRow,
} from "./ckpt-diff-model.js";
import { type FoundCheckpoint, findCheckpoint } from "./ckpt-info.js";

/** JSON config files compared key by key when a checkpoint folder holds them. */
const CONFIG_FILES = ["config.json", "adapter_config.json", "generation_config.json", "training_config.json"];

/** Where each layout's per-checkpoint metrics come from (`Checkpoint.metrics`, read by checkpoint-layout). */
const METRIC_SOURCE: Partial<Record<Layout, string>> = {
  hf: "trainer_state.json log_history at the checkpoint's step",
  staged: "metrics.json",
  tinker: "checkpoints.jsonl record",
  lightning: "the .ckpt's ModelCheckpoint / EarlyStopping state",
  "step-folders": "the run's best-accuracy record",
};

/** At most this many files are listed per checkpoint (deeper trees are cut, and the diff says so). */
const MAX_FILES = 100_000;

/** Files up to this size are hashed when no manifest lists them (equal sizes, different content). */
const HASH_SMALL_BYTES = 1024 * 1024;

async function walk(dir: string, root: string, out: DiffFile[]): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (out.length >= MAX_FILES) return;
    const full = join(dir, entry.name);
    if (entry.isDirectory()) await walk(full, root, out);
    else if (entry.isFile() && !(dir === root && entry.name === MANIFEST_NAME))
      out.push({ path: relative(root, full), size: (await stat(full)).size, sha256: null });
  }
}

async function readManifest(dir: string): Promise<Manifest | null> {
  const path = join(dir, MANIFEST_NAME);
  const text = await readFile(path, "utf8").catch(() => null);
  if (text === null) return null;
  const parsed = manifestSchema.safeParse(parseLenientJson(text, { source: path }));
  if (!parsed.success)
    throw new CliError({
      code: "INVALID_INPUT",
      message: `${path}: not an rlops manifest (${parsed.error.issues[0]?.message ?? "invalid"})`,
      hint: `write it again with \`rlops ckpt validate ${dir} --write-manifest\``,
    });
  return parsed.data;
}

/** Files with sizes (and sha256 from the manifest), or `null` for a remote checkpoint. */
async function gatherFiles(
  c: Checkpoint,
  isDir: boolean,
): Promise<{ files: DiffFile[] | null; manifest: boolean }> {
  if (c.location.includes("://")) return { files: null, manifest: false };
  if (!isDir)
    return { files: [{ path: ".", size: (await stat(c.location)).size, sha256: null }], manifest: false };
  const files: DiffFile[] = [];
  await walk(c.location, c.location, files);
  const manifest = await readManifest(c.location);
  if (manifest) {
    const hashes = new Map(manifest.files.map((f) => [f.path, f.sha256]));
    for (const f of files) f.sha256 = hashes.get(f.path) ?? null;
  }
  for (const f of files)
    if (f.sha256 === null && f.size !== null && f.size <= HASH_SMALL_BYTES)
      f.sha256 = createHash("sha256")
        .update(await readFile(join(c.location, f.path)))
        .digest("hex");
  files.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
  return { files, manifest: manifest !== null };
}

async function gatherConfigs(c: Checkpoint, isDir: boolean): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  if (!isDir) return out;
  for (const file of CONFIG_FILES) {
    const path = join(c.location, file);
    const text = await readFile(path, "utf8").catch(() => null);
    if (text === null) continue;
    try {
      // big integers (bigint) as decimal strings, so the diff prints and serialises
      const value = parseLenientJson(text, { source: path });
      out[file] = JSON.parse(JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v)));
    } catch (error) {
      out[file] = { "(unreadable)": messageOf(error) };
    }
  }
  return out;
}

/** Lightning: the `.ckpt`'s callback scores and version (read without Python). */
async function lightningFacts(c: Checkpoint, gathered: Pick<GatheredSide, "metrics" | "metadata">) {
  const meta = await readLightningCheckpointMeta(createNodeStorage(), c.location).catch(() => null);
  if (!meta) return;
  for (const m of meta.model_checkpoints)
    if (m.best_model_score !== null)
      gathered.metrics[`${m.monitor ?? "monitor"}.best_model_score`] = m.best_model_score;
  for (const e of meta.early_stopping) {
    if (e.best_score !== null) gathered.metrics["early_stopping.best_score"] = e.best_score;
    if (e.wait_count !== null) gathered.metrics["early_stopping.wait_count"] = e.wait_count;
  }
  if (meta.global_step !== null) gathered.metrics.global_step = meta.global_step;
  if (meta.lightning_version) gathered.metadata.lightning_version = meta.lightning_version;
  gathered.metadata.keys = meta.keys.join(", ");
}

/** Gathers one side of a diff from a found checkpoint. */
async function gatherSide(found: FoundCheckpoint): Promise<GatheredSide> {
  const { root, checkpoint: c } = found;
  const local = !c.location.includes("://");
  const isDir = local && (await stat(c.location)).isDirectory();
  const { files, manifest } = await gatherFiles(c, isDir);
  const gathered: GatheredSide = {
    side: {
      name: c.name,
      location: c.location,
      root,
      layout: c.layout,
      step: c.step,
      stepText: c.stepText,
      epoch: c.epoch ?? null,
      role: c.role,
      best: c.best === true,
      complete: c.complete,
      resumable: c.complete && c.capabilities.resume,
      inference: c.complete && c.capabilities.inference,
      bytes: c.bytes,
      problems: [...new Set(c.problems.filter((p) => p.severity === "error").map((p) => p.code))],
      manifest,
    },
    files,
    metrics: { ...c.metrics },
    metricSource: null,
    configs: await gatherConfigs(c, isDir),
    metadata: {},
  };
  if (c.uris?.state) gathered.metadata["uri.state"] = c.uris.state;
  if (c.uris?.sampler) gathered.metadata["uri.sampler"] = c.uris.sampler;
  if (c.layout === "lightning" && local && !isDir) await lightningFacts(c, gathered);
  if (Object.keys(gathered.metrics).length)
    gathered.metricSource = METRIC_SOURCE[c.layout] ?? "checkpoint metadata";
  return gathered;
}

/** A checkpoint of `run` named `key`: its name, its folder's name, or its step (one match). */
async function pickFromRun(run: string, key: string, layout?: Layout): Promise<FoundCheckpoint> {
  const listing = await listCheckpoints(run, { layout });
  const cs = listing.checkpoints;
  const byName = cs.find((c) => c.name === key) ?? cs.find((c) => basename(c.location) === key);
  if (byName) return { root: listing.root, checkpoint: byName };
  const digits = /^\d+$/.test(key) ? key.replace(/^0+(?=\d)/, "") : null;
  const bySteps = digits === null ? [] : cs.filter((c) => c.stepText === digits);
  if (bySteps.length === 1) return { root: listing.root, checkpoint: bySteps[0]! };
  if (bySteps.length > 1)
    throw new CliError({
      code: "BAD_ARGUMENT",
      message: `${listing.root}: ${bySteps.length} checkpoints at step ${digits}: ${bySteps.map((c) => c.name).join(", ")}`,
      hint: "pass one of these names instead of the step",
    });
  throw new CliError({
    code: "NO_CHECKPOINT",
    message: `${listing.root}: no checkpoint named "${key}" or at step ${key}`,
    hint: `rlops ckpt list ${listing.root}`,
  });
}

const fmt = (v: number | null) => (v === null ? "-" : String(Number(v.toPrecision(6))));
const signed = (v: number | null, f: (n: number) => string = (n) => fmt(n)) =>
  v === null ? "-" : v > 0 ? `+${f(v)}` : v < 0 ? `-${f(-v)}` : "0";
const shown = (v: unknown) => {
  const s = JSON.stringify(v) ?? "undefined";
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
};

function sideLine(label: string, s: CkptDiff["a"]): string {
  const status = s.complete ? "complete" : `INCOMPLETE (${s.problems.join(", ")})`;
  const use = [s.resumable ? "resumable" : "not resumable", s.inference ? "inference" : "no inference"];
  return `${label}  ${s.name}  (${s.layout}, step ${s.stepText ?? "-"}, ${s.role}${s.best ? ", best" : ""}, ${status}, ${use.join(", ")})  ${s.location}`;
}

function filesText(d: CkptDiff): string[] {
  const f = d.files;
  if (!f.listed) return ["files: not listed (remote checkpoint)"];
  const how =
    f.compared === "sha256"
      ? `compared by sha256${d.a.manifest && d.b.manifest ? " (manifests)" : ""}`
      : "compared by size, and sha256 for files ≤ 1 MiB; `rlops ckpt validate <ckpt> --write-manifest` on both compares every hash";
  const lines = [
    `files: ${f.added.length} added, ${f.removed.length} removed, ${f.changed.length} changed, ${f.same} same (${how})`,
  ];
  for (const x of f.added) lines.push(`  + ${x.path}  ${humanBytes(x.size)}`);
  for (const x of f.removed) lines.push(`  - ${x.path}  ${humanBytes(x.size)}`);
  for (const x of f.changed)
    lines.push(
      `  ~ ${x.path}  ${humanBytes(x.a.size)} → ${humanBytes(x.b.size)}${x.by === "sha256" ? " (sha256 differs)" : ""}`,
    );
  return lines;
}

function metricsText(rows: MetricRow[], d: CkptDiff): string[] {
  if (!rows.length) return ["metrics: none recorded for either checkpoint"];
  const src =
    d.metricSources.a === d.metricSources.b
      ? d.metricSources.a
      : `${d.metricSources.a ?? "-"} / ${d.metricSources.b ?? "-"}`;
  const body = [["METRIC", "A", "B", "Δ"], ...rows.map((r) => [r.key, fmt(r.a), fmt(r.b), signed(r.delta)])];
  return [
    `metrics (${src}):`,
    ...table(body)
      .split("\n")
      .map((l) => `  ${l}`),
  ];
}

function configsText(d: CkptDiff): string[] {
  if (!d.configs.length) return ["configs: none of A and B holds a JSON config"];
  const lines: string[] = [];
  for (const c of d.configs) {
    if (!(c.inA && c.inB)) {
      lines.push(`${c.file} (only in ${c.inA ? "A" : "B"}): ${c.added.length + c.removed.length} key(s)`);
      continue;
    }
    const n = c.added.length + c.removed.length + c.changed.length;
    lines.push(`${c.file}: ${n ? `${n} key(s) differ, ${c.same} same` : `same (${c.same} keys)`}`);
    for (const x of c.changed) lines.push(`  ~ ${x.key}: ${shown(x.a)} → ${shown(x.b)}`);
    for (const x of c.added) lines.push(`  + ${x.key}: ${shown(x.value)}`);
    for (const x of c.removed) lines.push(`  - ${x.key}: ${shown(x.value)}`);
  }
  return lines;
}

/** The text form of a diff. */
function diffText(d: CkptDiff): string {
  const size = `${humanBytes(d.a.bytes)} → ${humanBytes(d.b.bytes)} (${signed(d.bytesDelta, (n) => humanBytes(n))})`;
  const lines = [
    sideLine("A", d.a),
    sideLine("B", d.b),
    `step ${signed(d.stepDelta)} · size ${size}`,
    ...filesText(d),
    ...metricsText(d.metrics, d),
    ...configsText(d),
  ];
  for (const m of d.metadata) lines.push(`${m.key}: ${m.a ?? "-"}${m.a === m.b ? "" : ` → ${m.b ?? "-"}`}`);
  return `${lines.join("\n")}\n`;
}

interface DiffFlags {
  run?: string;
  layout?: Layout;
  json?: boolean;
}

/** Registers `rlops ckpt diff`. */
export function registerCkptDiff(ckpt: Command): void {
  examples(
    ckpt
      .command("diff <a> <b>")
      .description(
        "Compare two checkpoints of any layout: step, role, files added/removed/changed (sizes; sha256 with manifests), metrics side by side, config and adapter key differences.",
      )
      .option("--run <dir>", "A and B are checkpoint names or steps of this run (Tinker: always)")
      .addOption(layoutOption("with --run: layout instead of detecting it"))
      .option("--json", "print the diff as JSON")
      .action(
        action(async (a: string, b: string, flags: DiffFlags) => {
          const find = (key: string) =>
            flags.run ? pickFromRun(flags.run, key, flags.layout) : findCheckpoint(key);
          const diff = diffGathered(await gatherSide(await find(a)), await gatherSide(await find(b)));
          if (flags.json) printJson(diff);
          else process.stdout.write(diffText(diff));
          return EXIT.OK;
        }),
      ),
    [
      "rlops ckpt diff outputs/checkpoint-100 outputs/checkpoint-150",
      "rlops ckpt diff --run runs/staged stage_1 stage_5",
      "rlops ckpt diff --run logs/tinker-run 000020 000040 --json",
    ],
  );
}
