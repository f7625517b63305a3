// A record of every inference request the server answered: which model, which version was asked
// for (none for version-less requests), which version answered, and the status. Tests use it to
// prove that production traffic never reached an unverified version. Not part of Triton.

export interface RequestLogEntry {
  /** Milliseconds since the epoch when the response was sent. */
  readonly atMs: number;
  readonly model: string;
  /** The version in the URL, or undefined for a version-less request. */
  readonly requestedVersion: number | undefined;
  /** The version that executed the request; undefined when no version was resolved. */
  readonly servedVersion: number | undefined;
  readonly status: number;
}

export class RequestLog {
  private entries: RequestLogEntry[] = [];

  record(entry: RequestLogEntry): void {
    this.entries.push(entry);
  }

  list(): RequestLogEntry[] {
    return [...this.entries];
  }

  clear(): void {
    this.entries = [];
  }
}
