import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StringDecoder } from "node:string_decoder";
import fc from "fast-check";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { createMonitor, type MetricRecord, StepMerger } from "../src/index.js";
import { observeQuiet, slotMonitor } from "../src/monitor.js";
import { checkMetrics, readMetricRecords } from "../src/node.js";
import { JsonlChunkReader } from "../src/node-jsonl.js";
import { metricsOf } from "../src/node-sources.js";
import {
  LineSplitter,
  type MetricLineSink,
  parseMetricLine,
  parseMetricLines,
  type RecordOptions,
  type SourceDiagnostic,
} from "../src/sources.js";
import type { Decision } from "../src/state.js";
import { configArb, metricLinesArb as metricLines } from "./arbitraries.js";

// The fast JSONL path (byte chunks decoded up to the last newline, flat lines parsed in batches)
// against the per-line path it replaced: a StringDecoder over the chunks, LineSplitter, and
// parseMetricLine per line.

interface Outcome {
  records: MetricRecord[];
  diagnostics: SourceDiagnostic[];
}

/**
 * The former per-line reader, fed with the same chunks; stops once `onRecord` returns false
 * (default: after `stopAfter` records).
 */
function referenceRead(
  chunks: readonly Buffer[],
  options: RecordOptions,
  maxLineLength?: number,
  onRecord: (record: MetricRecord, count: number) => boolean = () => true,
): Outcome {
  const out: Outcome = { records: [], diagnostics: [] };
  const decoder = new StringDecoder("utf8");
  const splitter = new LineSplitter(maxLineLength);
  let stopped = false;
  const onLine = (line: string, n: number) => {
    if (stopped) return;
    const result = parseMetricLine(line, options, n);
    if (result === null) return;
    if ("record" in result) {
      out.records.push(result.record);
      if (!onRecord(result.record, out.records.length)) stopped = true;
    } else out.diagnostics.push(result.diagnostic);
  };
  const onTooLong = (n: number) =>
    out.diagnostics.push({ code: "LINE_TOO_LONG", message: `line ${n}: too long, skipped`, line: n });
  for (const chunk of chunks) {
    splitter.push(decoder.write(chunk), onLine, onTooLong);
    if (stopped) return out;
  }
  // What a utf8 read stream pushes at its end: the decoder's held-back bytes.
  const rest = decoder.end();
  if (rest.length > 0) splitter.push(rest, onLine, onTooLong);
  const pending = splitter.pending();
  if (pending !== null) {
    const n = splitter.lines + 1;
    const result = parseMetricLine(pending, options, n);
    if (result && "record" in result) {
      out.records.push(result.record);
      onRecord(result.record, out.records.length);
    } else if (result)
      out.diagnostics.push({
        code: "TORN_LINE",
        message: `line ${n}: incomplete last line ignored`,
        line: n,
      });
  }
  return out;
}

function fastRead(
  chunks: readonly Buffer[],
  options: RecordOptions,
  maxLineLength?: number,
  onRecord: (record: MetricRecord, count: number) => boolean = () => true,
): Outcome {
  const out: Outcome = { records: [], diagnostics: [] };
  const sink: MetricLineSink = {
    record: (record) => {
      out.records.push(record);
      return onRecord(record, out.records.length);
    },
    diagnostic: (d) => out.diagnostics.push(d),
  };
  const reader = new JsonlChunkReader(options, sink, maxLineLength);
  for (const chunk of chunks) if (!reader.push(chunk)) return out;
  reader.end();
  return out;
}

/** Cuts `bytes` at the given offsets. */
function cut(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => Math.min(bytes.length, c)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const p of points) {
    if (p > from) out.push(bytes.subarray(from, p));
    from = Math.max(from, p);
  }
  if (from < bytes.length || out.length === 0) out.push(bytes.subarray(from));
  return out;
}

const key = fc.oneof(
  fc.constantFrom("step", "loss", "reward", "a/b", "grad_norm", "problem_id", "ключ", "报酬", "é", "😀"),
  fc.string({ maxLength: 6 }),
);
const scalar = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => JSON.stringify(x)),
  fc.integer({ min: -5, max: 1000 }).map(String),
  fc.constantFrom("true", "false", "null", '"NaN"', '"inf"', '"x{y"', '"[z]"', '"12"', '"é😀"', '"a\\nb"'),
);
const flatLine = fc
  .record({
    step: fc.option(fc.oneof(fc.nat(50).map(String), fc.constantFrom('"7"', "-1", "2.5")), {
      nil: undefined,
    }),
    fields: fc.array(fc.tuple(key, scalar), { maxLength: 5 }),
  })
  .map(({ step, fields }) => {
    const parts = fields.map(([k, v]) => `${JSON.stringify(k)}:${v}`);
    if (step !== undefined) parts.splice(parts.length >> 1, 0, `"step":${step}`);
    return `{${parts.join(",")}}`;
  });
