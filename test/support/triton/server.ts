// startTritonServer: the Triton-compatible test server in-process. Startup loads the startup models
// first and only then opens the ports (triton-contract.md §1.1 "Nothing listens during startup
// loading", §8.2), fails with "failed to load all models" under --exit-on-error, and exposes test
// controls on the handle (and on a separate admin port when asked).
import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { createAdminHandler } from "./admin-api";
import { createApiHandler } from "./http-api";
import type { VersionState } from "./lifecycle";
import { createMetricsHandler } from "./metrics-endpoint";
import { resolveOptions, type ResolvedOptions, type TritonServerOptions } from "./options";
import { RequestLog, type RequestLogEntry } from "./request-log";
import { ServerCore } from "./server-core";
import { TestControls, type InjectedFailure } from "./test-controls";

export type { TritonServerOptions } from "./options";
export type { RequestLogEntry } from "./request-log";
export type { InjectedFailure } from "./test-controls";
export { TestControls } from "./test-controls";

export interface TritonHandle {
  /** `http://127.0.0.1:<http port>` */
  readonly httpUrl: string;
  /** `http://127.0.0.1:<metrics port>` (undefined with allowMetrics=false). */
  readonly metricsUrl: string | undefined;
  /** `http://127.0.0.1:<admin port>` when adminPort was given. */
  readonly adminUrl: string | undefined;
  readonly httpPort: number;
  readonly metricsPort: number | undefined;
  readonly adminPort: number | undefined;
  /** False between crash() and restart(). */
  readonly running: boolean;
  /** The test controls (the same object as the methods below act on). */
  readonly controls: TestControls;

  /** Adds latency to every execution of a model (version undefined) or one version; 0 clears. */
  setLatency(model: string, version: number | undefined, ms: number): void;
  /** Makes execution fail (response = the failure, failure{reason=BACKEND}); undefined clears. */
  failExecution(
    model: string,
    version: number | undefined,
    failure: InjectedFailure | undefined,
  ): void;
  /** Makes each load of a model (or version) take `ms` longer (LOADING becomes observable). */
  setLoadDelay(model: string, version: number | undefined, ms: number): void;
  /** Makes loads of a model (or version) fail in the backend; undefined clears. */
  failLoad(model: string, version: number | undefined, failure: InjectedFailure | undefined): void;
  /** Clears every injected latency, delay and failure. */
  resetControls(): void;

  /** Every inference request so far (model, requested and served version, status, time). */
  requestLog(): RequestLogEntry[];
  clearRequestLog(): void;
  /** Inference requests currently being handled for a model (all versions). */
  inflightRequests(model: string): number;
  /** Lifecycle states, model → version → state/reason (for assertions; not a Triton API). */
  modelStates(): Map<string, Map<number, VersionState>>;

  /** Closes every socket abruptly and drops all state (loaded models, metrics), as a kill would. */
  crash(): Promise<void>;
  /** Starts again with the same flags on the same ports, loading the startup models first. */
  restart(): Promise<void>;
  /** Stops the server (and the admin endpoint). */
  stop(): Promise<void>;
}

class Listener {
  private readonly sockets = new Set<Socket>();
  private server: Server | undefined;

  constructor(private readonly handler: Parameters<typeof createServer>[1]) {}

