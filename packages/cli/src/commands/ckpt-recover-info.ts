/**
 * `rlops ckpt list --recover-info` (the AReaL guide's `list_checkpoints.py --recover-info`): what the
 * recover checkpoint's `recover_info/` holds, beside the listing.
 */
import { readFile, stat } from "node:fs/promises";
import { dirname, join, normalize } from "node:path";
import {
  arealRecoverInfoFiles,
  type Checkpoint,
  type CheckpointListing,
  type FreqCtlInfo,
  type Layout,
  parseLenientJson,
} from "@rlops/checkpoint-layout";
import { messageOf } from "@rlops/errors";
import * as z from "zod";

/** One AReaL frequency controller (saver, evaluator, checkpointer) summarised. */
const frequencySchema = z.object({
  /** Fires every N epochs / steps / seconds (`null` when that trigger is off). */
  everyEpochs: z.number().nullable(),
  everySteps: z.number().nullable(),
  everySeconds: z.number().nullable(),
  /** Step counter of the controller and the step at which it last fired (step trigger). */
  steps: z.number(),
  lastFiredStep: z.number(),
  /** When it last fired (ISO time from the step or time trigger's `last_time`, the later one). */
  lastFiredAt: z.string().nullable(),
});
/** See {@link frequencySchema}. */
type Frequency = z.infer<typeof frequencySchema>;

/** What one checkpoint's recover info holds, or why there is none. */
export const recoverInfoSchema = z.discriminatedUnion("present", [
  z.object({
    checkpoint: z.string(),
    present: z.literal(true),
    /** The `recover_info/` folder. */
    dir: z.string(),
    step: z
      .object({ globalStep: z.number(), epoch: z.number(), epochStep: z.number(), stepsPerEpoch: z.number() })
      .nullable(),
    saver: frequencySchema.nullable(),
    evaluator: frequencySchema.nullable(),
    checkpointer: frequencySchema.nullable(),
    statsLogger: z.object({ lastCommitStep: z.number() }).nullable(),
    dataloaderBytes: z.number().nullable(),
    /** Modification time of `step_info.json` (when the recover info was last written). */
    writtenAt: z.string().nullable(),
    /** Files that are missing or do not match AReaL's shape. */
    problems: z.array(z.string()),
  }),
  z.object({ checkpoint: z.string(), present: z.literal(false), reason: z.string() }),
]);
/** See {@link recoverInfoSchema}. */
export type RecoverInfo = z.infer<typeof recoverInfoSchema>;

/** Why a checkpoint of each layout has no AReaL recover info (not an error). */
const NO_RECOVER_INFO: Record<Layout, string> = {
  hf: "HF checkpoints hold their resume state in the folder (trainer_state.json, optimizer.pt, rng_state)",
  areal: "a weights export; the trial's recover info belongs to its recover_checkpoint",
  staged: "staged checkpoints hold their state in the stage folder (generator.pt, discriminator.pt)",
  tinker: "Tinker's resume state is the remote weights/ checkpoint",
  "step-folders": "step folders hold weights only",
  lightning: "a Lightning .ckpt holds its loops and callback state itself",
  deepspeed: "DeepSpeed's resume state is the global_step folder",
  dcp: "a DCP checkpoint holds its train state in its shards",
};

const iso = (seconds: number | null | undefined) =>
  typeof seconds === "number" && Number.isFinite(seconds) && seconds > 0
    ? new Date(seconds * 1000).toISOString()
    : null;

/** AReaL counters may be parsed as `bigint` (huge integers); shown as numbers. */
const num = (v: number | bigint) => Number(v);
const numOrNull = (v: number | bigint | null) => (v === null ? null : Number(v));

function frequency(info: FreqCtlInfo): Frequency {
  const start = Number(info.step.start_time);
  const times = [info.step.last_time, info.time.last_time].map(Number).filter((t) => t > start);
  return {
    everyEpochs: numOrNull(info.epoch.frequency_steps),
    everySteps: numOrNull(info.step.frequency_steps),
    everySeconds: numOrNull(info.time.frequence_seconds),
    steps: num(info.step.steps),
    lastFiredStep: num(info.step.last_steps),
    lastFiredAt: iso(times.length ? Math.max(...times) : null),
  };
}

/**
 * The `recover_info/` folder a checkpoint's file list names (checkpoint-layout lists it for AReaL's
 * recover slot as `../recover_info/…`, relative to the checkpoint or to its model folder: both are tried,
 * as checkpoint-layout's own integrity check does).
 */
async function recoverInfoDir(c: Checkpoint): Promise<string | null> {
  const file = c.files.find((f) => f.endsWith("recover_info/step_info.json"));
  if (file === undefined) return null;
  for (const base of [c.location, dirname(c.location)]) {
    const dir = normalize(join(base, file, ".."));
    if (await stat(join(dir, "step_info.json")).catch(() => null)) return dir;
  }
  return normalize(join(c.location, file, ".."));
}