const oddLine = fc.oneof(
  fc.constantFrom(
    "",
    "   ",
    "\t",
    '{"step": 1, "loss": NaN}',
    '{"step": 2, "loss": Infinity, "r": -Infinity}',
    '{"step": 3, "actor": {"reward": {"avg": 0.5}}, "a": {"b": 2}}',
    '{"step": 4, "xs": [1, 2, 3]}',
    '{"step":5,"loss":1}{"step":6}',
    '{"step":7},{"step":8}',
    '{"step": 9, "loss": 1, "loss": 2}',
    '{"\\u0073tep": 10, "l\\u006fss": 3}',
    '{"step": 11, "s": "}"}',
    '{"step": 12,}',
    "{'step': 13}",
    '{"step": 14',
    "[1]",
    "[{}]",
    "5",
    '"text"',
    "null",
    "not json",
    '{"step": 15, "problem": 42}',
    '{"step": 16, "problem_id": "p1", "problem": "p2"}',
    '{"global_step": 17, "_step": 18, "loss": 1}',
    '{"step": 19, "__proto__": 1, "constructor": 2}',
    "\uFEFF{}",
    ' {"step": 20}',
    '{"step": 21} ',
    "{}",
    '{"step":22,"x":"\u2028"}',
  ),
  fc.string({ maxLength: 12 }),
);
// Lines a batch would misalign without its guards: `[A,B,C]` parses to three objects, but A holds
// two and B's array swallows C (the `{` check alone, or the `[` check plus the length check, stop it).
const misaligned = fc.constant(['{"step":30},{"step":31}', '{"step":32,"x":[{"y":1}', '{"step":33}]}']);
const lines = fc
  .array(
    fc.oneof(
      { weight: 8, arbitrary: flatLine.map((l) => [l]) },
      { weight: 2, arbitrary: oddLine.map((l) => [l]) },
      { weight: 1, arbitrary: misaligned },
    ),
    { maxLength: 60 },
  )
  .map((groups) => groups.flat());
const textArb = fc
  .record({ lines, crlf: fc.boolean(), trailing: fc.constantFrom("", "\n", "\r\n") })
  .map(({ lines, crlf, trailing }) => lines.join(crlf ? "\r\n" : "\n") + (lines.length > 0 ? trailing : ""));
const optionsArb = fc.record({
  metrics: fc.option(
    fc.constantFrom(["loss", "a/b", "reward"], ["grad_norm", "actor/reward/avg", "ключ"], [] as string[]),
    { nil: undefined },
  ),
  stepKey: fc.option(fc.constantFrom("step", "global_step"), { nil: undefined }),
  problemKey: fc.option(fc.constantFrom("problem", "problem_id"), { nil: undefined }),
});
const cutsArb = fc.array(fc.nat(4000), { maxLength: 8 });

