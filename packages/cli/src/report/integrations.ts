/**
 * The report's one integration point with the other `@rlops/*` packages.
 *
 * The packages are developed in parallel with the CLI, so each function is looked up at run time from
 * the package's published entry and checked before use. A missing function is reported as
 * {@link IntegrationUnavailable} and the report says which section it could not fill, never a made-up
 * result.
 */

/** Thrown when a package the report composes does not (yet) provide a function the report needs. */
export class IntegrationUnavailable extends Error {
  constructor(
    readonly packageName: string,
    readonly exportName: string,
    reason: string,
  ) {
    super(`${packageName} does not provide ${exportName}: ${reason}`);
    this.name = "IntegrationUnavailable";
  }
}

const cache = new Map<string, Promise<Record<string, unknown> | Error>>();

async function loadModule(specifier: string): Promise<Record<string, unknown> | Error> {
  let pending = cache.get(specifier);
  if (!pending) {
    // A variable specifier keeps bundlers from inlining the package: the CLI imports each package's dist.
    const name = specifier;
    pending = import(name).then(
      (mod) => mod as Record<string, unknown>,
      (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
    );
    cache.set(specifier, pending);
  }
  return pending;
}

/** Returns the named export of a package entry if it is a function, or throws {@link IntegrationUnavailable}. */
export async function resolveFunction<F extends (...args: never[]) => unknown>(
  specifier: string,
  exportName: string,
): Promise<F> {
  const mod = await loadModule(specifier);
  if (mod instanceof Error)
    throw new IntegrationUnavailable(specifier, exportName, mod.message.split("\n")[0] ?? "cannot import");
  const value = mod[exportName];
  if (typeof value !== "function") throw new IntegrationUnavailable(specifier, exportName, "no such export");
  return value as F;
}

/** Like {@link resolveFunction} but returns `undefined` instead of throwing. */
export async function optionalFunction<F extends (...args: never[]) => unknown>(
  specifier: string,
  exportName: string,
): Promise<F | undefined> {
  try {
    return await resolveFunction<F>(specifier, exportName);
  } catch (error) {
    if (error instanceof IntegrationUnavailable) return undefined;
    throw error;
  }
}

/** Entry points the report composes. */
export const PACKAGES = {
  checkpointsNode: "@rlops/checkpoint-layout/node",
  checkpoints: "@rlops/checkpoint-layout",
  recovery: "@rlops/recovery",
  recoveryNode: "@rlops/recovery/node",
  arc: "@rlops/arc-eval",
  harmony: "@rlops/harmony-format",
  rewards: "@rlops/rewards",
} as const;
