import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { faultIsolating } from "../src/faults.js";
import { createMemoryStorage } from "../src/index.js";
import { createNodeStorage } from "../src/node.js";
import { testStorage } from "./storage-conformance.js";

testStorage("memory", {
  async setup(tree) {
    const files: Record<string, string | Uint8Array> = {};
    for (const [rel, data] of Object.entries(tree)) files[`/conformance/${rel}`] = data;
    return { storage: createMemoryStorage(files), root: "/conformance" };
  },
});

// the wrapper listings use (storage faults become problems) must keep the contract for healthy trees
testStorage("fault-isolating(memory)", {
  async setup(tree) {
    const files: Record<string, string | Uint8Array> = {};
    for (const [rel, data] of Object.entries(tree)) files[`/conformance/${rel}`] = data;
    return {
      storage: faultIsolating(createMemoryStorage(files), "/conformance").storage,
      root: "/conformance",
    };
  },
});

let tmp: string | undefined;
testStorage("node", {
  async setup(tree) {
    tmp = mkdtempSync(join(tmpdir(), "rlops-storage-conformance-"));
    for (const [rel, data] of Object.entries(tree)) {
      const path = join(tmp, rel);
      if (rel.endsWith("/")) mkdirSync(path, { recursive: true });
      else {
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, data);
      }
    }
    return { storage: createNodeStorage(), root: tmp };
  },
  async teardown() {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  },
});
