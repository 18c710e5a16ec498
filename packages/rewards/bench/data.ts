// Shared data of every rewards bench (score, server, JSONL): the spec and completions of a given size.
export const BENCH_SPEC = {
  version: 1,
  name: "bench",
  rewards: [
    { id: "format", kind: "harmony.channels", weight: 0.2 },
    {
      id: "grid",
      kind: "arc.grid",
      params: { weights: { perfect: 1, sizeMatch: 0.1, pixelAccuracy: 0.5, formatValid: 0.1 } },
    },
    { id: "overlong", kind: "length.overlong", params: { maxLength: 8192, buffer: 1024, unit: "chars" } },
  ],
  group: { size: 8 },
};

function grid(seed: number, h = 10, w = 10): number[][] {
  return Array.from({ length: h }, (_, r) =>
    Array.from({ length: w }, (_, c) => (r * 7 + c * 3 + seed) % 10),
  );
}

/** Sample `i`: a harmony completion of about `bytes` bytes with an ARC grid answer. */
export function benchSample(i: number, bytes = 8192): { completion: string; answer: number[][] } {
  const target = grid(i);
  const pred = i % 3 === 0 ? target : grid(i + 1);
  const final = `The output grid is:\n${JSON.stringify(pred)}`;
  const head = "<|channel|>analysis<|message|>";
  const tail = `<|end|><|start|>assistant<|channel|>final<|message|>${final}<|return|>`;
  let analysis = "";
  const sentence = `Row ${i} looks like [[1, 2], [3, 4]] rotated; the colours 3 and 7 swap when mirrored. `;
  while (head.length + analysis.length + tail.length < bytes) analysis += sentence;
  return {
    completion: head + analysis.slice(0, Math.max(0, bytes - head.length - tail.length)) + tail,
    answer: target,
  };
}
