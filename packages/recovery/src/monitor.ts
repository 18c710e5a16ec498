import { type BreakerConfig, type BreakerConfigInput, loadBreakerConfig } from "./config.js";
import { MonitorImpl } from "./monitor/impl.js";
import type { CreateMonitorOptions, Monitor } from "./monitor/types.js";

// The monitor's public surface. The parts live in ./monitor/: rule kinds and rules, triggers,
// early stopping, goals and best, escalation and probation, the serialisable state, and the fast
// path (@internal, for checkMetrics).

export { observeQuiet, slotMonitor } from "./monitor/fast-path.js";
export { robustZ } from "./monitor/rule-kinds.js";
export { diffConfigs, parseMonitorState } from "./monitor/snapshot.js";
/** The monitor's types: `Monitor`, `MetricRecord`, `RestoreReport`, `RollbackOptions`, `ConfigChange`, `CreateMonitorOptions`. */
export type * from "./monitor/types.js";

/**
 * Creates a monitor from a config (object or YAML/JSON text; validated with `loadBreakerConfig`).
 * Decisions depend only on the sequence of records, never on the wall clock.
 */
export function createMonitor(
  config: BreakerConfig | BreakerConfigInput | string,
  options: CreateMonitorOptions = {},
): Monitor {
  const monitor = new MonitorImpl(loadBreakerConfig(config));
  if (options.state !== undefined) monitor.restore(options.state);
  return monitor;
}
