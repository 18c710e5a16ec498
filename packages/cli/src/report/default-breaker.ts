/**
 * The breaker the report runs when no `--breaker` config is given. It is owned by `@rlops/recovery`
 * (`defaultBreakerConfig`, and `renderDefaultBreakerYaml` for `rlops init`): re-exported here.
 */
export type { DefaultBreakerInput } from "@rlops/recovery";
export { DEFAULT_RULES, defaultBreakerConfig } from "@rlops/recovery";