describe("fast JSONL path", () => {
  it("gives the same records and diagnostics as the per-line path (random line mixes and chunkings)", () => {
    fc.assert(
      fc.property(textArb, optionsArb, cutsArb, (text, options, cuts) => {
        const chunks = cut(Buffer.from(text, "utf8"), cuts);
        expect(fastRead(chunks, options)).toStrictEqual(referenceRead(chunks, options));
      }),
      { numRuns: 1500 },
    );
  });

  it("same outcome with invalid UTF-8 and chunks cut inside multi-byte characters", () => {
    const bytes = fc.array(
      fc.oneof(
        textArb.map((t) => Buffer.from(t, "utf8")),
        fc.uint8Array({ maxLength: 6 }).map((b) => Buffer.from(b)),
        fc.constantFrom(
          Buffer.from([0xe2, 0x82]),
          Buffer.from([0xf0, 0x9f, 0x98]),
          Buffer.from([0xf4, 0x90]),
          Buffer.from([0xc0, 0x80]),
          Buffer.from([0xed, 0xa0, 0x80]),
          Buffer.from('{"step":1,"ké😀":2}\n', "utf8"),
          Buffer.from("\n"),
        ),
      ),
      { maxLength: 12 },
    );
    fc.assert(
      fc.property(bytes, optionsArb, cutsArb, (parts, options, cuts) => {
        const all = Buffer.concat(parts);
        const chunks = cut(
          all,
          cuts.map((c) => c % (all.length + 1)),
        );
        expect(fastRead(chunks, options)).toStrictEqual(referenceRead(chunks, options));
      }),
      { numRuns: 1500 },
    );
  });

  it("same too-long lines and torn last line with a small maxLineLength", () => {
    fc.assert(
      fc.property(
        textArb,
        optionsArb,
        fc.array(fc.nat(600), { maxLength: 20 }),
        fc.nat(80),
        (text, options, cuts, max) => {
          const chunks = cut(Buffer.from(text, "utf8"), cuts);
          expect(fastRead(chunks, options, max)).toStrictEqual(referenceRead(chunks, options, max));
        },
      ),
      { numRuns: 1500 },
    );
  });

  it("stops at the same record (nothing reported after the stop)", () => {
    fc.assert(
      fc.property(textArb, cutsArb, fc.integer({ min: 1, max: 30 }), (text, cuts, stopAfter) => {
        const chunks = cut(Buffer.from(text, "utf8"), cuts);
        const options = { metrics: ["loss"] };
        const stop = (_: MetricRecord, count: number) => count < stopAfter;
        expect(fastRead(chunks, options, undefined, stop)).toStrictEqual(
          referenceRead(chunks, options, undefined, stop),
        );
      }),
      { numRuns: 800 },
    );
  });

  it("parses long runs of flat lines in batches with exact line numbers, falling back around bad lines", () => {
    const rows: string[] = [];
    for (let i = 0; i < 2000; i++) {
      if (i === 700) rows.push('{"step": 700, "loss": NaN}');
      else if (i === 1300) rows.push('{"step": 1300, "loss": 1,}');
      else if (i === 1500) rows.push('{"loss": 2}');
      else if (i === 1700) rows.push('{"step":1700,"x":{"y":1}}');
      else rows.push(`{"step":${i},"loss":${i / 7},"r":${i % 3 === 0}}`);
    }
    const text = rows.join("\n");
    const records: MetricRecord[] = [];
    const diagnostics: SourceDiagnostic[] = [];
    const n = parseMetricLines(
      text,
      1,
      {},
      {
        record: (r) => {
          records.push(r);
          return undefined;
        },
        diagnostic: (d) => diagnostics.push(d),
      },
    );
    expect(n).toBe(2000);
    expect(diagnostics).toEqual([
      { code: "INVALID_JSON", message: "line 1301: not valid JSON", line: 1301 },
      { code: "NO_STEP", message: "line 1501: no step field (step/global_step/_step/iteration)", line: 1501 },
    ]);
    expect(records).toHaveLength(1998);
    expect(records[700]!.metrics.loss).toBeNaN();
    expect(records[1698]!.metrics["x/y"]).toBe(1);
    expect({ records, diagnostics }).toStrictEqual(referenceRead([Buffer.from(text)], {}));
  });
});

describe("fast JSONL path: large chunks", () => {
  it("decodes a chunk in regions of whole lines (lines longer than a region, non-ASCII regions)", () => {
    const rows: string[] = [];
    for (let i = 0; i < 6000; i++) {
      if (i === 1000) rows.push(`{"step":${i},"blob":"${"x".repeat(150_000)}"}`);
      else if (i === 3000) rows.push(`{"step":${i},"name":"é${"y".repeat(70_000)}"}`);
      else if (i === 4000) rows.push(`{"step":${i},"nested":{"a":${"[".repeat(10)}${"]".repeat(10)}}}`);
      else rows.push(`{"step":${i},"loss":${i / 3},"ключ":${i % 2}}`);
    }
    const bytes = Buffer.from(`${rows.join("\n")}\n{"step":6000`, "utf8");
    for (const options of [{}, { metrics: ["loss", "ключ"] }])
      for (const chunks of [[bytes], cut(bytes, [1 << 20, 2 << 20]), cut(bytes, [70_001, 150_030, 400_000])])
        expect(fastRead(chunks, options)).toStrictEqual(referenceRead(chunks, options));
  });
});

