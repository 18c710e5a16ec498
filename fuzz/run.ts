/**
 * `pnpm fuzz`: runs every fuzz target (or `--only <substring>`), bounded by `FUZZ_RUNS` inputs per
 * target (default 100 000) and `FUZZ_BUDGET_S` seconds per group (default 30, shared by the
 * group's targets), with the fixed seed `FUZZ_SEED` (default 20261202). Exits 1 on any failure.
 */
import { type AnyTarget, runTarget, type TargetReport } from "./harness.js";
import { targets } from "./targets/index.js";

const runs = Number(process.env.FUZZ_RUNS ?? 100_000);
const budgetS = Number(process.env.FUZZ_BUDGET_S ?? 30);
const seed = Number(process.env.FUZZ_SEED ?? 20261202);
const onlyAt = process.argv.indexOf("--only");
const only = onlyAt === -1 ? undefined : process.argv[onlyAt + 1];

const selected = targets.filter((t) => only === undefined || t.name.includes(only) || t.group === only);
if (selected.length === 0) {
  console.error(
    `no fuzz target matches ${JSON.stringify(only)}; targets: ${targets.map((t) => t.name).join(", ")}`,
  );
  process.exit(2);
}
const perGroup = new Map<string, AnyTarget[]>();
for (const t of selected) perGroup.set(t.group, [...(perGroup.get(t.group) ?? []), t]);

console.log(`fuzz: ${selected.length} targets, ≤${runs} inputs each, ${budgetS} s per group, seed ${seed}`);
const reports: TargetReport[] = [];
for (const [group, list] of perGroup) {
  const budgetMs = (budgetS * 1000) / list.length;
  for (const target of list) {
    const report = await runTarget(target, { runs, budgetMs, seed });
    reports.push(report);
    const worst = report.perMb.reduce((m, p) => Math.max(m, p.msPerMb), 0);
    const ratio = report.medianMsPerMb > 0 ? worst / report.medianMsPerMb : 0;
    console.log(
      `${report.failures.length === 0 ? "ok  " : "FAIL"} ${target.name.padEnd(44)} ${String(report.runs).padStart(6)} inputs ${(report.ms / 1000).toFixed(1).padStart(5)} s${report.interrupted ? " (budget)" : "         "}  large: ${report.perMb.length} inputs, median ${report.medianMsPerMb.toFixed(1)} ms/MB, worst ${ratio.toFixed(1)}×  [${group}]`,
    );
    for (const f of report.failures) console.log(`     ${f}`);
  }
}
const failed = reports.filter((r) => r.failures.length > 0);
if (failed.length > 0) {
  console.error(`\nfuzz: ${failed.length} target(s) failed: ${failed.map((r) => r.name).join(", ")}`);
  process.exit(1);
}
console.log(`\nfuzz OK: ${reports.reduce((n, r) => n + r.runs, 0)} inputs`);
