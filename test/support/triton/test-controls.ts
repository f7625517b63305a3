// Test controls: faults and delays that tests inject into the server. They live outside Triton's
// API (in-process methods on the handle and a separate admin port), never on Triton's own paths.
import type { TritonErrorCode } from "./errors";

export interface InjectedFailure {
  /** Core error code of the failure. @default "INTERNAL" */
  readonly code?: TritonErrorCode;
  readonly message?: string;
}

/** A rule that applies to one model, and to one version of it or (version undefined) to all. */
interface Rule<T> {
  readonly model: string;
  readonly version: number | undefined;
  readonly value: T;
}

function pick<T>(rules: readonly Rule<T>[], model: string, version: number): T | undefined {
  // A version-specific rule wins over a model-wide one.
  return (
    rules.find((r) => r.model === model && r.version === version)?.value ??
    rules.find((r) => r.model === model && r.version === undefined)?.value
  );
}

function put<T>(
  rules: Rule<T>[],
  model: string,
  version: number | undefined,
  value: T | undefined,
): Rule<T>[] {
  const rest = rules.filter((r) => !(r.model === model && r.version === version));
  return value === undefined ? rest : [...rest, { model, version, value }];
}

export class TestControls {
  private latency: Rule<number>[] = [];
  private execFailure: Rule<InjectedFailure>[] = [];
  private loadDelay: Rule<number>[] = [];
  private loadFailure: Rule<InjectedFailure>[] = [];

  /** Adds `ms` to every execution of the model (version-less rule) or of one version. 0 clears. */
  setLatency(model: string, version: number | undefined, ms: number): void {
    this.latency = put(this.latency, model, version, ms > 0 ? ms : undefined);
  }
  latencyFor(model: string, version: number): number {
    return pick(this.latency, model, version) ?? 0;
  }

  /** Makes backend execution fail (the request answers the failure; failure{reason=BACKEND}). */
  setExecutionFailure(
    model: string,
    version: number | undefined,
    failure: InjectedFailure | undefined,
  ): void {
    this.execFailure = put(this.execFailure, model, version, failure);
  }
  executionFailureFor(model: string, version: number): InjectedFailure | undefined {
    return pick(this.execFailure, model, version);
  }

  /** Makes each load of the model (or one version) take `ms` longer, so LOADING is observable. */
  setLoadDelay(model: string, version: number | undefined, ms: number): void {
    this.loadDelay = put(this.loadDelay, model, version, ms > 0 ? ms : undefined);
  }
  loadDelayFor(model: string, version: number): number {
    return pick(this.loadDelay, model, version) ?? 0;
  }

  /** Makes the backend fail to load the model (or one version), as a real load failure would. */
  setLoadFailure(
    model: string,
    version: number | undefined,
    failure: InjectedFailure | undefined,
  ): void {
    this.loadFailure = put(this.loadFailure, model, version, failure);
  }
  loadFailureFor(model: string, version: number): InjectedFailure | undefined {
    return pick(this.loadFailure, model, version);
  }

  reset(): void {
    this.latency = [];
    this.execFailure = [];
    this.loadDelay = [];
    this.loadFailure = [];
  }
}
