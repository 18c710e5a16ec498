import { fromZodError } from "@rlops/errors";
import * as z from "zod";
import { RecoveryError } from "./errors.js";

/** AReaL `freq_epochs` / `freq_steps` / `freq_secs` (each optional, combined with OR). */
export const saveCadenceSchema = z
  .object({
    freqEpochs: z.number().int().positive().nullable().optional(),
    freqSteps: z.number().int().positive().nullable().optional(),
    freqSecs: z.number().positive().nullable().optional(),
  })
  .strict();
/** See {@link saveCadenceSchema}. */
export type SaveCadenceConfig = z.infer<typeof saveCadenceSchema>;

/** Serializable state of a {@link FrequencyControl}. */
export interface FrequencyControlState {
  steps: number;
  lastSteps: number;
  lastTime: number;
  initialValue: boolean;
}

/**
 * AReaL's `FrequencyControl`: `check(steps, now)` adds `steps`; with neither frequency it is always
 * false (except the initial value); otherwise it is true when every configured condition holds
 * (`now - lastTime >= frequencySeconds`, `steps - lastSteps >= frequencySteps`), and then resets both.
 */
export class FrequencyControl {
  private state: FrequencyControlState;
  constructor(
    readonly frequencySeconds: number | null,
    readonly frequencySteps: number | null,
    startTime = 0,
    initialValue = false,
  ) {
    this.state = { steps: 0, lastSteps: 0, lastTime: startTime, initialValue };
  }

  check(steps: number, now: number): boolean {
    const s = this.state;
    s.steps += steps;
    if (s.initialValue) {
      s.lastTime = now;
      s.lastSteps = s.steps;
      s.initialValue = false;
      return true;
    }
    if (this.frequencySteps === null && this.frequencySeconds === null) return false;
    if (this.frequencySeconds !== null && now - s.lastTime < this.frequencySeconds) return false;
    if (this.frequencySteps !== null && s.steps - s.lastSteps < this.frequencySteps) return false;
    s.lastTime = now;
    s.lastSteps = s.steps;
    return true;
  }

  toJSON(): FrequencyControlState {
    return { ...this.state };
  }

  load(state: FrequencyControlState): void {
    this.state = { ...state };
  }
}

/** One save check: `epochs` is 1 on the last step of an epoch (else 0), `steps` normally 1, `now` in seconds. */
export interface CadenceTick {
  epochs: number;
  steps: number;
  /** Seconds (any monotonic origin); ignored by the step-only variant. */
  now?: number;
}

/** AReaL `EpochStepTimeFreqCtl`: three independent controls, all checked every time, OR-combined. */
export interface SaveCadence {
  check(tick: CadenceTick): boolean;
  toJSON(): { epoch: FrequencyControlState; step: FrequencyControlState; time: FrequencyControlState };
}

function validate(config: SaveCadenceConfig): Required<{ [K in keyof SaveCadenceConfig]: number | null }> {
  const parsed = saveCadenceSchema.safeParse(config);
  if (!parsed.success)
    throw fromZodError(RecoveryError, "INVALID_INPUT", parsed.error, { where: "save cadence" });
  return {
    freqEpochs: parsed.data.freqEpochs ?? null,
    freqSteps: parsed.data.freqSteps ?? null,
    freqSecs: parsed.data.freqSecs ?? null,
  };
}

/**
 * Reproduces AReaL's save/recover cadence exactly. Note: with all three frequencies null nothing is
 * ever saved (so recovery has nothing to recover) — check {@link cadenceWarnings}.
 */
export function createSaveCadence(
  config: SaveCadenceConfig,
  options: { startTime?: number } = {},
): SaveCadence {
  const c = validate(config);
  const start = options.startTime ?? 0;
  const epoch = new FrequencyControl(null, c.freqEpochs, start);
  const step = new FrequencyControl(null, c.freqSteps, start);
  const time = new FrequencyControl(c.freqSecs, null, start);
  return {
    check(tick) {
      const now = tick.now ?? start;
      const x = epoch.check(tick.epochs, now);
      const y = step.check(tick.steps, now);
      const z = time.check(1, now);
      return x || y || z;
    },
    toJSON: () => ({ epoch: epoch.toJSON(), step: step.toJSON(), time: time.toJSON() }),
  };
}

/**
 * Step-only variant (no wall clock): the 0-based global steps in `[0, totalSteps)` after which AReaL
 * saves, given `stepsPerEpoch` (trainer calls `check(epochs = epoch_step == stepsPerEpoch - 1, steps = 1)`).
 * `freqSecs` is ignored.
 */
export function saveSteps(
  config: SaveCadenceConfig,
  run: { stepsPerEpoch: number; totalSteps: number },
): number[] {
  const c = validate(config);
  if (
    !Number.isInteger(run.stepsPerEpoch) ||
    run.stepsPerEpoch <= 0 ||
    !Number.isInteger(run.totalSteps) ||
    run.totalSteps < 0
  )
    throw new RecoveryError({
      code: "INVALID_INPUT",
      message: "saveSteps: stepsPerEpoch must be > 0 and totalSteps >= 0",
    });
  if (run.totalSteps > 100_000_000)
    throw new RecoveryError({ code: "INVALID_INPUT", message: "saveSteps: totalSteps above 1e8" });
  const cadence = createSaveCadence({ freqEpochs: c.freqEpochs, freqSteps: c.freqSteps, freqSecs: null });
  const out: number[] = [];
  for (let g = 0; g < run.totalSteps; g++) {
    const epochStep = g % run.stepsPerEpoch;
    if (cadence.check({ epochs: epochStep === run.stepsPerEpoch - 1 ? 1 : 0, steps: 1 })) out.push(g);
  }
  return out;
}

/** Warnings about a cadence that cannot protect a run (all frequencies null; time-only cadence). */
export function cadenceWarnings(config: SaveCadenceConfig): string[] {
  const c = validate(config);
  const out: string[] = [];
  if (c.freqEpochs === null && c.freqSteps === null && c.freqSecs === null)
    out.push(
      "freq_epochs, freq_steps and freq_secs are all null: nothing is ever saved, recovery has nothing to recover",
    );
  else if (c.freqEpochs === null && c.freqSteps === null)
    out.push("only freq_secs is set: save steps depend on the wall clock and cannot be predicted from steps");
  return out;
}
