/** Metric groups of the HTML report's charts, in page order; the first group whose test matches wins. */
const METRIC_GROUPS: readonly { id: string; title: string; test: (name: string) => boolean }[] = [
  { id: "reward", title: "Reward", test: (n) => /reward/i.test(n) },
  { id: "loss", title: "Loss", test: (n) => /loss/i.test(n) },
  { id: "kl", title: "KL", test: (n) => /(^|[/_])kl([/_]|$)/i.test(n) },
  { id: "entropy", title: "Entropy", test: (n) => /entropy/i.test(n) },
  { id: "grad-norm", title: "Gradient norm", test: (n) => /grad_?norm/i.test(n) },
  { id: "lr", title: "Learning rate", test: (n) => /(^|[/_])(lr|learning_rate)$/i.test(n) },
  { id: "completions", title: "Completions", test: (n) => /^completions\//i.test(n) },
  { id: "clip-ratio", title: "Clip ratio", test: (n) => /^clip_ratio(\/|$)/i.test(n) },
  { id: "arc", title: "ARC accuracy (re-scored from the response logs)", test: (n) => /^arc\//.test(n) },
];

/** Series named like the x axis carry no information of their own. */
export const AXIS_NAMES = new Set(["step", "global_step", "_step"]);

/** Typical magnitude of a series: log10 of the median |value| (0 for all-zero or empty). */
function magnitude(points: readonly [number, number | null][]): number {
  const abs: number[] = [];
  for (const [, v] of points) if (v !== null && v !== 0) abs.push(Math.abs(v));
  if (abs.length === 0) return 0;
  abs.sort((a, b) => a - b);
  return Math.log10(abs[Math.floor(abs.length / 2)] as number);
}

/** A chart of the page: a title and the metric names it overlays. */
export interface MetricChartGroup {
  id: string;
  group: string;
  title: string;
  metrics: string[];
}

/**
 * Groups metric names into charts: the known groups in order (reward and `rewards/*`; loss; KL; entropy;
 * grad norm; learning rate; `completions/*`; `clip_ratio/*`; ARC), then one chart per custom metric.
 * Inside a group, metrics whose typical magnitudes differ by more than 30× go to separate charts (a
 * length in tokens and a ratio would flatten each other); `arc/perfect` (a count) gets its own chart.
 */
export function groupMetrics(
  series: readonly { name: string; points: readonly [number, number | null][] }[],
): MetricChartGroup[] {
  const byGroup = new Map<string, { name: string; mag: number }[]>();
  const custom: string[] = [];
  for (const s of series) {
    if (AXIS_NAMES.has(s.name) || s.points.length === 0) continue;
    const group = METRIC_GROUPS.find((g) => g.test(s.name));
    if (!group) {
      custom.push(s.name);
      continue;
    }
    const list = byGroup.get(group.id) ?? [];
    list.push({ name: s.name, mag: s.name === "arc/perfect" ? 99 : magnitude(s.points) });
    byGroup.set(group.id, list);
  }
  const charts: MetricChartGroup[] = [];
  for (const group of METRIC_GROUPS) {
    const list = byGroup.get(group.id);
    if (!list) continue;
    list.sort((a, b) => a.mag - b.mag || a.name.localeCompare(b.name));
    const clusters: { name: string; mag: number }[][] = [];
    for (const item of list) {
      const current = clusters[clusters.length - 1];
      if (current && item.mag - (current[0] as { mag: number }).mag <= Math.log10(30)) current.push(item);
      else clusters.push([item]);
    }
    clusters.forEach((cluster, i) => {
      const metrics = cluster.map((c) => c.name).sort();
      charts.push({
        id: i === 0 ? group.id : `${group.id}-${i + 1}`,
        group: group.id,
        title: clusters.length === 1 ? group.title : `${group.title}: ${metrics.join(", ")}`,
        metrics,
      });
    });
  }
  for (const name of custom.sort())
    charts.push({ id: `custom-${charts.length}`, group: "custom", title: name, metrics: [name] });
  return charts;
}
