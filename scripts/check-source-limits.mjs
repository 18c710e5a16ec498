#!/usr/bin/env node
// Fails when a non-test source file under packages/*/src is over 500 lines, or a function in it
// (function declaration, method, constructor, accessor, or a function/arrow expression assigned to a
// const or class property) is over 150 lines, unless the line just before the function says
// `// long-function: <why>`. Files whose first line is `// generated` are exempt.
// Prints `file:line name length` per violation. Usage: node scripts/check-source-limits.mjs [--json]
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";

const MAX_FILE_LINES = 500;
const MAX_FUNCTION_LINES = 150;
const root = new URL("..", import.meta.url).pathname;
const TEST_FILE = /\.(test|test-d|spec)\.tsx?$/;

/** Every .ts/.tsx file under `dir`, recursively. */
function sourceFiles(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(path));
    else if (/\.tsx?$/.test(entry.name) && !TEST_FILE.test(entry.name) && !entry.name.endsWith(".d.ts"))
      out.push(path);
  }
  return out;
}

/** The name a function node is known by (its own, or the const/property it is assigned to). */
function nameOf(node) {
  if (node.name && ts.isIdentifier(node.name)) return node.name.text;
  if (node.name) return node.name.getText();
  if (ts.isConstructorDeclaration(node)) return "constructor";
  const parent = node.parent;
  if (
    parent &&
    (ts.isVariableDeclaration(parent) || ts.isPropertyDeclaration(parent) || ts.isPropertyAssignment(parent))
  )
    return parent.name.getText();
  return "<anonymous>";
}

/** True for the function-like nodes this check measures. */
function isMeasured(node) {
  if (
    ts.isFunctionDeclaration(node) ||
    ts.isMethodDeclaration(node) ||
    ts.isConstructorDeclaration(node) ||
    ts.isGetAccessorDeclaration(node) ||
    ts.isSetAccessorDeclaration(node)
  )
    return node.body !== undefined;
  if (ts.isArrowFunction(node) || ts.isFunctionExpression(node)) {
    const parent = node.parent;
    return (
      parent !== undefined &&
      (ts.isVariableDeclaration(parent) ||
        ts.isPropertyDeclaration(parent) ||
        ts.isPropertyAssignment(parent))
    );
  }
  return false;
}

/** The statement a waiver comment sits above: the variable statement for `const f = () => …`. */
function anchorOf(node) {
  let n = node;
  if (ts.isArrowFunction(n) || ts.isFunctionExpression(n)) n = n.parent;
  if (ts.isVariableDeclaration(n)) n = n.parent?.parent ?? n; // declaration → list → statement
  return n;
}

const violations = [];
const packagesDir = join(root, "packages");
for (const pkg of readdirSync(packagesDir, { withFileTypes: true })) {
  if (!pkg.isDirectory()) continue;
  let files;
  try {
    files = sourceFiles(join(packagesDir, pkg.name, "src"));
  } catch {
    continue;
  }
  for (const file of files) {
    const text = readFileSync(file, "utf8");
    const lines = text.split("\n");
    if (/^\/\/\s*generated\b/i.test(lines[0] ?? "")) continue;
    const rel = relative(root, file);
    const lineCount = text.endsWith("\n") ? lines.length - 1 : lines.length;
    if (lineCount > MAX_FILE_LINES)
      violations.push({ file: rel, line: 1, name: "<file>", length: lineCount, limit: MAX_FILE_LINES });
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
    const visit = (node) => {
      if (isMeasured(node)) {
        const anchor = anchorOf(node);
        const startLine = source.getLineAndCharacterOfPosition(anchor.getStart(source)).line;
        const endLine = source.getLineAndCharacterOfPosition(node.getEnd()).line;
        const length = endLine - startLine + 1;
        const waived = /\/\/\s*long-function:\s*\S/.test(lines[startLine - 1] ?? "");
        if (length > MAX_FUNCTION_LINES && !waived)
          violations.push({
            file: rel,
            line: startLine + 1,
            name: nameOf(node),
            length,
            limit: MAX_FUNCTION_LINES,
          });
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
}

if (process.argv.includes("--json")) console.log(JSON.stringify(violations, null, 2));
else
  for (const v of violations)
    console.log(`${v.file}:${v.line} ${v.name} ${v.length} lines (limit ${v.limit})`);
if (violations.length > 0) {
  console.error(
    `\n${violations.length} source limit violation(s): files ≤ ${MAX_FILE_LINES} lines, functions ≤ ${MAX_FUNCTION_LINES} lines ` +
      "(a state machine may say why with `// long-function: <why>` on the line before it; generated files start with `// generated`).",
  );
  process.exit(1);
}
console.log("source limits OK");
