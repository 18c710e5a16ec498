import { RewardsError } from "../errors.js";

/** An HTTP answer with a stable `code`, raised inside a route. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Status of each `RewardsError` code on the wire; anything else is 400. */
const STATUS_OF_CODE: Record<string, number> = {
  REWARD_TIMEOUT: 504,
  REWARD_FAILED: 422,
  INVALID_OPTIONS: 422,
  GROUP_INVALID: 422,
  INPUT_TOO_LARGE: 413,
};

/** The one mapping from a thrown value to `{status, code, message}` (never a stack). */
export function statusOf(error: unknown): { status: number; code: string; message: string } {
  if (error instanceof HttpError) return { status: error.status, code: error.code, message: error.message };
  if (RewardsError.isInstance(error))
    return { status: STATUS_OF_CODE[error.code] ?? 400, code: error.code, message: error.message };
  return { status: 500, code: "INTERNAL", message: (error as Error)?.message ?? String(error) };
}

/** The documented error body: `{"error": {"code", "message"}}`. */
export function errorBody(code: string, message: string): string {
  return JSON.stringify({ error: { code, message } });
}
