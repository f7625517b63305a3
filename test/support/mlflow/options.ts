// Options of the MLflow-compatible test server. The behaviour switches select between real
// MLflow variants the contract documents; they never relax a check to suit a client.

/** MLflow basic-auth permission, applied to every resource the credential touches. */
export type Permission = "READ" | "EDIT" | "MANAGE" | "NO_PERMISSIONS";

export interface BasicUser {
  readonly username: string;
  readonly password: string;
  /** READ may only read (GET/HEAD); NO_PERMISSIONS gets 403 everywhere. @default "MANAGE" */
  readonly permission?: Permission;
}

export interface BearerToken {
  readonly token: string;
  /** @default "MANAGE" */
  readonly permission?: Permission;
}

/**
 * Credentials the server accepts. When set, every route except `/health` (and the test-control
 * routes) requires one of them (mlflow-contract.md §4, §5).
 */
export interface AuthOptions {
  readonly users?: readonly BasicUser[];
  readonly tokens?: readonly BearerToken[];
}

export interface TlsServerOptions {
  /** PEM server certificate and key. */
  readonly cert: string | Buffer;
  readonly key: string | Buffer;
  /** PEM CA that signs client certificates; required when `requireClientCert`. */
  readonly ca?: string | Buffer;
  /** Reject TLS clients without a certificate signed by `ca`. @default false */
  readonly requireClientCert?: boolean;
}

/**
 * Model versions as an asynchronous registry (Databricks / Unity Catalog) creates them: they
 * start in PENDING_REGISTRATION and settle after a number of reads (mlflow-contract.md §1.1).
 */
export interface AsyncRegistrationOptions {
  /** How many reads of a new version still see PENDING_REGISTRATION. */
  readonly pendingReads: number;
  /** The status after that. */
  readonly outcome: "READY" | "FAILED_REGISTRATION";
  readonly statusMessage?: string;
}

/** Switches between documented MLflow behaviours; all can be changed while running. */
export interface BehaviourSwitches {
  /**
   * Emit int64 fields (timestamps, `file_size`) as JSON strings, as very old servers did;
   * current servers emit numbers (mlflow-contract.md §0). @default false
   */
  int64AsStrings: boolean;
  /**
   * What `GET registered-models/alias` answers for a model that does not exist.
   * "alias-not-found": 400 `Registered model alias X not found.` — the SQL and file stores look
   * the alias up without checking the model (mlflow-contract.md §4). "model-not-found": 404
   * `Registered Model with name=X not found`, as newer stores/ports may. @default "alias-not-found"
   */
  aliasLookupOnMissingModel: "alias-not-found" | "model-not-found";
  /**
   * `GET …/alias?alias=latest`: "reserved" → 400 (older servers); "newest-version" → the newest
   * version (MLflow ≥ 3.3 file store), mlflow-contract.md §1.1. @default "reserved"
   */
  latestAlias: "reserved" | "newest-version";
  /**
   * Emit optional string fields that were set to "" (description, run_id, run_link …).
   * The contract's JSON convention omits them (§0), which is the default; "emit" reproduces
   * servers whose proto2 fields carry an explicit empty string. @default "omit"
   */
  emptyStrings: "omit" | "emit";
  /** `--serve-artifacts` (on by default, mlflow-contract.md §2.1). @default true */
  serveArtifacts: boolean;
  /** `--artifacts-only`: tracking and registry endpoints answer 503. @default false */
  artifactsOnly: boolean;
  /** When set, new model versions start PENDING_REGISTRATION. @default undefined */
  asyncRegistration: AsyncRegistrationOptions | undefined;
}

export interface MlflowServerOptions extends Partial<BehaviourSwitches> {
  /** Where the registry JSON and the artifact files live; a restart on it keeps the state.
   * @default a fresh temporary directory, removed on close */
  readonly dataDir?: string;
  /** @default 0 (ephemeral) */
  readonly port?: number;
  /** @default "127.0.0.1" */
  readonly host?: string;
  /**
   * The MLflow release to impersonate: `/version` answers it, and below 3.0 the 3.x-only
   * logged-model endpoints do not exist (Flask 404). @default "3.4.0"
   */
  readonly mlflowVersion?: string;
  readonly auth?: AuthOptions;
  readonly tls?: TlsServerOptions;
  /** Clock for timestamps (ms since epoch). @default Date.now */
  readonly now?: () => number;
}

export const DEFAULT_SWITCHES: BehaviourSwitches = {
  int64AsStrings: false,
  aliasLookupOnMissingModel: "alias-not-found",
  latestAlias: "reserved",
  emptyStrings: "omit",
  serveArtifacts: true,
  artifactsOnly: false,
  asyncRegistration: undefined,
};

export function switchesFrom(options: Partial<BehaviourSwitches>): BehaviourSwitches {
  const switches: BehaviourSwitches = { ...DEFAULT_SWITCHES };
  for (const key of Object.keys(DEFAULT_SWITCHES) as (keyof BehaviourSwitches)[]) {
    if (options[key] !== undefined) Object.assign(switches, { [key]: options[key] });
  }
  return switches;
}

const ENUM_SWITCHES: Readonly<Record<string, readonly string[]>> = {
  aliasLookupOnMissingModel: ["alias-not-found", "model-not-found"],
  latestAlias: ["reserved", "newest-version"],
  emptyStrings: ["omit", "emit"],
};
const BOOLEAN_SWITCHES = ["int64AsStrings", "serveArtifacts", "artifactsOnly"];

/** Check switch changes that arrive as JSON (test-control API); errors name key and value. */
export function parseSwitchChanges(value: Record<string, unknown>): Partial<BehaviourSwitches> {
  for (const [key, v] of Object.entries(value)) {
    const allowed = ENUM_SWITCHES[key];
    if (allowed !== undefined) {
      if (typeof v !== "string" || !allowed.includes(v)) {
        throw new Error(
          `switch "${key}" must be one of ${allowed.join(", ")}, got ${JSON.stringify(v)}`,
        );
      }
    } else if (BOOLEAN_SWITCHES.includes(key)) {
      if (typeof v !== "boolean") {
        throw new Error(`switch "${key}" must be a boolean, got ${JSON.stringify(v)}`);
      }
    } else if (key === "asyncRegistration") {
      const a = v as Partial<AsyncRegistrationOptions> | null;
      if (
        a !== null &&
        (typeof a !== "object" ||
          !Number.isInteger(a.pendingReads) ||
          (a.outcome !== "READY" && a.outcome !== "FAILED_REGISTRATION"))
      ) {
        throw new Error(
          `switch "asyncRegistration" must be null or {pendingReads: integer, outcome: "READY"|"FAILED_REGISTRATION"}, got ${JSON.stringify(v)}`,
        );
      }
    } else {
      throw new Error(
        `unknown switch "${key}" (known: ${Object.keys(DEFAULT_SWITCHES).join(", ")})`,
      );
    }
  }
  const changes = { ...value } as Record<string, unknown>;
  if (changes.asyncRegistration === null) changes.asyncRegistration = undefined;
  return changes;
}
