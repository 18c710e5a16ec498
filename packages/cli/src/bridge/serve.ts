import { isRlopsError } from "@rlops/errors";
import { parseJsonWithNonFinite } from "@rlops/recovery";
import { ExitError } from "../cli-kit.js";
import { BridgeFailure } from "./errors.js";
import { createSession, METHODS, type Session } from "./methods.js";
import { type BridgeErrorInfo, type BridgeResponse, MAX_LINE_BYTES, requestSchema } from "./protocol.js";

/** One answer line of the protocol (typed by the wire schema). */
function answerLine(answer: BridgeResponse): string {
  return `${JSON.stringify(answer)}\n`;
}

type Id = number | string | null;

function jsonSafe(value: Record<string, unknown>): Record<string, unknown> | undefined {
  const { hint: _hint, ...rest } = value;
  if (Object.keys(rest).length === 0) return undefined;
  try {
    return JSON.parse(JSON.stringify(rest)) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** The wire form of any thrown value: rlops errors keep their code and package. */
function errorInfo(error: unknown): BridgeErrorInfo {
  if (isRlopsError(error)) {
    const hint = typeof error.details.hint === "string" ? error.details.hint : undefined;
    const details = jsonSafe(error.details);
    return {
      code: error.code,
      message: error.message,
      package: BridgeFailure.isInstance(error) ? "bridge" : error.package,
      ...(hint === undefined ? {} : { hint }),
      ...(details === undefined ? {} : { details }),
    };
  }
  if (error instanceof ExitError)
    return { code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}) };
  return {
    code: "INTERNAL",
    message: error instanceof Error ? error.message : String(error),
    hint: "this is a bug in rlops; please report it with the request that caused it",
  };
}

/** Answers one request line (never throws). */
export async function handleLine(line: string, session: Session): Promise<string> {
  let id: Id = null;
  try {
    let value: unknown;
    try {
      value = parseJsonWithNonFinite(line);
    } catch {
      throw new BridgeFailure("BAD_REQUEST", "request line is not valid JSON");
    }
    const maybeId = (value as { id?: unknown } | null)?.id;
    if (typeof maybeId === "number" || typeof maybeId === "string") id = maybeId;
    const parsed = requestSchema.safeParse(value);
    if (!parsed.success)
      throw new BridgeFailure("BAD_REQUEST", "a request is {id, method, params?} (id a number or string)");
    const { method, params } = parsed.data;
    const handler = Object.hasOwn(METHODS, method) ? METHODS[method] : undefined;
    if (handler === undefined)
      throw new BridgeFailure(
        "UNKNOWN_METHOD",
        `no method "${method}" (have ${Object.keys(METHODS).join(", ")})`,
      );
    if (!session.hello && method !== "hello")
      throw new BridgeFailure("HELLO_REQUIRED", `the first request must be "hello", got "${method}"`);
    const result = await handler(params, session);
    return answerLine({ id, ok: true, result });
  } catch (error) {
    return answerLine({ id, ok: false, error: errorInfo(error) });
  }
}

/**
 * Serves the bridge protocol: one request per line on `input`, one answer per line on `output`, in
 * order. Resolves when `input` ends (stdin EOF = clean shutdown).
 */
export async function serveBridge(
  input: NodeJS.ReadableStream,
  output: NodeJS.WritableStream,
  maxLineBytes = MAX_LINE_BYTES,
): Promise<void> {
  const session = createSession();
  const write = async (text: string) => {
    if (!output.write(text)) await new Promise<void>((resolve) => output.once("drain", () => resolve()));
  };
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let dropping = false;
  const finish = async (tail: Buffer) => {
    const parts = pendingBytes === 0 ? [tail] : [...pending, tail];
    const tooLarge = dropping || pendingBytes + tail.length > maxLineBytes;
    pending = [];
    pendingBytes = 0;
    if (tooLarge) {
      dropping = false;
      await write(
        answerLine({
          id: null,
          ok: false,
          error: errorInfo(
            new BridgeFailure("REQUEST_TOO_LARGE", `request line longer than ${maxLineBytes} bytes`),
          ),
        }),
      );
      return;
    }
    let line = Buffer.concat(parts).toString("utf8");
    if (line.endsWith("\r")) line = line.slice(0, -1);
    if (line.trim() === "") return;
    await write(await handleLine(line, session));
  };
  for await (const chunk of input) {
    let buffer = typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer);
    let nl = buffer.indexOf(10);
    while (nl !== -1) {
      await finish(buffer.subarray(0, nl));
      buffer = buffer.subarray(nl + 1);
      nl = buffer.indexOf(10);
    }
    if (buffer.length === 0) continue;
    if (dropping) continue;
    pendingBytes += buffer.length;
    if (pendingBytes > maxLineBytes) {
      dropping = true;
      pending = [];
      pendingBytes = 0;
    } else pending.push(Buffer.from(buffer));
  }
  if (pendingBytes > 0 || dropping) await finish(Buffer.alloc(0));
}
