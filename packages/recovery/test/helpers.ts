import { fileURLToPath } from "node:url";

/** Absolute path of a file under test-data/. */
export function data(name: string): string {
  return fileURLToPath(new URL(`../test-data/${name}`, import.meta.url));
}