describe("fast JSONL path: batches", () => {
  afterEach(() => vi.restoreAllMocks());

  it("parses flat lines with one JSON.parse per batch of 256 lines, ASCII or not", () => {
    for (const key of ["loss", "損失"]) {
      const rows = Array.from(
        { length: 600 },
        (_, i) => `{"step":${i},"${key}":${i / 8}}${i % 7 ? "" : "\r"}`,
      );
      const parse = vi.spyOn(JSON, "parse");
      const out = fastRead([Buffer.from(`${rows.join("\n")}\n`)], { metrics: [key] });
      expect(parse.mock.calls.map((call) => call[0])).toStrictEqual([
        `[${rows.slice(0, 256).join(",")}]`,
        `[${rows.slice(256, 512).join(",")}]`,
        `[${rows.slice(512).join(",")}]`,
      ]);
      vi.restoreAllMocks();
      expect(out.records).toHaveLength(600);
      expect(out.records[599]).toStrictEqual({ step: 599, metrics: { [key]: 599 / 8 } });
    }
  });
});

describe("fast JSONL path through files", () => {
  const dir = mkdtempSync(join(tmpdir(), "rlops-fast-jsonl-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** A file over several 1 MiB read chunks, with a multi-byte character across the first chunk boundary. */
  function bigFile(): { file: string; bytes: Buffer } {
    const rows: string[] = [];
    let size = 0;
    let step = 0;
    while (size < (1 << 20) - 200) {
      const row = `{"step":${step},"reward":${((step * 37) % 100) / 100 + 0.01},"loss":${1 / (step + 1)}}`;
      rows.push(row);
      size += row.length + 1;
      step++;
    }
    // "é" (2 bytes) starts one byte before the 1 MiB boundary.
    const pad = (1 << 20) - 1 - size - Buffer.byteLength(`{"step":${step},"pad":"","key_`);
    rows.push(`{"step":${step},"pad":"${"x".repeat(pad)}","key_é":1}`);
    step++;
    for (let i = 0; i < 30000; i++, step++) {
      if (i === 20000) rows.push(`{"step":${step},"reward":NaN,"loss":1}`);
      else if (i % 997 === 0) rows.push(`{"step":${step},"loss":NaN}`);
      else if (i % 1999 === 0) rows.push("");
      else if (i % 2999 === 0) rows.push(`{"step":${step},"nested":{"reward":1},"reward":[1]}`);
      else
        rows.push(`{"step":${step},"reward":${i % 40 < 12 ? 0 : 0.5},"loss":${1 / (step + 1)},"note":"ü"}\r`);
    }
    const bytes = Buffer.from(`${rows.join("\n")}\n{"step":${step},"reward":0`, "utf8");
    expect(bytes.subarray((1 << 20) - 1, (1 << 20) + 1).toString("utf8")).toBe("é");
    const file = join(dir, "big.jsonl");
    writeFileSync(file, bytes);
    return { file, bytes };
  }

  it("readMetricRecords and checkMetrics match the per-line path on a multi-chunk file", async () => {
    const { file, bytes } = bigFile();
    const chunks: Buffer[] = [];
    for (let i = 0; i < bytes.length; i += 1 << 20) chunks.push(bytes.subarray(i, i + (1 << 20)));
    const reference = referenceRead(chunks, {});
    const diagnostics: SourceDiagnostic[] = [];
    const records: MetricRecord[] = [];
    for await (const r of readMetricRecords(file, { onDiagnostic: (d) => diagnostics.push(d) }))
      records.push(r);
    expect(records).toStrictEqual(reference.records);
    expect(diagnostics).toStrictEqual(reference.diagnostics.map((d) => ({ ...d, file })));
    expect(reference.records.some((r) => "key_é" in r.metrics)).toBe(true);
    expect(reference.diagnostics.at(-1)?.code).toBe("TORN_LINE");

    const config = {
      rules: [
        {
          name: "collapse",
          metric: "reward",
          kind: "zero" as const,
          trigger: { consecutive: 10 },
          action: "save" as const,
        },
        {
          name: "window",
          metric: "reward",
          kind: "below" as const,
          threshold: 0.1,
          trigger: { window: { size: 20, fraction: 0.9 } },
        },
      ],
      earlyStopping: [{ name: "es", metric: "loss", patience: 1_000_000, checkFinite: false }],
      best: [{ name: "best", metric: "reward" }],
    };
    const result = await checkMetrics(config, [file]);
    const monitor = createMonitor(config);
    const decisions: Decision[] = [];
    const expected = referenceRead(chunks, { metrics: ["reward", "loss"] }, undefined, (record) => {
      const d = monitor.observe(record);
      if (d.action !== "continue") decisions.push(d);
      return !monitor.tripped;
    });
    expect(result.verdict).toMatchObject({ action: "rollback", rule: "window" });
    expect(result.verdict?.reason).toMatch(/^reward is NaN at step \d+$/);
    expect(decisions.filter((d) => d.action === "save").length).toBeGreaterThan(100);
    expect(result.decisions).toStrictEqual(decisions);
    expect(result.state).toStrictEqual(monitor.snapshot());
    expect(result.stats).toStrictEqual(monitor.stats());
    expect(result.diagnostics).toStrictEqual(expected.diagnostics.map((d) => ({ ...d, file })));
  });
});

/** checkMetrics by the plain path: per-line records (metricsOf) into `monitor.observe`, stop at a trip. */
function referenceCheck(
  chunks: readonly Buffer[],
  config: Parameters<typeof createMonitor>[0],
  merge = true,
) {
  const monitor = createMonitor(config);
  const decisions: Decision[] = [];
  let error: unknown = null;
  // Adjacent records of one step are one observation (the shared rule, see mergeRecordInto).
  const merger = new StepMerger();
  const observe = (record: MetricRecord | null) => {
    if (record === null) return true;
    try {
      const d = monitor.observe(record);
      if (d.action !== "continue") decisions.push(d);
    } catch (e) {
      error = e;
      return false;
    }
    return !monitor.tripped;
  };
  const { diagnostics } = referenceRead(chunks, { metrics: metricsOf(monitor.config) }, undefined, (record) =>
    observe(merge ? merger.push(record) : record),
  );
  if (error === null && !monitor.tripped) observe(merger.flush());
  return { monitor, decisions, diagnostics, error };
}

describe("checkMetrics fast path (metrics read from the parsed objects)", () => {
  const dir = mkdtempSync(join(tmpdir(), "rlops-fast-check-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("same decisions, state, stats and diagnostics as per-line records into monitor.observe", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(configArb, metricLines, async (config, text) => {
        const file = join(dir, `m${run++}.jsonl`);
        writeFileSync(file, text);
        const expected = referenceCheck([Buffer.from(text)], config);
        let result: Awaited<ReturnType<typeof checkMetrics>>;
        try {
          result = await checkMetrics(config, [file], { requireMetrics: false });
        } catch (error) {
          expect(expected.error).not.toBeNull();
          expect((error as Error).message).toBe((expected.error as Error).message);
          return;
        }
        expect(expected.error).toBeNull();
        expect(result.decisions).toStrictEqual(expected.decisions);
        expect(result.state).toStrictEqual(expected.monitor.snapshot());
        expect(result.stats).toStrictEqual(expected.monitor.stats());
        expect(result.diagnostics).toStrictEqual(expected.diagnostics.map((d) => ({ ...d, file })));
      }),
      { numRuns: 400 },
    );
  });

  it("same with arbitrary chunk cuts (the reader's field sink into the monitor's slots)", () => {
    fc.assert(
      fc.property(configArb, metricLines, cutsArb, (config, text, cuts) => {
        const chunks = cut(Buffer.from(text), cuts);
        const expected = referenceCheck(chunks, config, false);
        const monitor = createMonitor(config);
        const slots = slotMonitor(monitor)!;
        const decisions: Decision[] = [];
        const diagnostics: SourceDiagnostic[] = [];
        const decide = (d: Decision | null) => {
          if (d !== null && d.action !== "continue") decisions.push(d);
          return !monitor.tripped;
        };
        const reader = new JsonlChunkReader(
          { metrics: slots.slotKeys },
          {
            record: (record) => decide(observeQuiet(monitor, record)),
            diagnostic: (d) => diagnostics.push(d),
            fields: {
              metric: (i, v) => slots.setSlot(i, v),
              record: (step, problem) => decide(slots.observeSlots(step, problem)),
            },
          },
        );
        let error: unknown = null;
        try {
          if (chunks.every((chunk) => reader.push(chunk))) reader.end();
        } catch (e) {
          error = e;
        }
        expect((error as Error | null)?.message).toBe((expected.error as Error | null)?.message);
        expect(decisions).toStrictEqual(expected.decisions);
        expect(monitor.snapshot()).toStrictEqual(expected.monitor.snapshot());
        expect(monitor.stats()).toStrictEqual(expected.monitor.stats());
        if (error === null) expect(diagnostics).toStrictEqual(expected.diagnostics);
      }),
      { numRuns: 600 },
    );
  });
});
