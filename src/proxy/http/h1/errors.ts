// H1ParseError: why a byte stream is not acceptable HTTP/1.1, as the status a server answers and a stable reason code.

export class H1ParseError extends Error {
  /** What a server answers: 400, 414, 417, 431, 501, 505; always 502 when parsing a response from upstream. */
  readonly status: number;
  /** Stable kebab-case code (logs, metrics and tests match on it; never rename one). */
  readonly reason: string;

  constructor(status: number, reason: string, detail?: string) {
    super(detail === undefined ? `${status} ${reason}` : `${status} ${reason}: ${detail}`);
    this.name = 'H1ParseError';
    this.status = status;
    this.reason = reason;
  }
}

/** Throws a 400 with `reason`; a function so call sites stay one short line. */
export function bad(reason: string, detail?: string): never {
  throw new H1ParseError(400, reason, detail);
}
