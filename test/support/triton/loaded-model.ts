// One loaded model version as the lifecycle holds it: the backend model, its metrics reporter, its
// statistics, the in-flight request count that delays destruction (an unload "does not wait for
// in-flight requests", but the version only becomes UNAVAILABLE/unloaded once they finish:
// triton-contract.md §1.9), and the instance slots that bound concurrent executions.
import type { MetricsRegistry, ModelMetrics } from "./metrics";
import type { OnnxModel } from "./onnx-backend";

export interface StatDuration {
  count: number;
  ns: number;
}

export interface ModelStatistics {
  lastInferenceMs: number;
  inferenceCount: number;
  executionCount: number;
  success: StatDuration;
  fail: StatDuration;
  queue: StatDuration;
  computeInput: StatDuration;
  computeInfer: StatDuration;
  computeOutput: StatDuration;
}

const zero = (): StatDuration => ({ count: 0, ns: 0 });

export class LoadedModel {
  readonly stats: ModelStatistics = {
    lastInferenceMs: 0,
    inferenceCount: 0,
    executionCount: 0,
    success: zero(),
    fail: zero(),
    queue: zero(),
    computeInput: zero(),
    computeInfer: zero(),
    computeOutput: zero(),
  };
  private inflight = 0;
  private releasing: (() => void) | undefined;
  private destroyed = false;
  private busySlots = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    readonly backend: OnnxModel,
    readonly metrics: ModelMetrics,
    private readonly registry: MetricsRegistry,
  ) {}

  get name(): string {
    return this.backend.name;
  }
  get version(): number {
    return this.backend.version;
  }
  get config(): Record<string, unknown> {
    return this.backend.config;
  }

  /** Requests currently holding this model. */
  get inflightRequests(): number {
    return this.inflight;
  }

  /** Holds the model for one request; the returned function lets it go. */
  hold(): () => void {
    this.inflight += 1;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.inflight -= 1;
      this.maybeDestroy();
    };
  }

  /** Waits for a free instance (Triton runs at most `count` executions per version at once). */
  async instanceSlot(): Promise<() => void> {
    if (this.busySlots >= this.backend.instanceCount) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    this.busySlots += 1;
    return () => {
      this.busySlots -= 1;
      this.waiting.shift()?.();
    };
  }

  /**
   * Lets go of the lifecycle's reference. When no request holds the model any more it is destroyed
   * (on a later tick, as Triton's deleter runs on its own thread): metrics series go away and
   * `onDestroyed` marks the version UNAVAILABLE/`unloaded`.
   */
  release(onDestroyed: () => void): void {
    this.releasing = onDestroyed;
    this.maybeDestroy();
  }

  /** Destroys now, ignoring in-flight requests (a crash). */
  async destroyNow(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    this.registry.release(this.metrics);
    await this.backend.release();
  }

  private maybeDestroy(): void {
    if (!this.releasing || this.inflight > 0 || this.destroyed) return;
    const onDestroyed = this.releasing;
    setImmediate(() => {
      if (this.destroyed) return;
      this.destroyed = true;
      // triton-contract.md §5.5: per-model series are removed when the model version is destroyed.
      this.registry.release(this.metrics);
      void this.backend.release();
      onDestroyed();
    });
  }
}
