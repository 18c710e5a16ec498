/** Types of the HTML report's browser client (erased: nothing here reaches the page). */
import type { ChartKit, LabelBox } from "./kit.js";

/** One series, decoded from the payload. */
export interface Series {
  label: string;
  color: string;
  steps: Float64Array;
  values: Float32Array;
  smooth: Float64Array | null;
  smoothWeight: number;
}
/** A marker line (checkpoint, trip, first bad step). */
export interface Mark {
  step: number;
  kind: string;
  label: string;
  color: string;
}
/** A checkpoint dot of the timeline. */
export interface Dot {
  step: number;
  name: string;
  color: string;
  detail: string;
}
/** One chart of the page and what it drew last. */
export interface Chart {
  id: string;
  figure: HTMLElement;
  plot: HTMLElement;
  base: HTMLCanvasElement;
  overlay: HTMLCanvasElement;
  tip: HTMLElement;
  series: number[];
  hidden: Set<number>;
  log: boolean;
  timeline: boolean;
  labels: LabelBox[];
  view: { x0: number; x1: number; y0: number; y1: number; left: number; top: number; pw: number; ph: number };
  drawnHash: number;
}
/** The drawing functions client.ts calls (passed in, so no function text refers to another module). */
export interface ClientDraw {
  chart(p: Page, c: Chart): void;
  overlay(p: Page, c: Chart, brush: [number, number] | null): void;
  values(p: Page, s: Series): ArrayLike<number>;
}
/** Everything the client's functions share: the kit, the drawing functions, the page data and the view state. */
export interface Page {
  kit: ChartKit;
  draw: ClientDraw;
  // biome-ignore lint/suspicious/noExplicitAny: the page's own JSON index, written by html.ts
  meta: any;
  state: { range: [number, number] | null; smoothing: number; hover: number | null; drawn: boolean };
  series: Series[];
  charts: Chart[];
  marks: Mark[];
  dots: Dot[];
  extent: [number, number];
}
/** One chart's layout for a draw (scales, label rows, contexts). */
export interface Frame {
  ctx: CanvasRenderingContext2D;
  measure: CanvasRenderingContext2D;
  width: number;
  height: number;
  visible: number[];
  hasData: boolean;
  yTicks: number[];
  yText: string[];
  sx: (step: number) => number;
  sy: (value: number) => number;
  labelRows: { items: { m: Mark; x: number; w: number }[]; rows: number[]; count: number };
  shownDots: Dot[];
  dotItems: { x: number; w: number }[];
  dotRows: number[];
}
