// Child process of server.bench.ts: one reward server, options from argv[2] (JSON); prints its URL.
import { createRewardServer } from "../src/node.js";
import { BENCH_SPEC } from "./data.js";

const options = JSON.parse(process.argv[2] ?? "{}");
const server = createRewardServer({ spec: BENCH_SPEC, port: 0, log: false, ...options });
const { url } = await server.listen();
process.stdout.write(`${JSON.stringify({ url })}\n`);
process.on("SIGTERM", () => {
  server.close().then(() => process.exit(0));
});
