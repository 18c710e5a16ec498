import { visibleWidth } from "./format.js";

/** Narrowest width the terminal renderers lay out for. */
const MIN_WIDTH = 40;
/** Width used when neither `COLUMNS` nor a terminal says (pipes, CI logs): the classic 80 columns. */
const DEFAULT_WIDTH = 80;

/**
 * The width terminal output must fit: `COLUMNS` when it is a number (so `COLUMNS=120 rlops report | less`
 * works), else the terminal's own width when stdout is a TTY, else 80 columns (a pipe
 * or CI log gets the same layout every time; use `--json` for the untruncated data). At least 40.
 * Plain values in (the CLI passes `process.stdout` and `process.env`), so the entry stays browser-safe.
 */
export function terminalWidth(
  stream: { isTTY?: boolean; columns?: number },
  env: Record<string, string | undefined>,
): number {
  const fromEnv = Number(env.COLUMNS);
  if (env.COLUMNS && Number.isInteger(fromEnv) && fromEnv > 0) return Math.max(MIN_WIDTH, fromEnv);
  if (stream.isTTY === true && typeof stream.columns === "number" && stream.columns > 0)
    return Math.max(MIN_WIDTH, stream.columns);
  return DEFAULT_WIDTH;
}

const ESC = "\x1b";

/** Splits a line into visible characters and zero-width ANSI SGR sequences. */
function tokens(line: string): { text: string; width: number }[] {
  const out: { text: string; width: number }[] = [];
  for (let i = 0; i < line.length; i++) {
    if (line.charCodeAt(i) === 0x1b && line[i + 1] === "[") {
      const end = line.indexOf("m", i);
      if (end !== -1 && end - i < 16) {
        out.push({ text: line.slice(i, end + 1), width: 0 });
        i = end;
        continue;
      }
    }
    const code = line.codePointAt(i) ?? 0;
    const ch = String.fromCodePoint(code);
    if (ch.length === 2) i++;
    out.push({ text: ch, width: 1 });
  }
  return out;
}

/** Cuts a line to `width` visible columns, ending in `…` (ANSI-aware: colour is reset after the cut). */
export function truncateLine(line: string, width: number): string {
  if (visibleWidth(line) <= width) return line;
  let out = "";
  let used = 0;
  let styled = false;
  for (const t of tokens(line)) {
    if (t.width === 0) {
      out += t.text;
      styled = true;
      continue;
    }
    if (used + 1 > width - 1) break;
    out += t.text;
    used++;
  }
  return `${out}…${styled ? `${ESC}[0m` : ""}`;
}

/** Breaks text at spaces outside quotes; returns the break candidates' start indexes of each word. */
function words(text: string, quoteAware: boolean): string[] {
  const out: string[] = [];
  let current = "";
  let quote: string | null = null;
  for (const ch of text) {
    if (quoteAware && (ch === "'" || ch === '"')) quote = quote === ch ? null : quote === null ? ch : quote;
    if (ch === " " && quote === null) {
      if (current) out.push(current);
      current = "";
    } else current += ch;
  }
  if (current) out.push(current);
  return out;
}

/** Greedy word wrap with a hanging indent; words longer than a line are cut hard. */
function wrap(line: string, width: number, command: boolean): string[] {
  const indent = /^ */.exec(line)?.[0] ?? "";
  const body = line.slice(indent.length);
  const hang = `${indent}${command ? "    " : "  "}`;
  const suffix = command ? " \\" : "";
  const lines: string[] = [];
  let current = indent;
  let currentWidth = indent.length;
  let first = true;
  for (const word of words(body, command)) {
    const w = visibleWidth(word);
    const room = width - (command ? suffix.length : 0);
    const sep = currentWidth > (first ? indent.length : hang.length) ? 1 : 0;
    if (currentWidth + sep + w <= room) {
      current += (sep ? " " : "") + word;
      currentWidth += sep + w;
      continue;
    }
    if (currentWidth > (first ? indent.length : hang.length)) {
      lines.push(current + suffix);
      first = false;
      current = hang;
      currentWidth = hang.length;
    }
    let rest = word;
    while (visibleWidth(rest) > room - currentWidth && room - currentWidth > 8 && !command) {
      const cut = truncateLine(rest, room - currentWidth + 1).replace(/…(\x1b\[0m)?$/, "");
      lines.push(current + cut);
      first = false;
      rest = rest.slice(cut.length);
      current = hang;
      currentWidth = hang.length;
    }
    current += rest;
    currentWidth += visibleWidth(rest);
  }
  lines.push(current);
  return lines;
}

/** A line of aligned columns (two or more spaces between cells): truncated, not wrapped. */
const TABULAR = /\S {2,}\S/;
/** A shell command line (`$ …`): wrapped with ` \` continuations, never inside quotes. */
const COMMAND = /^ *(\x1b\[[0-9;]*m)*\$(\x1b\[[0-9;]*m)* /;

/**
 * Fits text to `width` columns, line by line: command lines wrap with shell continuations (still
 * copy-pasteable), table rows are truncated with `…`, other lines wrap at spaces with a hanging indent.
 */
export function fitToWidth(text: string, width: number): string {
  const out: string[] = [];
  for (const line of text.split("\n")) {
    if (visibleWidth(line) <= width) out.push(line);
    else if (COMMAND.test(line)) out.push(...wrap(line, width, true));
    else if (TABULAR.test(line.trimStart())) out.push(truncateLine(line, width));
    else out.push(...wrap(line, width, false));
  }
  return out.join("\n");
}
