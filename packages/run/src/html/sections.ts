import { formatBytes, formatNumber, formatPercent } from "../format.js";
import { relativizePaths } from "../paths.js";
import type { Report, SampleCompletion } from "../schema.js";
import { MARK } from "./model.js";

/** HTML-escapes text. */
export const esc = (text: string) =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** Distinct problems of a checkpoint, paths relative to the run root. */
function problemList(report: Report, ck: Report["checkpoints"]["items"][number]): string {
  const seen = new Set<string>();
  const items: string[] = [];
  for (const p of ck.problems) {
    const line = `${p.code}: ${relativizePaths(p.message, report.root)}`;
    if (seen.has(line)) continue;
    seen.add(line);
    items.push(`<li class="${p.severity === "warning" ? "warn" : "bad"}">${esc(line)}</li>`);
  }
  return items.length ? `<ul class="problems">${items.join("")}</ul>` : "";
}

/** The checkpoint table. */
export function checkpointTable(report: Report): string {
  if (report.checkpoints.items.length === 0) return "<p>No checkpoints found.</p>";
  const rows = report.checkpoints.items.map((ck) => {
    const marks = [
      ck.name === report.checkpoints.latestResumable ? '<span class="tag ok">latest resumable</span>' : "",
      ck.role === "best" || ck.best === true ? '<span class="tag info">best</span>' : "",
      ck.name === report.nextAction.checkpoint ? '<span class="tag warn">next action</span>' : "",
    ].join("");
    return (
      `<tr class="${ck.complete ? "" : "bad"}"><td class="name">${esc(ck.name)} ${marks}</td><td class="num">${ck.step ?? "—"}</td>` +
      `<td>${ck.role}</td><td>${ck.complete ? "yes" : "<b>NO</b>"}</td><td>${ck.capabilities.resume ? "yes" : "no"}</td>` +
      `<td>${ck.capabilities.inference ? "yes" : "no"}</td><td class="num">${formatBytes(ck.bytes)}</td><td>${problemList(report, ck)}</td></tr>`
    );
  });
  return (
    '<div class="scroll"><table><thead><tr><th>name</th><th>step</th><th>role</th><th>complete</th><th>resume</th>' +
    `<th>inference</th><th>size</th><th>problems</th></tr></thead><tbody>${rows.join("")}</tbody></table></div>`
  );
}

/** The breaker verdict in one sentence. */
export function breakerVerdict(report: Report): { text: string; cls: string } {
  const trip = report.breaker.trip;
  if (report.breaker.status === "not-run") return { text: "not run", cls: "muted" };
  if (!trip) return { text: "ok: no rule tripped", cls: "ok" };
  const first = typeof trip.firstBadStep === "number" ? `, first bad step ${trip.firstBadStep}` : "";
  return { text: `${trip.action} by ${trip.rule ?? "?"} at step ${trip.step}${first}`, cls: "bad" };
}

/** The breaker section. */
export function breakerSection(report: Report): string {
  const v = breakerVerdict(report);
  const trip = report.breaker.trip;
  const rules = report.breaker.rules.length ? ` Rules: ${esc(report.breaker.rules.join(", "))}.` : "";
  return `<p class="${v.cls}"><b>${esc(v.text)}</b>${trip ? ` — ${esc(trip.reason)}` : ""}</p><p class="muted">Config ${esc(report.breaker.config)}.${rules}</p>`;
}

/** Disk use per checkpoint as bars, with a legend for the colours. */
export function diskSection(report: Report): string {
  const items = report.checkpoints.items.filter((c) => c.bytes > 0);
  const pruned = new Set(report.retention?.delete.map((d) => d.name) ?? []);
  const summary = `<p>${formatBytes(report.disk.totalBytes)} in ${report.disk.files} files; checkpoints ${formatBytes(report.disk.checkpointBytes)}; reclaimable by the safe retention plan ${formatBytes(report.disk.reclaimableBytes)}.</p>`;
  if (items.length === 0) return summary;
  const max = Math.max(...items.map((c) => c.bytes));
  const legend =
    `<p class="legend-static" id="disk-legend"><span><span class="sw" style="background:${MARK.info}"></span>kept</span>` +
    `<span><span class="sw" style="background:${MARK.warn}"></span>the safe retention plan would delete</span>` +
    `<span><span class="sw" style="background:${MARK.bad}"></span>incomplete</span></p>`;
  const bars = items
    .map((c) => {
      const color = !c.complete ? MARK.bad : pruned.has(c.name) ? MARK.warn : MARK.info;
      return `<div class="bar-row"><span class="bar-name" title="${esc(c.name)}">${esc(c.name)}</span><span class="bar-track"><span class="bar" style="width:${((c.bytes / max) * 100).toFixed(2)}%;background:${color}"></span></span><span class="bar-value">${formatBytes(c.bytes)}</span></div>`;
    })
    .join("");
  return `${summary}${legend}<div class="bars" id="disk-bars">${bars}</div>`;
}

