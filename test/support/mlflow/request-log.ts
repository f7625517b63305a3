// Every request the server answered, for tests that assert what a client sent (retries,
// credentials, which endpoint) and that wait for a request instead of sleeping.
import type { IncomingHttpHeaders } from "node:http";

export interface RequestLogEntry {
  readonly method: string;
  /** Path with query string, as received. */
  readonly path: string;
  readonly status: number;
  readonly requestHeaders: IncomingHttpHeaders;
  /** The injected fault, when one was drawn for this request. */
  readonly fault?: string;
  /** The uncaught error behind a 500, for debugging a handler. */
  readonly error?: string;
  readonly startedAt: number;
  readonly finishedAt: number;
}

type Listener = (entry: RequestLogEntry) => void;

export class RequestLog {
  private entries: RequestLogEntry[] = [];
  private listeners = new Set<Listener>();

  record(entry: RequestLogEntry): void {
    this.entries.push(entry);
    for (const listener of [...this.listeners]) listener(entry);
  }

  all(): RequestLogEntry[] {
    return [...this.entries];
  }

  clear(): void {
    this.entries = [];
  }

  onRequest(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolve with the first (already logged or future) entry that matches, or fail at the deadline. */
  waitFor(
    predicate: (entry: RequestLogEntry) => boolean,
    timeoutMs = 5000,
  ): Promise<RequestLogEntry> {
    const existing = this.entries.find(predicate);
    if (existing) return Promise.resolve(existing);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        unsubscribe();
        reject(new Error(`no matching request within ${timeoutMs} ms`));
      }, timeoutMs);
      const unsubscribe = this.onRequest((entry) => {
        if (!predicate(entry)) return;
        clearTimeout(timer);
        unsubscribe();
        resolve(entry);
      });
    });
  }
}
