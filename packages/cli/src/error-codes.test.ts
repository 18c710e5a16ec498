// The CLI README's error table must list every code the CLI can print: its own (CLI_ERROR_CODES and any
// code literal in the source) and the codes of the library errors it prints.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CLI_ERROR_CODES } from "./errors.js";

const here = new URL(".", import.meta.url).pathname;
const readme = readFileSync(join(here, "../README.md"), "utf8");
const errorsSection = readme.slice(readme.indexOf("## Errors"));

/** `code → exit` of the README's CLI table rows (`| \`CODE\` | when | exit |`). */
function readmeCliRows(): Map<string, number> {
  const rows = new Map<string, number>();
  for (const m of errorsSection.matchAll(/^\| `([A-Z_]+)` +\|[^\n]*\| +(\d+) +\|$/gm))
    rows.set(m[1]!, Number(m[2]));
  return rows;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) out.push(...sourceFiles(path));
    else if (e.name.endsWith(".ts") && !e.name.includes(".test.")) out.push(path);
  }
  return out;
}

/** Code literals the CLI source can print: ExitError/CliError codes and `rlops: CODE:` lines. */
function sourceCodes(): Set<string> {
  const codes = new Set<string>();
  const patterns = [
    /new ExitError\(\s*EXIT\.\w+,\s*"([A-Z_]+)"/g,
    /new CliError\(\{\s*code: "([A-Z_]+)"/g,
    /`rlops: ([A-Z_]+): /g,
    /code: "([A-Z_]+)",\s*message:/g,
  ];
  for (const file of sourceFiles(here)) {
    const text = readFileSync(file, "utf8");
    for (const pattern of patterns) for (const m of text.matchAll(pattern)) codes.add(m[1]!);
  }
  return codes;
}

/** The code unions of the libraries whose errors the CLI prints. */
function libraryCodes(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const pkg of ["run", "recovery", "checkpoint-layout", "rewards", "arc-eval", "harmony-format"]) {
    const text = readFileSync(join(here, `../../${pkg}/src/errors.ts`), "utf8");
    const union = /export type \w+ErrorCode\s*=([^;]+);/.exec(text)?.[1] ?? "";
    out.set(
      pkg,
      [...union.matchAll(/"([A-Z_]+)"/g)].map((m) => m[1]!),
    );
  }
  return out;
}

describe("the CLI README error table", () => {
  it("lists every CliError code with its exit code", () => {
    const rows = readmeCliRows();
    for (const [code, { exit }] of Object.entries(CLI_ERROR_CODES))
      expect([code, rows.get(code)]).toEqual([code, exit]);
  });

  it("lists every code literal of the CLI source (and the source finds the known ones)", () => {
    const codes = sourceCodes();
    expect(codes.has("BAD_FLAG") && codes.has("NOTHING_FOUND") && codes.has("PATH_NOT_FOUND")).toBe(true);
    const rows = readmeCliRows();
    expect([...codes].filter((c) => !rows.has(c))).toEqual([]);
    // and every such code is a declared CliErrorCode (one table, one union)
    expect([...codes].filter((c) => !(c in CLI_ERROR_CODES))).toEqual([]);
  });

  it("lists the codes of every library error the CLI can print", () => {
    for (const [pkg, codes] of libraryCodes()) {
      expect(codes.length, pkg).toBeGreaterThan(0);
      const line = errorsSection.split("\n").find((l) => l.startsWith(`| \`@rlops/${pkg}\``)) ?? "";
      expect(
        codes.filter((c) => !line.includes(`\`${c}\``)),
        pkg,
      ).toEqual([]);
    }
  });
});
