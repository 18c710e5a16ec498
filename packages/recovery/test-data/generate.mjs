// Regenerates the recorded metric streams in this folder (deterministic; no external data).
// Run: node packages/recovery/test-data/generate.mjs
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
let seed = 20251112;
const rand = () => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
};
const round = (x) => Math.round(x * 1e4) / 1e4;

// 1. AReaL GRPO run (seed 001): task reward collapses to exactly 0 at step 178 and stays there.
{
  const lines = [];
  for (let step = 1; step <= 200; step++) {
    const reward = step < 178 ? round(0.25 + 0.3 * rand() + step / 1000) : 0;
    lines.push(
      JSON.stringify({
        step,
        epoch: 0,
        "grpo_actor/task_reward/avg": reward,
        "grpo_actor/task_reward/max": step < 178 ? 1 : 0,
        "grpo_actor/entropy/avg": round(step < 178 ? 0.6 - step / 1000 : 0.02),
        "grpo_actor/actor_loss/avg": round(0.01 * (rand() - 0.5)),
      }),
    );
  }
  writeFileSync(join(here, "areal-collapse.jsonl"), `${lines.join("\n")}\n`);
}

// 2. HF trainer_state.json whose loss turns NaN at step 42 (Python json writes bare NaN).
{
  const history = [];
  for (let step = 2; step <= 60; step += 2) {
    const loss = step === 42 ? "NaN" : round(2.5 - step / 50 + 0.05 * rand());
    history.push(`{"epoch": ${round(step / 100)}, "grad_norm": ${round(1 + rand())}, "learning_rate": 5e-06, "loss": ${loss}, "step": ${step}}`);
    if (step % 10 === 0)
      history.push(`{"epoch": ${round(step / 100)}, "eval_loss": ${round(2.4 - step / 60)}, "eval_runtime": 3.2, "step": ${step}}`);
  }
  const text = `{\n  "best_metric": null,\n  "global_step": 60,\n  "log_history": [\n    ${history.join(",\n    ")}\n  ],\n  "max_steps": 100,\n  "save_steps": 20\n}\n`;
  mkdirSync(join(here, "hf-nan"), { recursive: true });
  writeFileSync(join(here, "hf-nan", "trainer_state.json"), text);
}

// 3. Loss spike: a noisy, slowly decreasing loss with one spike at step 120.
{
  const lines = [];
  for (let step = 0; step < 160; step++) {
    const loss = step === 120 ? 9.5 : round(2.2 - step / 400 + 0.08 * (rand() - 0.5));
    lines.push(JSON.stringify({ step, loss, grad_norm: round(0.8 + 0.2 * rand()) }));
  }
  writeFileSync(join(here, "loss-spike.jsonl"), `${lines.join("\n")}\n`);
}

// 4. Tinker metrics.jsonl: eval reward plateaus; used for early stopping (max mode).
{
  const values = [0.1, 0.2, 0.35, 0.35, 0.4, 0.45, 0.449, 0.46, 0.455, 0.458, 0.457, 0.44, 0.43];
  const lines = values.map((v, i) =>
    JSON.stringify({ step: i * 5, "env/all/reward/total": v, "optim/lr": 4e-5, "progress/done_frac": round(i / 40) }),
  );
  writeFileSync(join(here, "tinker-metrics.jsonl"), `${lines.join("\n")}\n`);
}

// 5. ARC trainer response logs (seed 004): perfect solutions on problems a, a (again), b, c.
{
  const dir = join(here, "arc-responses", "logs", "responses");
  mkdirSync(dir, { recursive: true });
  const problems = ["af902bf9", "b1948b0a", "c8f0f002", "d4469b4b", "e9afcf9a"];
  const perfect = new Map([
    [5, "af902bf9"],
    [9, "af902bf9"],
    [14, "b1948b0a"],
    [22, "c8f0f002"],
    [27, "d4469b4b"],
  ]);
  for (let step = 1; step <= 30; step++) {
    const forced = perfect.get(step);
    const problem = forced ?? problems[(step - 1) % problems.length];
    const candidates = [];
    // The texts agree with the logged verdicts (readers re-score the texts against target_grid):
    // the perfect candidate answers the target, the others a grid of the right size with 2 of 6
    // pixels right, or a grid of the wrong size.
    for (let id = 1; id <= 8; id++) {
      const isPerfect = forced !== undefined && id === 3;
      const correctSize = isPerfect || rand() > 0.5;
      const grid = isPerfect ? [[2, 0, 1], [1, 2, 0]] : correctSize ? [[0, 0, 0], [0, 0, 0]] : [[0, 0], [0, 0]];
      candidates.push({
        candidate_id: id,
        response_text: `<|channel|>final<|message|>${grid.map((row) => row.join(" ")).join("\n")}`,
        predicted_grid: grid,
        accuracy: isPerfect ? 1 : correctSize ? round(2 / 6) : 0,
        has_grid: true,
        correct_size: correctSize,
        perfect_match: isPerfect,
      });
    }
    const best = Math.max(...candidates.map((c) => c.accuracy));
    const body = {
      step,
      problem_id: problem,
      prompt: "Solve this pattern: ...",
      target_grid: [[2, 0, 1], [1, 2, 0]],
      candidates,
      best_candidate_id: candidates.find((c) => c.accuracy === best).candidate_id,
      best_accuracy: best,
      timestamp: `2025-08-20T07:${String(10 + step).padStart(2, "0")}:00`,
    };
    writeFileSync(join(dir, `step_${String(step).padStart(3, "0")}.json`), `${JSON.stringify(body, null, 2)}\n`);
  }
}
