// Shared test helper: runs every ```ts block of a README (unless preceded by <!-- no-run -->) as a test.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

/** Extracts runnable TypeScript examples from markdown text. */
export function extractExamples(markdown: string): { line: number; code: string }[] {
  const lines = markdown.split("\n");
  const out: { line: number; code: string }[] = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = lines[i]!.trim();
    if (fence !== "```ts" && fence !== "```typescript") continue;
    let prev = i - 1;
    while (prev >= 0 && lines[prev]!.trim() === "") prev--;
    const skip = prev >= 0 && lines[prev]!.includes("<!-- no-run -->");
    const start = i + 1;
    let end = start;
    while (end < lines.length && lines[end]!.trim() !== "```") end++;
    if (!skip) out.push({ line: start + 1, code: lines.slice(start, end).join("\n") });
    i = end;
  }
  return out;
}

/** Registers one vitest test per runnable example in the README at `readmeUrl`. */
export function testReadmeExamples(readmeUrl: URL): void {
  const readmePath = fileURLToPath(readmeUrl);
  const examples = extractExamples(readFileSync(readmePath, "utf8"));
  const tmp = join(dirname(readmePath), ".tmp", "readme");
  describe("README examples", () => {
    afterAll(() => rmSync(tmp, { recursive: true, force: true }));
    it("has at least one runnable example", () => {
      expect(examples.length).toBeGreaterThan(0);
    });
    for (const [index, example] of examples.entries()) {
      it(`example ${index + 1} (README.md line ${example.line}) runs`, async () => {
        mkdirSync(tmp, { recursive: true });
        const file = join(tmp, `example-${index + 1}-${process.pid}.ts`);
        writeFileSync(file, example.code);
        await import(pathToFileURL(file).href);
      });
    }
  });
}
