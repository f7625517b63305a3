// Transient-fault injection (mlflow-contract.md §8, "Transient faults"): each rule applies to
// the next N requests whose method and path (with query string) match, in the order rules were
// added; the first matching rule wins. Controlled in-process or over the test-control routes,
// never through MLflow's own paths.
import { randomUUID } from "node:crypto";
import type { BodyFault } from "./reply";
import type { RequestLogEntry } from "./request-log";

/** What to do to a matching request. */
export type FaultAction =
  /** Answer at once with this status (429 with Retry-After, 502/503/504 …). */
  | {
      readonly kind: "status";
      readonly status: number;
      /** Retry-After header value (seconds or an HTTP date). */
      readonly retryAfter?: string | number;
      /** @default `<status> <reason>` in plain text, as a gateway in front of MLflow sends */
      readonly body?: string;
      readonly contentType?: string;
    }
  | BodyFault
  /** After the matching request is answered, point an alias at another version. */
  | {
      readonly kind: "set-alias";
      readonly name: string;
      readonly alias: string;
      readonly version: string;
    }
  /** In-process only: run a callback after the matching request is answered. */
  | { readonly kind: "hook"; readonly run: (entry: RequestLogEntry) => void | Promise<void> };

export interface FaultMatch {
  /**
   * Matched against the request path with its query string (`/api/2.0/...?...`). A string is
   * a regular-expression source.
   */
  readonly path: string | RegExp;
  /** @default any method */
  readonly method?: string;
  /** How many matching requests the rule applies to. @default 1 */
  readonly times?: number;
}

export type FaultRule = FaultMatch & FaultAction;

export interface FaultState {
  readonly id: string;
  readonly kind: FaultAction["kind"];
  readonly path: string;
  readonly method?: string;
  readonly remaining: number;
  readonly hits: number;
}

interface ActiveRule {
  readonly id: string;
  readonly rule: FaultRule;
  readonly pattern: RegExp;
  remaining: number;
  hits: number;
}

export class FaultRegistry {
  private rules: ActiveRule[] = [];

  add(rule: FaultRule): string {
    const times = rule.times ?? 1;
    if (!Number.isInteger(times) || times < 1) {
      throw new Error(`fault rule "times" must be a positive integer, got ${String(rule.times)}`);
    }
    const id = randomUUID();
    const pattern = typeof rule.path === "string" ? new RegExp(rule.path) : rule.path;
    this.rules.push({ id, rule, pattern, remaining: times, hits: 0 });
    return id;
  }

  remove(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((r) => r.id !== id);
    return this.rules.length !== before;
  }

  clear(): void {
    this.rules = [];
  }

  list(): FaultState[] {
    return this.rules.map((r) => ({
      id: r.id,
      kind: r.rule.kind,
      path: typeof r.rule.path === "string" ? r.rule.path : r.pattern.source,
      ...(r.rule.method !== undefined ? { method: r.rule.method } : {}),
      remaining: r.remaining,
      hits: r.hits,
    }));
  }

  /** Draw the fault for a request, consuming one use of the first matching rule. */
  take(method: string, pathWithQuery: string): FaultAction | undefined {
    const active = this.rules.find(
      (r) =>
        (r.rule.method === undefined || r.rule.method.toUpperCase() === method) &&
        r.pattern.test(pathWithQuery),
    );
    if (!active) return undefined;
    active.remaining -= 1;
    active.hits += 1;
    if (active.remaining <= 0) this.rules = this.rules.filter((r) => r !== active);
    return active.rule;
  }
}
