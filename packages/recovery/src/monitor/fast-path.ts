import type { Decision } from "../state.js";
import { MonitorImpl } from "./impl.js";
import type { MetricRecord, Monitor } from "./types.js";

// The monitor's fast path for checkMetrics: no decision object on a quiet step, and metric values
// fed straight into the monitor's slots without building records.

/**
 * `monitor.observe(record)`, but null instead of a plain `continue` decision for monitors made by
 * `createMonitor`, which then allocate nothing on a quiet step.
 * @internal
 */
export function observeQuiet(monitor: Monitor, record: MetricRecord): Decision | null {
  return monitor instanceof MonitorImpl ? monitor.observeQuiet(record) : monitor.observe(record);
}

/**
 * A monitor's metric slots, fed without building records.
 * @internal
 */
export interface SlotMonitor {
  /** The metrics the config reads, in slot order (the same list as `metricsOf(config)`). */
  readonly slotKeys: readonly string[];
  setSlot(slot: number, value: number | null | undefined): void;
  /** The decision for a record of these slot values (null for a plain `continue`). */
  observeSlots(step: number, problem: string | undefined): Decision | null;
}

/**
 * The slot interface of a monitor made by `createMonitor`, or null (another Monitor
 * implementation, or a metric named `__proto__`, which a record cannot hold).
 * @internal
 */
export function slotMonitor(monitor: Monitor): SlotMonitor | null {
  if (!(monitor instanceof MonitorImpl) || monitor.slotKeys.includes("__proto__")) return null;
  return monitor;
}
