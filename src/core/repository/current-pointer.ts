// `current.json`: the committed pointer, the single source of truth for what a model serves.
// It keeps the old platform's keys (`active_version`, `run_id`, `alias`, `updated_at_utc`) so its
// readers keep working, and adds `schema_version` plus what an operator needs. Files written by
// the old platform (no `schema_version`) are read as schema 0.
import { readTextIfExists, writeFileAtomic } from "./atomic-write";

export const CURRENT_SCHEMA_VERSION = 1;

/** The verification a committed version passed. */
export interface VerificationSummary {
  /** Triton endpoints the version was verified on. */
  endpoints: number;
  /** Smoke inferences run per endpoint on the staging model. */
  requests: number;
  /** "golden" when expected outputs were compared, "generated" when only names/shapes/dtypes. */
  mode: "golden" | "generated";
  /** The p95 latency observed (ms), over all smoke requests. */
  p95Ms: number;
  /** The p95 latency budget, when one was configured. */
  latencyBudgetMs?: number;
}

/** current.json as the core uses it. */
export interface CommittedPointer {
  /** 0 for a file written by the old platform, else CURRENT_SCHEMA_VERSION. */
  schemaVersion: number;
  activeVersion: string;
  runId: string | undefined;
  alias: string | undefined;
  updatedAtUtc: string | undefined;
  registeredModel: string | undefined;
  sha256: string | undefined;
  sizeBytes: number | undefined;
  previousVersion: string | undefined;
  verification: VerificationSummary | undefined;
}

/** Raised when current.json exists but cannot be used (invariant 1 would be broken). */
export class CurrentPointerError extends Error {
  constructor(path: string, detail: string) {
    // Said as "corrupt", never as "no committed version": the model may well be committed and
    // serving; only the pointer cannot be read.
    super(
      `${path} is corrupt: ${detail}; restore it (history.jsonl names the committed version) before deploying`,
    );
    this.name = "CurrentPointerError";
  }
}

/** Read current.json; undefined when absent (never deployed). */
export async function readCurrentPointer(path: string): Promise<CommittedPointer | undefined> {
  const text = await readTextIfExists(path);
  return text === undefined ? undefined : parseCurrentPointer(path, text);
}

/** Parse the text of current.json (accepts the old platform's files). */
export function parseCurrentPointer(path: string, text: string): CommittedPointer {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new CurrentPointerError(path, `not valid JSON (${(error as Error).message})`);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new CurrentPointerError(path, "expected a JSON object");
  }
  const o = raw as Record<string, unknown>;
  const active = o.active_version;
  const activeVersion =
    typeof active === "number" && Number.isInteger(active) ? String(active) : active;
  if (typeof activeVersion !== "string" || !/^[1-9][0-9]*$/.test(activeVersion)) {
    throw new CurrentPointerError(
      path,
      `active_version is ${JSON.stringify(active)}; expected a positive integer version`,
    );
  }
  const schema = o.schema_version;
  if (schema !== undefined && (typeof schema !== "number" || schema > CURRENT_SCHEMA_VERSION)) {
    throw new CurrentPointerError(
      path,
      `schema_version is ${JSON.stringify(schema)}; expected at most ${CURRENT_SCHEMA_VERSION} (written by a newer tool?)`,
    );
  }
  return {
    schemaVersion: typeof schema === "number" ? schema : 0,
    activeVersion,
    runId: optionalString(o.run_id),
    alias: optionalString(o.alias),
    updatedAtUtc: optionalString(o.updated_at_utc),
    registeredModel: optionalString(o.registered_model),
    sha256: optionalString(o.sha256),
    sizeBytes: typeof o.size_bytes === "number" ? o.size_bytes : undefined,
    previousVersion: optionalVersion(o.previous_version),
    verification: parseVerification(o.verification),
  };
}

/** Serialise a pointer in the on-disk (snake_case) form, keys in a stable order. */
export function formatCurrentPointer(pointer: Omit<CommittedPointer, "schemaVersion">): string {
  const file = {
    schema_version: CURRENT_SCHEMA_VERSION,
    active_version: pointer.activeVersion,
    run_id: pointer.runId ?? null,
    alias: pointer.alias ?? null,
    updated_at_utc: pointer.updatedAtUtc ?? null,
    registered_model: pointer.registeredModel ?? null,
    sha256: pointer.sha256 ?? null,
    size_bytes: pointer.sizeBytes ?? null,
    previous_version: pointer.previousVersion ?? null,
    verification:
      pointer.verification === undefined
        ? null
        : {
            endpoints: pointer.verification.endpoints,
            requests: pointer.verification.requests,
            mode: pointer.verification.mode,
            p95_ms: pointer.verification.p95Ms,
            latency_budget_ms: pointer.verification.latencyBudgetMs ?? null,
          },
  };
  return `${JSON.stringify(file, null, 2)}\n`;
}

/** Write current.json atomically. */
export async function writeCurrentPointer(
  path: string,
  pointer: Omit<CommittedPointer, "schemaVersion">,
): Promise<void> {
  await writeFileAtomic(path, formatCurrentPointer(pointer));
}

function optionalString(value: unknown): string | undefined {
  return typeof value === "string" && value.length > 0 ? value : undefined;
}

function optionalVersion(value: unknown): string | undefined {
  if (typeof value === "number" && Number.isInteger(value)) return String(value);
  return optionalString(value);
}

function parseVerification(value: unknown): VerificationSummary | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.endpoints !== "number" || typeof v.requests !== "number") return undefined;
  return {
    endpoints: v.endpoints,
    requests: v.requests,
    mode: v.mode === "golden" ? "golden" : "generated",
    p95Ms: typeof v.p95_ms === "number" ? v.p95_ms : 0,
    ...(typeof v.latency_budget_ms === "number" ? { latencyBudgetMs: v.latency_budget_ms } : {}),
  };
}
