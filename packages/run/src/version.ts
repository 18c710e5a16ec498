declare const __RLOPS_VERSION__: string | undefined;
/** Version of `@rlops/run` (set at build time from its package.json). */
export const VERSION: string = typeof __RLOPS_VERSION__ === "string" ? __RLOPS_VERSION__ : "0.0.0-dev";
