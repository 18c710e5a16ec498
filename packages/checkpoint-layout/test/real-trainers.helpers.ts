import { existsSync, readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The frozen trees committed in the repo (written by the trainer versions in their ground truth). */
export const FROZEN = fileURLToPath(new URL("../../../conformance/real-trainers/test-data", import.meta.url));

/**
 * Tree roots to check: the frozen trees always, plus freshly regenerated ones when
 * `RLOPS_REAL_TRAINERS_DIR` points at `scripts/ci-trainers.sh`'s output.
 */
export function treeRoots(): Array<{ label: string; dir: string }> {
  const roots = [{ label: "frozen", dir: FROZEN }];
  const fresh = process.env.RLOPS_REAL_TRAINERS_DIR;
  if (fresh) {
    if (!existsSync(fresh)) throw new Error(`RLOPS_REAL_TRAINERS_DIR=${fresh} does not exist`);
    roots.push({ label: "fresh", dir: fresh });
  }
  return roots;
}

// biome-ignore lint/suspicious/noExplicitAny: ground truth is the generators' JSON, checked field by field
export type Truth = any;

/** Every tree of a root with its ground truth. */
export function trees(root: string): Array<{ name: string; dir: string; truth: Truth }> {
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(`${root}/${d.name}/ground-truth.json`))
    .map((d) => ({
      name: d.name,
      dir: `${root}/${d.name}`,
      truth: JSON.parse(readFileSync(`${root}/${d.name}/ground-truth.json`, "utf8")),
    }));
}

export const base = (p: string | null | undefined) => (p ? p.slice(p.lastIndexOf("/") + 1) : p);