/** The ARC section: totals and per-step accuracy come from the charts; this is the summary sentence. */
export function arcSection(report: Report): string {
  const arc = report.arc;
  if (!arc) return "";
  const t = arc.totals;
  const problems = t.perfectProblems.length ? ` (${esc(t.perfectProblems.join(", "))})` : "";
  const disagree = t.loggedDisagreements
    ? `<p class="warn">${t.loggedDisagreements} step(s) where the logged best_accuracy differs from the re-scored one.</p>`
    : "";
  return `<p>${t.steps} steps, ${t.candidates} candidates, grid found in ${formatPercent(t.candidates ? t.withGrid / t.candidates : 0)}, perfect on ${t.perfectSteps} step(s) across ${t.perfectProblems.length} problem(s)${problems}; mean best pixel accuracy ${formatNumber(t.meanBestPixelAccuracy)}.</p>${disagree}`;
}

function sampleCard(sample: SampleCompletion): string {
  const title =
    sample.label === "best"
      ? `Best step ${sample.step}: candidate ${sample.candidateId ?? "?"}, pixel accuracy ${formatNumber(sample.pixelAccuracy)}`
      : `At the collapse, step ${sample.step}: candidate ${sample.candidateId ?? "?"}, pixel accuracy ${formatNumber(sample.pixelAccuracy)}`;
  const messages = sample.messages
    .map(
      (m) =>
        `<div class="msg ch-${esc(m.channel ?? "none")}"><div class="ch">${esc(m.role)}${m.channel ? ` · channel <b>${esc(m.channel)}</b>` : " · no harmony channel"}${m.truncated ? " · truncated" : ""}</div><pre>${esc(m.content)}</pre></div>`,
    )
    .join("");
  const diag = sample.parseDiagnostics
    ? `<p class="warn">${sample.parseDiagnostics} harmony parse diagnostic(s) (malformed or unterminated tokens).</p>`
    : "";
  return `<article class="sample" id="sample-${sample.label}"><h3>${esc(title)}</h3><p class="muted">${esc(sample.file)}${sample.problemId ? ` · problem ${esc(sample.problemId)}` : ""}</p>${diag}${messages}</article>`;
}

/** Sample completions at the best step and at the collapse. */
export function samplesSection(report: Report): string {
  if (!report.samples || report.samples.length === 0) return "";
  return `<h2>Sample completions</h2><div class="samples">${report.samples.map(sampleCard).join("")}</div>`;
}

/** One row per run of a comparison: layout, steps, best checkpoint, breaker verdict, next action. */
export function comparisonTable(
  reports: readonly Report[],
  labels: readonly string[],
  colors: readonly string[],
): string {
  const rows = reports.map((r, i) => {
    const v = breakerVerdict(r);
    const steps =
      r.metrics.firstStep === null
        ? "—"
        : `${r.metrics.firstStep}–${r.metrics.lastStep} (${r.metrics.steps})`;
    return (
      `<tr><td class="name"><span class="sw" style="background:${colors[i]}"></span>${esc(labels[i] ?? "")}</td><td>${esc(r.layout ?? "unknown")}</td>` +
      `<td class="num">${steps}</td><td>${esc(r.checkpoints.best ?? "—")}</td>` +
      `<td class="${v.cls}">${esc(v.text)}</td><td>${esc(r.nextAction.title)}${r.nextAction.command ? `<br><code>${esc(r.nextAction.command)}</code>` : ""}</td></tr>`
    );
  });
  return (
    '<div class="scroll"><table id="comparison"><thead><tr><th>run</th><th>layout</th><th>steps</th><th>best checkpoint</th>' +
    `<th>breaker</th><th>next action</th></tr></thead><tbody>${rows.join("")}</tbody></table></div>`
  );
}
