import { StepMerger } from "./merge.js";
import type { MetricRecord } from "./monitor.js";
import { NONFINITE_TEXT, type SourceDiagnostic } from "./sources.js";

/** Largest number of columns read from a header (bounded work per row). */
const MAX_COLUMNS = 4096;
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Splits one CSV line (RFC 4180 quotes, `""` inside quotes); linear, no backtracking. */
function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  const n = line.length;
  for (;;) {
    if (out.length >= MAX_COLUMNS) return out;
    if (line.charCodeAt(i) === 34) {
      let value = "";
      let j = i + 1;
      for (;;) {
        const q = line.indexOf('"', j);
        if (q === -1) {
          value += line.slice(j);
          j = n;
          break;
        }
        value += line.slice(j, q);
        if (line.charCodeAt(q + 1) === 34) {
          value += '"';
          j = q + 2;
        } else {
          j = q + 1;
          break;
        }
      }
      out.push(value);
      const comma = line.indexOf(",", j);
      if (comma === -1) return out;
      i = comma + 1;
    } else {
      const comma = line.indexOf(",", i);
      if (comma === -1) {
        out.push(line.slice(i));
        return out;
      }
      out.push(line.slice(i, comma));
      i = comma + 1;
    }
  }
}

/** A CSV cell as a metric value: a number, `nan`/`inf` (Python's spelling), or undefined (empty, text). */
function csvValue(cell: string): number | undefined {
  // Python writes at most ~25 characters per float; longer cells are text (and bound the regex).
  if (cell === "" || cell.length > 64) return undefined;
  if (NUMBER.test(cell)) return Number(cell);
  const t = cell.trim();
  if (NUMBER.test(t)) return Number(t);
  return NONFINITE_TEXT[t] ?? NONFINITE_TEXT[t.toLowerCase()];
}

/**
 * Reads Lightning `CSVLogger` `metrics.csv` line by line: the first line is the header, every other
 * row one record at its `step` column (empty cells are missing metrics; `epoch` stays a metric).
 * Lightning writes train and validation metrics of one step in separate rows: adjacent rows of a
 * step are merged with the shared rule. `header` restarts on a new header (the logger rewrites the
 * file when new metric names appear). Pure.
 */
export class LightningCsvDecoder {
  private columns: string[] | null = null;
  private stepColumn = -1;
  private readonly merger = new StepMerger();

  constructor(
    private readonly options: { metrics?: readonly string[] | undefined; file?: string | undefined } = {},
  ) {}

  /** Reads one line (without its newline); `lineNumber` is 1-based. */
  line(
    text: string,
    lineNumber: number,
    onRecord: (record: MetricRecord) => void,
    onDiagnostic: (d: SourceDiagnostic) => void,
  ): void {
    const line = text.charCodeAt(text.length - 1) === 13 ? text.slice(0, -1) : text;
    if (line.trim() === "") return;
    const cells = splitCsvLine(line);
    if (this.columns === null) {
      this.columns = cells;
      this.stepColumn = cells.indexOf("step");
      if (this.stepColumn === -1)
        onDiagnostic({
          code: "NO_STEP",
          message: `${this.options.file ?? "metrics.csv"}: header has no step column`,
          line: lineNumber,
        });
      return;
    }
    const columns = this.columns;
    const stepCell = this.stepColumn === -1 ? undefined : cells[this.stepColumn];
    const step = stepCell === undefined ? undefined : csvValue(stepCell);
    if (step === undefined || !Number.isSafeInteger(step) || step < 0) {
      onDiagnostic({ code: "NO_STEP", message: `line ${lineNumber}: no step`, line: lineNumber });
      return;
    }
    if (cells.length > columns.length)
      onDiagnostic({
        code: "INVALID_ROW",
        message: `line ${lineNumber}: ${cells.length} cells for ${columns.length} columns`,
        line: lineNumber,
      });
    const wanted = this.options.metrics;
    const metrics: Record<string, number | null> = {};
    for (let i = 0; i < columns.length && i < cells.length; i++) {
      if (i === this.stepColumn) continue;
      const name = columns[i]!;
      if (wanted !== undefined && !wanted.includes(name)) continue;
      const value = csvValue(cells[i]!);
      if (value !== undefined) metrics[name] = value;
    }
    const done = this.merger.push({ step, metrics });
    if (done !== null) onRecord(done);
  }

  /** Emits the pending step (call at the end of the input, or when no more lines are coming for now). */
  flush(onRecord: (record: MetricRecord) => void): void {
    const done = this.merger.flush();
    if (done !== null) onRecord(done);
  }
}
