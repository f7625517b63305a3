// tritonserver-style command-line flags → TritonServerOptions (triton-contract.md §2.1).
// Accepts `--flag=value` and `--flag value`; booleans as true/false/1/0/on/off.
import type { TritonServerOptions } from "./options";

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function parseBool(flag: string, value: string): boolean {
  const v = value.toLowerCase();
  if (v === "true" || v === "1" || v === "on") return true;
  if (v === "false" || v === "0" || v === "off") return false;
  throw new Error(`invalid value for bool option --${flag}: ${value}`);
}

function parseIntFlag(flag: string, value: string): number {
  if (!/^-?\d+$/.test(value)) {
    throw new Error(`invalid value for --${flag}: '${value}', expected an integer`);
  }
  return Number(value);
}

const FLAGS_WITHOUT_VALUE = new Set(["disable-auto-complete-config", "legacy-status-codes"]);

/** Parses argv (without node/script) into options; throws on unknown flags, like tritonserver. */
export function parseTritonFlags(argv: readonly string[]): TritonServerOptions {
  const repos: string[] = [];
  const loadModels: string[] = [];
  const restricted: string[] = [];
  const grpcRestricted: string[] = [];
  const metricsConfig: string[] = [];
  const out: Partial<Mutable<TritonServerOptions>> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith("--")) throw new Error(`Unexpected argument: ${arg}`);
    const eq = arg.indexOf("=");
    const flag = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
    let value: string;
    if (eq >= 0) value = arg.slice(eq + 1);
    else if (FLAGS_WITHOUT_VALUE.has(flag)) value = "true";
    else {
      const next = argv[i + 1];
      if (next === undefined) throw new Error(`option '--${flag}' requires an argument`);
      value = next;
      i++;
    }
    switch (flag) {
      case "model-repository":
      case "model-store":
        repos.push(value);
        break;
      case "http-port":
        out.httpPort = parseIntFlag(flag, value);
        break;
      case "grpc-port":
        // Accepted as Triton does; the test server serves no gRPC (README "Known differences").
        out.grpcPort = parseIntFlag(flag, value);
        break;
      case "metrics-port":
        out.metricsPort = parseIntFlag(flag, value);
        break;
      case "admin-port":
        out.adminPort = parseIntFlag(flag, value);
        break;
      case "model-control-mode":
        out.modelControlMode = value;
        break;
      case "load-model":
        loadModels.push(value);
        break;
      case "strict-readiness":
        out.strictReadiness = parseBool(flag, value);
        break;
      case "exit-on-error":
        out.exitOnError = parseBool(flag, value);
        break;
      case "http-restricted-api":
        restricted.push(value);
        break;
      case "grpc-restricted-protocol":
        // Same syntax and checks as --http-restricted-api (triton-contract.md §4), not served.
        grpcRestricted.push(value);
        break;
      case "metrics-config":
        metricsConfig.push(value);
        break;
      case "allow-metrics":
        out.allowMetrics = parseBool(flag, value);
        break;
      case "repository-poll-secs":
        out.repositoryPollSecs = parseIntFlag(flag, value);
        break;
      case "disable-auto-complete-config":
        out.disableAutoCompleteConfig = parseBool(flag, value);
        break;
      case "strict-model-config":
        // Deprecated alias: true is equivalent to disabling auto-complete (§3.1).
        out.disableAutoCompleteConfig ??= parseBool(flag, value);
        break;
      case "model-config-name":
        out.modelConfigName = value;
        break;
      case "legacy-status-codes":
        out.legacyStatusCodes = parseBool(flag, value);
        break;
      case "http-address":
        // The test server always binds loopback.
        break;
      default:
        throw new Error(`Unexpected argument: --${flag}`);
    }
  }
  return {
    ...out,
    modelRepository: repos,
    loadModels,
    httpRestrictedApi: restricted,
    grpcRestrictedProtocol: grpcRestricted,
    metricsConfig,
  };
}
