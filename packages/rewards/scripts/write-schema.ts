// Regenerates reward-spec.schema.json from the zod schema: `pnpm --filter @rlops/rewards schema`.
import { writeFileSync } from "node:fs";
import { rewardSpecJsonSchema } from "../src/index.js";

writeFileSync(
  new URL("../reward-spec.schema.json", import.meta.url),
  `${JSON.stringify(rewardSpecJsonSchema(), null, 2)}\n`,
);