  async listen(host: string, port: number): Promise<number> {
    const server = createServer({ keepAliveTimeout: 5_000 }, this.handler);
    server.on("connection", (s: Socket) => {
      this.sockets.add(s);
      s.on("close", () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    this.server = server;
    return (server.address() as AddressInfo).port;
  }

  /** Closes the listener; `abrupt` destroys open connections mid-request (a crash). */
  async close(abrupt: boolean): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    if (abrupt) for (const s of this.sockets) s.destroy();
    else server.closeIdleConnections();
    server.closeAllConnections();
    await closed;
  }
}

class TritonServerInstance implements TritonHandle {
  readonly controls: TestControls;
  private readonly log = new RequestLog();
  private core: ServerCore | undefined;
  private readonly api: Listener;
  private readonly metrics: Listener;
  private readonly admin: Listener;
  private pollTimer: NodeJS.Timeout | undefined;
  httpPort = 0;
  metricsPort: number | undefined;
  adminPort: number | undefined;

  constructor(private readonly opts: ResolvedOptions) {
    this.controls = opts.controls ?? new TestControls();
    const current = (): ServerCore => {
      if (!this.core) throw new Error("the Triton test server is not running");
      return this.core;
    };
    this.api = new Listener(createApiHandler(current));
    this.metrics = new Listener(createMetricsHandler(current));
    this.admin = new Listener(createAdminHandler(this));
  }

  get httpUrl(): string {
    return `http://${this.opts.host}:${this.httpPort}`;
  }
  get metricsUrl(): string | undefined {
    return this.metricsPort === undefined
      ? undefined
      : `http://${this.opts.host}:${this.metricsPort}`;
  }
  get adminUrl(): string | undefined {
    return this.adminPort === undefined ? undefined : `http://${this.opts.host}:${this.adminPort}`;
  }
  get running(): boolean {
    return this.core !== undefined;
  }

  async start(): Promise<void> {
    const core = new ServerCore(
      {
        repositories: this.opts.repositories,
        controlMode: this.opts.controlMode,
        strictReadiness: this.opts.strictReadiness,
        autoCompleteConfig: this.opts.autoCompleteConfig,
        modelConfigName: this.opts.modelConfigName,
        legacyStatusCodes: this.opts.legacyStatusCodes,
        restrictedApis: this.opts.restrictedApis,
        metricsConfig: this.opts.metricsConfig,
        serverVersion: this.opts.serverVersion,
        log: this.opts.log,
      },
      this.controls,
      this.log,
    );
    // triton-contract.md §1.1: the startup models load before any endpoint starts listening.
    const failed = await core.repository.loadStartupModels(this.opts.loadModels);
    if (failed.length > 0 && this.opts.exitOnError) {
      await core.destroy();
      throw new Error("failed to load all models");
    }
    this.core = core;
    try {
      // Ports: the first start binds what was asked (0 = any free port); a restart reuses them.
      this.httpPort = await this.api.listen(this.opts.host, this.httpPort || this.opts.httpPort);
      if (this.opts.allowMetrics) {
        this.metricsPort = await this.metrics.listen(
          this.opts.host,
          this.metricsPort ?? this.opts.metricsPort,
        );
      }
    } catch (e) {
      this.core = undefined;
      await this.api.close(true);
      await core.destroy();
      throw e;
    }
    if (this.opts.controlMode === "poll") this.schedulePoll();
  }

  async startAdmin(): Promise<void> {
    if (this.opts.adminPort === undefined) return;
    this.adminPort = await this.admin.listen(this.opts.host, this.opts.adminPort);
  }

  private schedulePoll(): void {
    this.pollTimer = setTimeout(() => {
      const core = this.core;
      if (!core) return;
      core.repository
        .pollAndUpdate()
        .catch((e: unknown) => this.opts.log(`poll failed: ${String(e)}`))
        .finally(() => {
          if (this.core === core) this.schedulePoll();
        });
    }, this.opts.repositoryPollSecs * 1000);
    this.pollTimer.unref();
  }

  setLatency(model: string, version: number | undefined, ms: number): void {
    this.controls.setLatency(model, version, ms);
  }
  failExecution(
    model: string,
    version: number | undefined,
    failure: InjectedFailure | undefined,
  ): void {
    this.controls.setExecutionFailure(model, version, failure);
  }
  setLoadDelay(model: string, version: number | undefined, ms: number): void {
    this.controls.setLoadDelay(model, version, ms);
  }
  failLoad(model: string, version: number | undefined, failure: InjectedFailure | undefined): void {
    this.controls.setLoadFailure(model, version, failure);
  }
  resetControls(): void {
    this.controls.reset();
  }
  requestLog(): RequestLogEntry[] {
    return this.log.list();
  }
  clearRequestLog(): void {
    this.log.clear();
  }
  inflightRequests(model: string): number {
    return (this.core?.lifecycle.allLoadedModels() ?? [])
      .filter((m) => m.name === model)
      .reduce((n, m) => n + m.inflightRequests, 0);
  }
  modelStates(): Map<string, Map<number, VersionState>> {
    return this.core?.lifecycle.modelStates() ?? new Map<string, Map<number, VersionState>>();
  }

  private async shutdown(abrupt: boolean): Promise<void> {
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.pollTimer = undefined;
    const core = this.core;
    this.core = undefined;
    await Promise.all([this.api.close(abrupt), this.metrics.close(abrupt)]);
    await core?.destroy();
  }

  async crash(): Promise<void> {
    await this.shutdown(true);
  }

  async restart(): Promise<void> {
    if (this.core) await this.shutdown(true);
    await this.start();
  }

  async stop(): Promise<void> {
    await this.shutdown(false);
    await this.admin.close(true);
  }
}

/**
 * Starts the Triton-compatible server on loopback. Resolves once the startup models are loaded and
 * the ports are open; rejects with "failed to load all models" when a startup model fails and
 * exitOnError is on (the default, as in Triton), or with tritonserver's flag errors.
 */
export async function startTritonServer(options: TritonServerOptions): Promise<TritonHandle> {
  const instance = new TritonServerInstance(resolveOptions(options));
  await instance.startAdmin();
  try {
    await instance.start();
  } catch (e) {
    await instance.stop();
    throw e;
  }
  return instance;
}
