// Triton's core error codes, their printed names and the HTTP status each becomes.
// Every failure inside the test server is a TritonError carrying the core code, so that the HTTP
// layer can map it exactly as Triton's HTTP frontend does.

export type TritonErrorCode =
  | "UNKNOWN"
  | "INTERNAL"
  | "NOT_FOUND"
  | "INVALID_ARG"
  | "UNAVAILABLE"
  | "UNSUPPORTED"
  | "ALREADY_EXISTS"
  | "CANCELLED";

export class TritonError extends Error {
  constructor(
    readonly code: TritonErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "TritonError";
  }

  /**
   * `Status::AsString()`: "<Code>: <message>". This is the text a failed load leaves as the
   * version's state reason (triton-contract.md §1.7: reason `"<Code>: <msg>"`, e.g.
   * `Invalid argument: model 'm', tensor 'X': …`).
   */
  asString(): string {
    return `${codeString(this.code)}: ${this.message}`;
  }
}

/** `Error::CodeString` in triton common (src/error.cc); CANCELLED has no entry there. */
export function codeString(code: TritonErrorCode): string {
  switch (code) {
    case "UNKNOWN":
      return "Unknown";
    case "INTERNAL":
      return "Internal";
    case "NOT_FOUND":
      return "Not found";
    case "INVALID_ARG":
      return "Invalid argument";
    case "UNAVAILABLE":
      return "Unavailable";
    case "UNSUPPORTED":
      return "Unsupported";
    case "ALREADY_EXISTS":
      return "Already exists";
    case "CANCELLED":
      return "<invalid code>";
  }
}

/**
 * triton-contract.md §0: `HttpCodeFromError` (≥ 24.01): INTERNAL→500, NOT_FOUND→404,
 * UNAVAILABLE→503, UNSUPPORTED→501, everything else→400. With `legacy` (before 24.01, commit
 * 7b7ef51ce) every core error on these handlers became 400.
 */
export function httpStatusFor(code: TritonErrorCode, legacy: boolean): number {
  if (legacy) return 400;
  switch (code) {
    case "INTERNAL":
      return 500;
    case "NOT_FOUND":
      return 404;
    case "UNAVAILABLE":
      return 503;
    case "UNSUPPORTED":
      return 501;
    case "INVALID_ARG":
    case "ALREADY_EXISTS":
    case "UNKNOWN":
    case "CANCELLED":
      return 400;
  }
}

export function toTritonError(err: unknown, code: TritonErrorCode = "INTERNAL"): TritonError {
  if (err instanceof TritonError) return err;
  return new TritonError(code, err instanceof Error ? err.message : String(err));
}
