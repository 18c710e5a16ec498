import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { crc32c, type MetricRecord, TensorBoardDecoder } from "../src/index.js";
import { checkMetrics, readMetricRecords } from "../src/node.js";
import { data } from "./helpers.js";
import {
  bytesField,
  doubleField,
  event,
  floatField,
  frames,
  simpleValue,
  tensorValue,
  text,
  varintField,
} from "./tfrecord-writer.js";

const dir = mkdtempSync(join(tmpdir(), "recovery-tb-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function eventsFile(folder: string): string {
  const name = readdirSync(data(folder)).find((n) => n.startsWith("events.out.tfevents."));
  if (name === undefined) throw new Error(`no events file in ${folder}`);
  return data(`${folder}/${name}`);
}

async function read(path: string): Promise<{ records: MetricRecord[]; codes: string[] }> {
  const records: MetricRecord[] = [];
  const codes: string[] = [];
  for await (const r of readMetricRecords(path, { onDiagnostic: (d) => codes.push(d.code) })) records.push(r);
  return { records, codes };
}

describe("CRC-32C", () => {
  it("matches the Castagnoli check value and TFRecord's mask", () => {
    expect(crc32c(new TextEncoder().encode("123456789"))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa); // RFC 3720 B.4: 32 bytes of zeros
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
  });
});

describe("TensorBoard events (torch SummaryWriter)", () => {
  it("reads simple_value and new-style tensor scalars per step; text and histograms are skipped", async () => {
    const expected = JSON.parse(readFileSync(data("trainers/summarywriter/expected.json"), "utf8")) as {
      step: number;
      reward: number;
      loss: number | null;
      "kl/new_style": number;
    }[];
    const { records, codes } = await read(eventsFile("trainers/summarywriter"));
    expect(codes).toEqual([]);
    expect(records.map((r) => r.step)).toEqual(expected.map((e) => e.step));
    for (const [i, e] of expected.entries()) {
      const m = records[i]!.metrics;
      expect(Object.keys(m).sort()).toEqual(["kl/new_style", "loss", "reward"]);
      expect(m.reward).toBe(Math.fround(e.reward));
      expect(m["kl/new_style"]).toBe(Math.fround(e["kl/new_style"]));
      if (e.loss === null) expect(m.loss).toBeNaN();
      else expect(m.loss).toBe(Math.fround(e.loss));
    }
  });

  it("a torn last record (trainer still writing) is not an error; a bad CRC mid-file is CRC_MISMATCH", async () => {
    const bytes = readFileSync(eventsFile("trainers/summarywriter"));
    const torn = join(dir, "events.out.tfevents.torn");
    writeFileSync(torn, bytes.subarray(0, bytes.length - 7));
    const { records, codes } = await read(torn);
    expect(codes).toEqual(["TORN_RECORD"]);
    expect(records.at(-1)!.step).toBeGreaterThanOrEqual(19);

    for (const at of [Math.floor(bytes.length / 2), 3]) {
      const bad = Buffer.from(bytes);
      bad[at] = bad[at]! ^ 0x10;
      const file = join(dir, `events.out.tfevents.bad${at}`);
      writeFileSync(file, bad);
      await expect(read(file)).rejects.toMatchObject({ code: "CRC_MISMATCH" });
    }
  });

  it("the breaker trips on the collapsed reward read from the events file", async () => {
    const result = await checkMetrics(
      { rules: [{ name: "collapse", metric: "reward", kind: "zero", trigger: { consecutive: 3 } }] },
      [eventsFile("trainers/summarywriter")],
    );
    expect(result.verdict).toMatchObject({ action: "rollback", step: 17, firstBadStep: 15 });
  });
});

describe("TensorBoard events (HF Trainer report_to=tensorboard)", () => {
  it("undoes rewrite_logs: names equal trainer_state.json's, values equal to float32, more steps than the checkpoint", async () => {
    const { records } = await read(
      eventsFile(`trainers/hf-trainer/runs/${readdirSync(data("trainers/hf-trainer/runs"))[0]}`),
    );
    const state = JSON.parse(
      readFileSync(data("trainers/hf-trainer/checkpoint-5/trainer_state.json"), "utf8"),
    ) as {
      log_history: Record<string, number>[];
    };
    const steps = records.map((r) => r.step);
    expect(steps[0]).toBe(1);
    expect(steps.at(-1)).toBe(12);
    for (const entry of state.log_history) {
      const record = records.find((r) => r.step === entry.step)!;
      for (const [k, v] of Object.entries(entry)) {
        if (k === "step" || typeof v !== "number") continue;
        expect(record.metrics[k], `${k} at step ${entry.step}`).toBe(Math.fround(v));
      }
    }
    expect(Object.keys(records[3]!.metrics)).toContain("eval_loss"); // train + eval at step 4 merged
  });
});

describe("TensorBoard protobuf cases", () => {
  const decode = (bytes: Buffer, options = {}) => {
    const out: MetricRecord[] = [];
    const d = new TensorBoardDecoder(options);
    d.push(bytes, (r) => out.push(r));
    d.flush((r) => out.push(r));
    return out;
  };
  const dtype = (n: number) => varintField(1, n);
  it("scalar tensors: float_val, double_val (packed), int64_val, tensor_content; non-scalars and other plugins skipped", () => {
    const f64 = [...new Uint8Array(new Float64Array([0.1]).buffer)];
    const records = decode(
      frames([
        bytesField(3, text("brain.Event:2")), // file_version event
        event(3, [
          tensorValue("a", [...dtype(1), ...floatField(5, 1.5)]),
          tensorValue("b", [...dtype(2), ...bytesField(6, f64)], "scalars"),
          tensorValue("c", [...dtype(9), ...varintField(10, 7)]),
          tensorValue("d", [...dtype(2), ...bytesField(4, f64)]),
          tensorValue("vec", [
            ...dtype(1),
            ...bytesField(2, bytesField(2, varintField(1, 2))),
            ...floatField(5, 1),
            ...floatField(5, 2),
          ]),
          tensorValue("txt", [...dtype(7), ...bytesField(8, text("hi"))], "text"),
          tensorValue("hist", [...dtype(2), ...bytesField(6, f64)], "histograms"),
        ]),
        event(3, [simpleValue("e", 2)]),
        event(4, [simpleValue("a", 3)]),
      ]),
    );
    expect(records).toEqual([
      { step: 3, metrics: { a: 1.5, b: 0.1, c: 7, d: 0.1, e: 2 } },
      { step: 4, metrics: { a: 3 } },
    ]);
  });

  it("negative or huge steps and malformed values never throw", () => {
    const records = decode(
      frames([
        event(-1n, [simpleValue("a", 1)]),
        [0x2a, 0x05, 0x0a, 0x10, 0x01], // summary with a truncated value
        [0xff, 0xff, 0xff],
        event(2, [simpleValue("a", 2)]),
      ]),
    );
    expect(records).toEqual([{ step: 2, metrics: { a: 2 } }]);
  });

  it("bytes fed in any cut give the same records", () => {
    const bytes = frames([
      event(1, [simpleValue("a", 1), simpleValue("b", 2)]),
      event(2, [simpleValue("a", 3)]),
    ]);
    const whole = decode(bytes);
    for (let cut = 1; cut < bytes.length; cut++) {
      const out: MetricRecord[] = [];
      const d = new TensorBoardDecoder();
      d.push(bytes.subarray(0, cut), (r) => out.push(r));
      d.push(bytes.subarray(cut), (r) => out.push(r));
      d.flush((r) => out.push(r));
      expect(out).toEqual(whole);
    }
    expect(doubleField(1, 1).length).toBe(9);
  });
});