async function readInfo<S extends z.ZodType>(dir: string, name: string, schema: S, problems: string[]) {
  const path = join(dir, name);
  const text = await readFile(path, "utf8").catch(() => null);
  if (text === null) {
    problems.push(`${name}: missing`);
    return null;
  }
  try {
    const parsed = schema.safeParse(parseLenientJson(text, { source: path }));
    if (parsed.success) return parsed.data as z.infer<S>;
    problems.push(`${name}: ${parsed.error.issues[0]?.message ?? "invalid"}`);
  } catch (error) {
    problems.push(`${name}: ${messageOf(error)}`);
  }
  return null;
}

/** Reads what one checkpoint's recover info holds (or says why it has none). */
async function recoverInfoOf(c: Checkpoint): Promise<RecoverInfo> {
  const dir = await recoverInfoDir(c);
  if (dir === null) return { checkpoint: c.name, present: false, reason: NO_RECOVER_INFO[c.layout] };
  const files = arealRecoverInfoFiles;
  const problems: string[] = [];
  const step = await readInfo(dir, "step_info.json", files["step_info.json"], problems);
  const saver = await readInfo(dir, "saver_info.json", files["saver_info.json"], problems);
  const evaluator = await readInfo(dir, "evaluator_info.json", files["evaluator_info.json"], problems);
  const checkpointer = await readInfo(dir, "checkpoint_info.json", files["checkpoint_info.json"], problems);
  const logger = await readInfo(dir, "stats_logger_info.json", files["stats_logger_info.json"], problems);
  const stepStat = await stat(join(dir, "step_info.json")).catch(() => null);
  const pkl = await stat(join(dir, "dataloader_info.pkl")).catch(() => null);
  if (!pkl) problems.push("dataloader_info.pkl: missing");
  return {
    checkpoint: c.name,
    present: true,
    dir,
    step: step && {
      globalStep: num(step.global_step),
      epoch: num(step.epoch),
      epochStep: num(step.epoch_step),
      stepsPerEpoch: num(step.steps_per_epoch),
    },
    saver: saver && frequency(saver),
    evaluator: evaluator && frequency(evaluator),
    checkpointer: checkpointer && frequency(checkpointer),
    statsLogger: logger && { lastCommitStep: num(logger.last_commit_step) },
    dataloaderBytes: pkl ? pkl.size : null,
    writtenAt: stepStat ? stepStat.mtime.toISOString() : null,
    problems,
  };
}

/** Recover info of every checkpoint of a listing, in listing order. */
export async function recoverInfoOfListing(listing: CheckpointListing): Promise<RecoverInfo[]> {
  const out: RecoverInfo[] = [];
  for (const c of listing.checkpoints) out.push(await recoverInfoOf(c));
  return out;
}

function frequencyText(f: Frequency | null): string {
  if (!f) return "unreadable";
  const every = [
    f.everyEpochs !== null ? `${f.everyEpochs} epoch(s)` : null,
    f.everySteps !== null ? `${f.everySteps} steps` : null,
    f.everySeconds !== null ? `${f.everySeconds} s` : null,
  ].filter((x) => x !== null);
  const when = f.lastFiredAt ? ` at ${f.lastFiredAt}` : "";
  return `every ${every.join(" / ") || "(never)"}; ${f.steps} steps counted, last fired at step ${f.lastFiredStep}${when}`;
}

/** The text lines of `--recover-info` (one block per checkpoint). */
export function recoverInfoText(infos: readonly RecoverInfo[]): string {
  const lines = ["recover info:"];
  for (const r of infos) {
    if (!r.present) {
      lines.push(`  ${r.checkpoint}: none (${r.reason})`);
      continue;
    }
    const s = r.step;
    const at = s
      ? `step ${s.globalStep} (epoch ${s.epoch}, epoch step ${s.epochStep} of ${s.stepsPerEpoch})`
      : "step unreadable";
    lines.push(`  ${r.checkpoint}: ${at}, written ${r.writtenAt ?? "-"}  (${r.dir})`);
    lines.push(`    saver         ${frequencyText(r.saver)}`);
    lines.push(`    evaluator     ${frequencyText(r.evaluator)}`);
    lines.push(`    checkpointer  ${frequencyText(r.checkpointer)}`);
    lines.push(
      `    stats logger  ${r.statsLogger ? `last commit step ${r.statsLogger.lastCommitStep}` : "unreadable"}`,
    );
    lines.push(
      `    dataloader    ${r.dataloaderBytes === null ? "missing" : `dataloader_info.pkl, ${r.dataloaderBytes} B`}`,
    );
    for (const p of r.problems) lines.push(`    problem       ${p}`);
  }
  return `${lines.join("\n")}\n`;
}
