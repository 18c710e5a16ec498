import { readFileSync, statSync } from "node:fs";
import { formatIssuePath } from "@rlops/errors";
import {
  type BreakerConfig,
  createMonitor,
  type Decision,
  loadBreakerConfig,
  type Monitor,
  RecoveryError,
  type RestoreReport,
  recordFromObject,
  type SourceDiagnostic,
  type Trainer,
  trainerSchema,
} from "@rlops/recovery";
import { planResume } from "@rlops/recovery/node";
import { createScorer, type Scorer } from "@rlops/rewards";
import { loadRewardSpecFile } from "@rlops/rewards/node";
import type { z } from "zod";
import { exitCodeFor } from "../commands/breaker.js";
import { formatPlan } from "../commands/recover.js";
import { VERSION } from "../version.js";
import { BridgeFailure } from "./errors.js";
import { unpackSamples } from "./packed.js";
import {
  breakerCreateParams,
  breakerObserveParams,
  breakerRestoreParams,
  checkpointsSelectParams,
  handleParams,
  helloParams,
  PROTOCOL,
  PROTOCOL_VERSION,
  PROTOCOL_VERSIONS,
  recoverPlanParams,
  rewardsLoadParams,
  rewardsScoreParams,
  type SourceParams,
} from "./protocol.js";

/** Most diagnostics kept per monitor (like `breaker check`). */
const MAX_DIAGNOSTICS = 1000;

interface MonitorEntry {
  monitor: Monitor;
  decisions: Decision[];
  diagnostics: SourceDiagnostic[];
  restore: RestoreReport | null;
}

/** Objects a bridge session holds, by handle. */
export interface Session {
  hello: boolean;
  /** The protocol version agreed at `hello` (0 before). */
  protocol: number;
  next: number;
  scorers: Map<number, Scorer>;
  monitors: Map<number, MonitorEntry>;
}

export function createSession(): Session {
  return { hello: false, protocol: 0, next: 1, scorers: new Map(), monitors: new Map() };
}

type Handler = (params: unknown, session: Session) => unknown | Promise<unknown>;

