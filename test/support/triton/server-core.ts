// The server's state behind the HTTP endpoints: lifecycle, repository manager, metrics, server
// readiness. A crash throws this object away; a restart builds a new one from the same flags.
import { ModelLifecycle } from "./lifecycle";
import { MetricsRegistry, type MetricsConfig } from "./metrics";
import { RepositoryManager, type ModelControlMode } from "./repository-manager";
import type { RequestLog } from "./request-log";
import type { RestrictedApis } from "./restricted-apis";
import type { TestControls } from "./test-controls";

export interface ServerCoreConfig {
  readonly repositories: readonly string[];
  readonly controlMode: ModelControlMode;
  readonly strictReadiness: boolean;
  readonly autoCompleteConfig: boolean;
  readonly modelConfigName: string | undefined;
  readonly legacyStatusCodes: boolean;
  readonly restrictedApis: RestrictedApis;
  readonly metricsConfig: MetricsConfig;
  readonly serverVersion: string;
  readonly log: (line: string) => void;
}

export type ServerReadyState = "READY" | "EXITING";

export class ServerCore {
  state: ServerReadyState = "READY";
  /** Set when the core is torn down (stop or crash): late work from old requests is dropped. */
  destroyed = false;
  readonly registry: MetricsRegistry;
  readonly lifecycle: ModelLifecycle;
  readonly repository: RepositoryManager;

  constructor(
    readonly config: ServerCoreConfig,
    readonly controls: TestControls,
    readonly requestLog: RequestLog,
  ) {
    this.registry = new MetricsRegistry(config.metricsConfig);
    this.lifecycle = new ModelLifecycle({
      registry: this.registry,
      controls,
      autoCompleteConfig: config.autoCompleteConfig,
    });
    this.repository = new RepositoryManager(
      {
        repositories: config.repositories,
        controlMode: config.controlMode,
        autoCompleteConfig: config.autoCompleteConfig,
        modelConfigName: config.modelConfigName,
        log: config.log,
      },
      this.lifecycle,
    );
  }

  /**
   * `InferenceServer::IsReady` (triton-contract.md §1.1): ready when the server is READY and, under
   * strict readiness, every model the lifecycle knows has at least one version and each version is
   * READY or UNAVAILABLE with reason `unloaded` (UNKNOWN, LOADING, UNLOADING and failed versions
   * make the server not ready).
   */
  isReady(): boolean {
    if (this.state !== "READY") return false;
    if (!this.config.strictReadiness) return true;
    for (const versions of this.lifecycle.modelStates().values()) {
      if (versions.size === 0) return false;
      for (const s of versions.values()) {
        if (s.state !== "READY" && s.reason !== "unloaded") return false;
      }
    }
    return true;
  }

  /** Tears down every loaded model without waiting for requests (stop or crash). */
  async destroy(): Promise<void> {
    this.destroyed = true;
    await Promise.all(this.lifecycle.allLoadedModels().map((m) => m.destroyNow()));
    this.registry.clear();
    this.repository.cleanup();
  }
}
