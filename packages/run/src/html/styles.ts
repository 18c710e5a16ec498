/** The report's CSS: fluid to any width (charts in an auto-fill grid), print-friendly. */
export const REPORT_CSS = `
:root { --fg: #212121; --muted: #616161; --ok: #2e7d32; --bad: #c62828; --warn: #ef6c00; --info: #1565c0; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: var(--fg); padding: 16px clamp(12px, 2vw, 32px); }
h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 28px 0 8px; border-bottom: 1px solid #e0e0e0; padding-bottom: 2px; }
h3 { font-size: 14px; margin: 0 0 4px; }
.meta, .muted { color: var(--muted); } .ok { color: var(--ok); } .bad { color: var(--bad); } .warn { color: var(--warn); }
code, pre { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, monospace; background: #f5f5f5; }
code { padding: 1px 4px; overflow-wrap: anywhere; } pre { padding: 8px; margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; }
.next { border: 2px solid var(--info); border-radius: 6px; padding: 4px 16px 12px; margin-top: 12px; }
.next h2 { border: 0; margin-top: 8px; }
.toolbar { position: sticky; top: 0; z-index: 5; background: rgba(255,255,255,0.96); border-bottom: 1px solid #e0e0e0;
  display: flex; flex-wrap: wrap; gap: 6px 18px; align-items: center; padding: 6px 0; margin-top: 16px; }
.toolbar label { display: inline-flex; gap: 6px; align-items: center; }
.toolbar .keys { display: flex; flex-wrap: wrap; gap: 4px 12px; color: var(--muted); font-size: 12px; }
.key { display: inline-flex; align-items: center; gap: 4px; }
.key i { display: inline-block; width: 18px; height: 0; border-top: 2px solid; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 460px), 1fr)); gap: 12px 16px; }
figure.chart { margin: 0; min-width: 0; border: 1px solid #eee; border-radius: 6px; padding: 6px 8px 4px; }
figure.chart.wide { grid-column: 1 / -1; }
figcaption { display: flex; flex-wrap: wrap; justify-content: space-between; gap: 2px 12px; align-items: baseline; }
figcaption .title { font-weight: 600; overflow-wrap: anywhere; min-width: 0; }
figcaption label { font-size: 12px; color: var(--muted); white-space: nowrap; }
.legend { display: flex; flex-wrap: wrap; gap: 2px 6px; margin: 4px 0; }
.legend button { font: 12px system-ui, sans-serif; border: 1px solid #ddd; background: #fff; border-radius: 4px; padding: 1px 6px;
  cursor: pointer; display: inline-flex; gap: 5px; align-items: center; max-width: 100%; overflow-wrap: anywhere; text-align: left; }
.legend button[aria-pressed="false"] { opacity: 0.45; text-decoration: line-through; }
.sw { display: inline-block; width: 10px; height: 10px; border-radius: 2px; flex: none; margin-right: 4px; vertical-align: -1px; }
.plot { position: relative; width: 100%; }
.plot canvas { display: none; }
html.js .plot canvas { display: block; } html.js .plot canvas.overlay { position: absolute; left: 0; top: 0; cursor: crosshair; touch-action: none; }
html.js .static { display: none; }
.js-only { display: none; } html.js .js-only { display: inline-flex; }
.tip { position: absolute; z-index: 3; background: rgba(255,255,255,0.97); border: 1px solid #bbb; border-radius: 4px; padding: 4px 8px;
  font-size: 12px; pointer-events: none; white-space: nowrap; box-shadow: 0 1px 4px rgba(0,0,0,0.15); }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
td, th { text-align: left; padding: 3px 8px; border-bottom: 1px solid #eee; vertical-align: top; }
td.num { text-align: right; white-space: nowrap; } td.name { overflow-wrap: anywhere; min-width: 10ch; }
tr.bad td { color: var(--bad); }
.problems { margin: 0; padding-left: 16px; } .problems li { overflow-wrap: anywhere; }
.tag { font-size: 11px; border-radius: 3px; padding: 0 4px; margin-left: 4px; border: 1px solid; white-space: nowrap; }
.tag.ok { color: var(--ok); } .tag.info { color: var(--info); } .tag.warn { color: var(--warn); }
.bars { display: grid; gap: 3px; } .bar-row { display: grid; grid-template-columns: minmax(8ch, 44ch) 1fr 9ch; gap: 8px; align-items: center; }
.bar-name { overflow-wrap: anywhere; min-width: 0; } .bar-track { background: #f3f3f3; height: 14px; border-radius: 2px; }
.bar { display: block; height: 14px; border-radius: 2px; min-width: 1px; } .bar-value { text-align: right; white-space: nowrap; }
.legend-static { display: flex; flex-wrap: wrap; gap: 4px 14px; font-size: 12px; color: var(--muted); }
.samples { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 520px), 1fr)); gap: 12px 16px; }
.sample { border: 1px solid #eee; border-radius: 6px; padding: 8px; min-width: 0; }
.msg { margin-top: 6px; border-left: 3px solid #bbb; padding-left: 6px; } .msg .ch { font-size: 12px; color: var(--muted); }
.msg.ch-analysis { border-color: #9e9e9e; } .msg.ch-final { border-color: var(--ok); } .msg.ch-commentary { border-color: var(--info); }
.msg pre { max-height: 16em; overflow: auto; }
footer { margin-top: 32px; color: var(--muted); font-size: 12px; }
@media print { .toolbar, .legend button[aria-pressed="false"] { display: none; } figure.chart { break-inside: avoid; } }
`;