function parse<T extends z.ZodType>(schema: T, params: unknown, method: string): z.infer<T> {
  const parsed = schema.safeParse(params ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new BridgeFailure(
    "BAD_PARAMS",
    `${method}: ${formatIssuePath(["params", ...issue.path])}: ${issue.message}`,
  );
}

function readSourceText(source: SourceParams, what: string): string | unknown {
  if ("text" in source) return source.text;
  if ("value" in source) return source.value;
  try {
    return readFileSync(source.path, "utf8");
  } catch (error) {
    throw new BridgeFailure(
      "NOT_READABLE",
      `${what} ${source.path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
}

function readable(path: string, what: string): void {
  try {
    if (!statSync(path).isFile()) throw Object.assign(new Error("not a file"), { code: "EISDIR" });
  } catch (error) {
    throw new BridgeFailure(
      "NOT_READABLE",
      `${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
}

function lookup<T>(map: Map<number, T>, handle: number, what: string): T {
  const value = map.get(handle);
  if (value === undefined) throw new BridgeFailure("UNKNOWN_HANDLE", `no ${what} with handle ${handle}`);
  return value;
}

function checkResult(entry: MonitorEntry) {
  const { monitor } = entry;
  const verdict = monitor.tripped ? (entry.decisions.at(-1) ?? null) : null;
  return {
    verdict,
    exitCode: exitCodeFor(verdict),
    decisions: entry.decisions,
    stats: monitor.stats(),
    diagnostics: entry.diagnostics,
    restore: entry.restore,
    state: monitor.snapshot(),
  };
}

function observe(entry: MonitorEntry, raw: unknown, index: number): Decision | null {
  const record = recordFromObject(raw);
  if (record === null) {
    if (entry.diagnostics.length < MAX_DIAGNOSTICS)
      entry.diagnostics.push({
        code: raw !== null && typeof raw === "object" && !Array.isArray(raw) ? "NO_STEP" : "NOT_AN_OBJECT",
        message: `records[${index}]: no step field (step, global_step, _step, iteration)`,
      });
    return null;
  }
  const decision = entry.monitor.observe(record);
  if (decision.action !== "continue" && entry.decisions.at(-1) !== decision) entry.decisions.push(decision);
  return decision;
}

function trainerOf(value: string | undefined): Trainer | undefined {
  if (value === undefined) return undefined;
  const parsed = trainerSchema.safeParse(value);
  if (!parsed.success)
    throw new BridgeFailure(
      "BAD_PARAMS",
      `recover.plan: trainer expects one of ${trainerSchema.options.join(", ")}, got "${value}"`,
    );
  return parsed.data;
}

/** The bridge's methods, by name (one registry; `hello` must come first). */
export const METHODS: Record<string, Handler> = {
  hello(params, session) {
    const p = parse(helloParams, params, "hello");
    if (!PROTOCOL_VERSIONS.includes(p.protocol))
      throw new BridgeFailure(
        "PROTOCOL_MISMATCH",
        `client speaks ${PROTOCOL} protocol ${p.protocol}, this rlops ${VERSION} speaks ${PROTOCOL_VERSIONS.join(", ")}`,
        "install matching versions of the rlops Python package and @rlops/cli",
      );
    session.hello = true;
    session.protocol = p.protocol;
    // `version` is the client's own (the session's); `versions` lists what this bridge could speak.
    return {
      protocol: PROTOCOL,
      version: p.protocol,
      versions: PROTOCOL_VERSIONS,
      newest: PROTOCOL_VERSION,
      cli: VERSION,
      methods: Object.keys(METHODS),
    };
  },

  "rewards.load"(params, session) {
    const p = parse(rewardsLoadParams, params, "rewards.load");
    if ("path" in p.spec) readable(p.spec.path, "reward spec");
    const spec = "path" in p.spec ? loadRewardSpecFile(p.spec.path) : readSourceText(p.spec, "spec");
    const scorer = createScorer(spec);
    const handle = session.next++;
    session.scorers.set(handle, scorer);
    return {
      handle,
      spec: scorer.spec,
      components: scorer.spec.rewards.map((r) => ({ id: r.id, kind: r.kind, weight: r.weight })),
    };
  },

  "rewards.score"(params, session) {
    const p = parse(rewardsScoreParams, params, "rewards.score");
    const scorer = lookup(session.scorers, p.handle, "reward spec");
    // Per-sample paths (TRL, verl, custom loops) compute advantages themselves: never group here.
    const result = scorer.score(unpackSamples(p.samples, "rewards.score"), { groups: false });
    return { samples: result.samples };
  },

  "breaker.create"(params, session) {
    const p = parse(breakerCreateParams, params, "breaker.create");
    const source = readSourceText(p.config, "breaker config");
    const config: BreakerConfig = loadBreakerConfig(
      source,
      "path" in p.config ? p.config.path : "breaker config",
    );
    const monitor = createMonitor(config);
    const entry: MonitorEntry = { monitor, decisions: [], diagnostics: [], restore: null };
    if (p.state !== undefined && p.state !== null) entry.restore = monitor.restore(p.state);
    const handle = session.next++;
    session.monitors.set(handle, entry);
    return { handle, config: monitor.config, restore: entry.restore };
  },

  "breaker.observe"(params, session) {
    const p = parse(breakerObserveParams, params, "breaker.observe");
    const entry = lookup(session.monitors, p.handle, "monitor");
    const decisions = p.records.map((r, i) => observe(entry, r, i));
    return { decisions, tripped: entry.monitor.tripped };
  },

  "breaker.snapshot"(params, session) {
    const p = parse(handleParams, params, "breaker.snapshot");
    return lookup(session.monitors, p.handle, "monitor").monitor.snapshot();
  },

  "breaker.restore"(params, session) {
    const p = parse(breakerRestoreParams, params, "breaker.restore");
    const entry = lookup(session.monitors, p.handle, "monitor");
    entry.restore = entry.monitor.restore(p.state);
    entry.decisions = [];
    return entry.restore;
  },

  "breaker.result"(params, session) {
    const p = parse(handleParams, params, "breaker.result");
    return checkResult(lookup(session.monitors, p.handle, "monitor"));
  },

  close(params, session) {
    const p = parse(handleParams, params, "close");
    return { closed: session.scorers.delete(p.handle) || session.monitors.delete(p.handle) };
  },

  async "checkpoints.select"(params) {
    const p = parse(checkpointsSelectParams, params, "checkpoints.select");
    try {
      const plan = await planResume(p.runDir, {
        beforeStep: p.beforeStep ?? Number.MAX_SAFE_INTEGER,
        layout: p.layout,
      });
      const { name, location, step } = plan.chosen;
      return { chosen: { name, location, step }, rejected: plan.rejected, layout: plan.layout };
    } catch (error) {
      if (RecoveryError.isInstance(error) && error.code === "NO_CHECKPOINT")
        return { chosen: null, rejected: (error.details.rejected as unknown[]) ?? [], layout: null };
      // A run folder with no checkpoint yet (a first start): nothing to resume, not an error.
      const code = (error as { code?: unknown } | null)?.code;
      const causeCode = ((error as { cause?: unknown } | null)?.cause as { code?: unknown } | undefined)
        ?.code;
      if (code === "LAYOUT_UNKNOWN" || causeCode === "LAYOUT_UNKNOWN")
        return { chosen: null, rejected: [], layout: null };
      throw error;
    }
  },

  async "recover.plan"(params) {
    const p = parse(recoverPlanParams, params, "recover.plan");
    if (p.beforeStep === undefined && p.fromDecision === undefined)
      throw new BridgeFailure("BAD_PARAMS", "recover.plan: give beforeStep or fromDecision");
    const plan = await planResume(p.runDir, {
      beforeStep: p.beforeStep,
      fromDecision: p.fromDecision,
      trainer: trainerOf(p.trainer),
      command: p.command,
      layout: p.layout,
      maxSteps: p.maxSteps,
    });
    return { plan, text: formatPlan(plan) };
  },
};
