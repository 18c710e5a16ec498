/** Reading a breaker decision file: the one reader of `recover --from` and `ckpt prune --decision`. */
import { formatIssuePath } from "@rlops/errors";
import { type Decision, decisionSchema } from "@rlops/recovery";
import { readInputText } from "../cli-kit.js";
import { CliError } from "../errors.js";

/**
 * Reads a decision, or the output of `rlops breaker check --json` (`{verdict, …}`, what the Python
 * callbacks write to `<run>/rlops/decision.json`). Returns `null` when the check found nothing
 * (`verdict: null`); throws `BAD_DECISION` for anything else that is not a decision, naming `what`.
 */
export async function readDecisionFile(path: string, what: string): Promise<Decision | null> {
  const text = await readInputText(path, what);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new CliError({ code: "BAD_DECISION", message: `${what} ${path}: not valid JSON` });
  }
  const wrapped = typeof value === "object" && value !== null && "verdict" in value;
  const verdict = wrapped ? (value as { verdict: unknown }).verdict : value;
  if (verdict === null) return null;
  const parsed = decisionSchema.safeParse(verdict);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new CliError({
      code: "BAD_DECISION",
      message: `${what} ${path}: not a decision (${formatIssuePath(issue.path)}: ${issue.message})`,
      hint: "pass the output of `rlops breaker check --json` or <run>/rlops/decision.json",
    });
  }
  return parsed.data;
}
