/** `@rlops/rewards`: reward spec loading (YAML and JSON text, and already parsed values). */
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { loadRewardSpec } from "../../packages/rewards/src/index.js";
import { type AnyTarget, textTarget } from "../harness.js";
import { CONFIG_BYTES, hostileText, largeText, repeatTo } from "../hostile.js";

const yaml = readFileSync(
  new URL("../../packages/rewards/examples/gpt-oss-arc.yaml", import.meta.url),
  "utf8",
);
const json = JSON.stringify(loadRewardSpec(yaml));
const TOKENS = [
  "version: 1",
  "rewards:",
  "  - id: a",
  "    kind: arc.grid",
  "kind: harmony.channels",
  "weight: ",
  "params:",
  "group:",
  "size: ",
  "&x ",
  "*x",
  "<<: *x",
  "!!binary ",
  "---\n",
  '"kind":',
  "{",
  "}",
];

export const rewardsTargets: AnyTarget[] = [
  textTarget(
    "rewards/loadRewardSpec(text)",
    hostileText([yaml, json], TOKENS),
    (text) => void loadRewardSpec(text),
    () =>
      largeText(
        [`# ${yaml}`, `${yaml.replace(/^version: 1\n/m, "")}\n`],
        [
          { label: "many aliases", input: `a: &a [x]\n${keys((i) => `k${i}: *a`)}` },
          { label: "many keys", input: keys((i) => `k${i}: ${i}`) },
          { label: "long flow sequence", input: `x: [${repeatTo("1,", CONFIG_BYTES)}1]` },
        ],
        CONFIG_BYTES,
      ),
  ),
  {
    name: "rewards/loadRewardSpec(value)",
    group: "rewards",
    contract: "typed",
    arbitrary: fc.oneof(
      fc.anything({ maxDepth: 6, withNullPrototype: true, withBigInt: true, withMap: true }),
      fc.constantFrom(JSON.parse(json) as unknown).chain((spec) =>
        fc
          .record({
            at: fc.constantFrom("rewards", "group", "version", "name"),
            value: fc.anything({ maxDepth: 4 }),
          })
          .map(({ at, value }) => ({ ...(spec as object), [at]: value })),
      ),
    ),
    run: (value: unknown) => void loadRewardSpec(structuredCloneSafe(value)),
    size: (value: unknown) => fc.stringify(value).length,
    large: () => [],
  },
];

/** Lines `line(i)` for i = 0, 1, … up to the large-input size. */
function keys(line: (i: number) => string): string {
  const out: string[] = [];
  let n = 0;
  for (let i = 0; n < CONFIG_BYTES; i++) {
    const l = line(i);
    out.push(l);
    n += l.length + 1;
  }
  return out.join("\n");
}

/** A copy, so a loader that mutates its input cannot poison the next shrink step. */
function structuredCloneSafe(value: unknown): unknown {
  try {
    return structuredClone(value);
  } catch {
    return value;
  }
}
