import { RlopsError } from "@rlops/errors";

/** Stable codes of {@link BridgeFailure} (the bridge's own errors; package errors keep their codes). */
export type BridgeErrorCode =
  /** A request line is not valid JSON or not `{id, method, params?}`. */
  | "BAD_REQUEST"
  /** A request line is longer than the bridge accepts. */
  | "REQUEST_TOO_LARGE"
  /** The first request was not `hello`. */
  | "HELLO_REQUIRED"
  /** Client and bridge speak different protocol versions. */
  | "PROTOCOL_MISMATCH"
  /** No such method. */
  | "UNKNOWN_METHOD"
  /** A method's params failed validation (path in the message). */
  | "BAD_PARAMS"
  /** A handle names no loaded spec or monitor. */
  | "UNKNOWN_HANDLE"
  /** A spec or config file cannot be read. */
  | "NOT_READABLE";

/** An error of the `rlops bridge` protocol itself, answered as `{ok: false, error: {code, ...}}`. */
export class BridgeFailure extends RlopsError<BridgeErrorCode> {
  static override readonly marker = RlopsError.markerFor("cli.bridge");
  constructor(code: BridgeErrorCode, message: string, hint?: string) {
    super({ code, message, details: hint === undefined ? {} : { hint } });
  }
}
