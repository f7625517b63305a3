// Options of the Triton-compatible test server, named after tritonserver's flags, and their
// validation with Triton's own error texts (triton-contract.md §2.1, §4, §5.1).
import { DEFAULT_QUANTILES, parseQuantiles, type MetricsConfig } from "./metrics";
import type { ModelControlMode } from "./repository-manager";
import type { TestControls } from "./test-controls";
import { parseRestrictedApis, type Restriction, type RestrictedCategory } from "./restricted-apis";

export interface TritonServerOptions {
  /** `--model-repository` (repeatable). */
  readonly modelRepository: string | readonly string[];
  /** `--http-port`; 0 (the default here) picks a free port. */
  readonly httpPort?: number;
  /**
   * `--grpc-port`: accepted and validated like Triton's, but the test server has no gRPC
   * endpoint, so nothing listens on it.
   */
  readonly grpcPort?: number;
  /** `--metrics-port`; 0 (the default here) picks a free port. */
  readonly metricsPort?: number;
  /** Port of the test-control endpoint (not a Triton flag); omitted = no admin endpoint. */
  readonly adminPort?: number;
  /** Address for every port. @default "127.0.0.1" */
  readonly host?: string;
  /** `--model-control-mode`: none, poll or explicit (case-insensitive). @default "none" (as Triton) */
  readonly modelControlMode?: string;
  /** `--load-model` (repeatable; `*` alone loads every model). Explicit mode only. */
  readonly loadModels?: readonly string[];
  /** `--strict-readiness`. @default true */
  readonly strictReadiness?: boolean;
  /** `--exit-on-error`: startup fails with "failed to load all models". @default true */
  readonly exitOnError?: boolean;
  /** `--http-restricted-api` values, each `<api>[,<api>…]:<key>=<value>`. */
  readonly httpRestrictedApi?: readonly string[];
  /**
   * `--grpc-restricted-protocol` values, same syntax (triton-contract.md §4). Validated with
   * Triton's errors; with no gRPC endpoint here they restrict nothing.
   */
  readonly grpcRestrictedProtocol?: readonly string[];
  /** `--metrics-config` values, each `<key>=<value>` (summary_latencies, summary_quantiles, counter_latencies). */
  readonly metricsConfig?: readonly string[];
  /** `--allow-metrics`. @default true */
  readonly allowMetrics?: boolean;
  /** `--repository-poll-secs` (poll mode). @default 15 */
  readonly repositoryPollSecs?: number;
  /** `--disable-auto-complete-config`. @default false */
  readonly disableAutoCompleteConfig?: boolean;
  /** `--model-config-name`. */
  readonly modelConfigName?: string;
  /** Answer every core error with 400, as Triton did before 24.01 (triton-contract.md §0). */
  readonly legacyStatusCodes?: boolean;
  /** Reported by GET /v2. @default "2.73.0dev" (the server commit the contract was read from) */
  readonly serverVersion?: string;
  /** Where log lines go (what Triton writes to its log). @default discard */
  readonly log?: (line: string) => void;
  /**
   * Test controls already in effect during startup loading (e.g. a load delay, to observe that no
   * port listens until startup loading finishes). The handle exposes the same object.
   */
  readonly controls?: TestControls;
}

export interface ResolvedOptions {
  readonly repositories: string[];
  readonly httpPort: number;
  readonly metricsPort: number;
  readonly adminPort: number | undefined;
  readonly host: string;
  readonly controlMode: ModelControlMode;
  readonly loadModels: string[];
  readonly strictReadiness: boolean;
  readonly exitOnError: boolean;
  readonly restrictedApis: Map<RestrictedCategory, Restriction>;
  /** What `--grpc-restricted-protocol` would restrict (header keys with Triton's gRPC prefix). */
  readonly grpcRestrictedProtocols: Map<RestrictedCategory, Restriction>;
  /** `--grpc-port` as given (default 8001, as Triton); not served. */
  readonly grpcPort: number;
  readonly metricsConfig: MetricsConfig;
  readonly allowMetrics: boolean;
  readonly repositoryPollSecs: number;
  readonly autoCompleteConfig: boolean;
  readonly modelConfigName: string | undefined;
  readonly legacyStatusCodes: boolean;
  readonly serverVersion: string;
  readonly log: (line: string) => void;
  readonly controls: TestControls | undefined;
}

function parseMetricsConfig(values: readonly string[]): MetricsConfig {
  let summaryLatencies = false;
  let counterLatencies = true;
  let summaryQuantiles: (readonly [number, number])[] = [...DEFAULT_QUANTILES];
  for (const v of values) {
    const eq = v.indexOf("=");
    if (eq < 0) throw new Error(`--metrics-config option format is '<setting>=<value>'. Got ${v}`);
    const key = v.slice(0, eq);
    const value = v.slice(eq + 1);
    // MetricReporterConfig::ParseConfig compares with the exact strings "true"/"false".
    if (key === "summary_latencies") summaryLatencies = value === "true";
    else if (key === "counter_latencies") counterLatencies = value !== "false";
    else if (key === "summary_quantiles") {
      const q = parseQuantiles(value);
      if (q.length > 0) summaryQuantiles = q;
    }
  }
  return { summaryLatencies, counterLatencies, summaryQuantiles };
}

/** Validates and fills defaults; throws Error with tritonserver's parse error texts. */
export function resolveOptions(opts: TritonServerOptions): ResolvedOptions {
  const repositories =
    typeof opts.modelRepository === "string" ? [opts.modelRepository] : [...opts.modelRepository];
  if (repositories.length === 0) throw new Error("--model-repository must be specified");
  const mode = String(opts.modelControlMode ?? "none").toLowerCase();
  if (mode !== "none" && mode !== "poll" && mode !== "explicit") {
    throw new Error(`invalid argument for --model-control-mode: ${String(opts.modelControlMode)}`);
  }
  const loadModels = [...(opts.loadModels ?? [])];
  if (loadModels.length > 0 && mode !== "explicit") {
    throw new Error(
      "Error: Use of '--load-model' requires setting '--model-control-mode=explicit' as well.",
    );
  }
  if (loadModels.includes("*") && new Set(loadModels).size > 1) {
    throw new Error("Wildcard model name '*' must be the ONLY startup model if specified at all.");
  }
  return {
    repositories,
    httpPort: opts.httpPort ?? 0,
    metricsPort: opts.metricsPort ?? 0,
    adminPort: opts.adminPort,
    host: opts.host ?? "127.0.0.1",
    controlMode: mode,
    loadModels,
    strictReadiness: opts.strictReadiness ?? true,
    exitOnError: opts.exitOnError ?? true,
    restrictedApis: parseRestrictedApis(opts.httpRestrictedApi ?? []),
    grpcRestrictedProtocols: parseRestrictedApis(opts.grpcRestrictedProtocol ?? [], "grpc"),
    grpcPort: opts.grpcPort ?? 8001,
    metricsConfig: parseMetricsConfig(opts.metricsConfig ?? []),
    allowMetrics: opts.allowMetrics ?? true,
    repositoryPollSecs: opts.repositoryPollSecs ?? 15,
    autoCompleteConfig: !(opts.disableAutoCompleteConfig ?? false),
    modelConfigName: opts.modelConfigName,
    legacyStatusCodes: opts.legacyStatusCodes ?? false,
    serverVersion: opts.serverVersion ?? "2.73.0dev",
    log: opts.log ?? (() => undefined),
    controls: opts.controls,
  };
}
