// `check` and `diff` of the ModelDeployment provider, as plain functions. Loaded at run time in the
// dynamic-provider host (never captured into `__provider`), so the zod schema here is built in
// the host process, not serialised.
import { z } from "zod";
import { IDENTITY_KEYS, INPUT_KEYS, migrateState, type ModelDeploymentInputs } from "./state";

/** The engine's wire form of an unknown value during preview (pulumi-notes §1.5). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

const positiveInt = z.number().int().positive();
const tensor = z.strictObject({
  name: z.string().min(1),
  dataType: z.string().regex(/^TYPE_[A-Z0-9]+$/, "a Triton data type such as TYPE_FP32"),
  dims: z.array(z.number().int()).min(1),
  reshape: z.array(z.number().int()).optional(),
});
const goldenTensor = z.strictObject({
  name: z.string().min(1),
  shape: z.array(positiveInt).optional(),
  data: z.array(z.number()).min(1),
});

/** The inputs a ModelDeployment accepts (its own contract, independent of the stack file). */
export const InputsSchema = z.strictObject({
  modelName: z
    .string()
    .regex(
      /^[a-z0-9]([a-z0-9_-]{0,61}[a-z0-9])?$/,
      "a Triton model name (lower-case, digits, - and _)",
    ),
  repositoryRoot: z.string().regex(/^\//, "an absolute path"),
  registeredModel: z.string().min(1),
  alias: z.string().min(1).optional(),
  version: z.string().regex(/^[1-9][0-9]*$/, 'a model version such as "12"'),
  runId: z.string(),
  tritonConfig: z.strictObject({
    maxBatchSize: z.number().int().nonnegative(),
    // Absent: the core completes them from the ONNX graph. Given: at least one.
    inputs: z.array(tensor).min(1).optional(),
    outputs: z.array(tensor).min(1).optional(),
    instanceGroup: z.strictObject({ kind: z.string().min(1), count: positiveInt }),
    dynamicBatching: z
      .strictObject({
        preferredBatchSize: z.array(positiveInt),
        maxQueueDelayMicroseconds: z.number().int().nonnegative(),
      })
      .optional(),
  }),
  smoke: z.strictObject({
    requests: positiveInt,
    p95BudgetMs: z.number().positive().optional(),
    golden: z
      .strictObject({
        inputs: z.array(goldenTensor.required({ shape: true })).min(1),
        outputs: z.array(goldenTensor).min(1),
        tolerance: z.number().nonnegative(),
      })
      .optional(),
  }),
  tritonEndpoints: z.array(z.string().regex(/^https?:\/\/\S+$/, "an http(s) URL")).min(1),
  tritonAdminHeader: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "an HTTP header name"),
  mlflowTrackingUri: z.string().regex(/^https?:\/\/\S+$/, "an http(s) URL"),
  mlflowUsername: z.string().min(1).optional(),
  timeouts: z.strictObject({
    tritonRequestMs: positiveInt,
    tritonLoadMs: positiveInt,
    tritonReadyMs: positiveInt,
    mlflowRequestMs: positiveInt,
  }),
  repositoryOwner: z
    .strictObject({
      project: z.string().min(1),
      stack: z.string().min(1),
      namespace: z.string().min(1),
    })
    .optional(),
});

export interface CheckFailure {
  property: string;
  reason: string;
}

/** True when `value` is or contains the unknown sentinel. */
export function containsUnknown(value: unknown): boolean {
  if (value === UNKNOWN) return true;
  if (Array.isArray(value)) return value.some(containsUnknown);
  if (typeof value === "object" && value !== null) {
    return Object.values(value).some(containsUnknown);
  }
  return false;
}

/**
 * Validate the new inputs. A top-level property that is (or contains) the unknown sentinel is
 * not validated: during preview it is filled in later, and `create`/`update` validate it again.
 */
export function checkInputs(news: Record<string, unknown>): CheckFailure[] {
  const known: Record<string, unknown> = {};
  const unknownKeys = new Set<string>();
  for (const [key, value] of Object.entries(news)) {
    if (key === "__provider") continue;
    if (containsUnknown(value)) unknownKeys.add(key);
    else known[key] = value;
  }
  // Validate property by property so that an unknown one is skipped, not reported missing.
  const failures: CheckFailure[] = [];
  const shape = InputsSchema.shape;
  for (const [key, schema] of Object.entries(shape) as [string, z.ZodType][]) {
    if (unknownKeys.has(key)) continue;
    const result = schema.safeParse(known[key]);
    if (result.success) continue;
    for (const issue of result.error.issues) {
      const at = issue.path.map(String).join(".");
      const got = valueAt(known[key], issue.path);
      failures.push({
        property: key,
        reason: `${at === "" ? "" : `${at}: `}${issue.message} (got ${JSON.stringify(got) ?? "nothing"})`,
      });
    }
  }
  for (const key of Object.keys(known)) {
    if (!(key in shape)) {
      failures.push({ property: key, reason: "not an input of ModelDeployment" });
    }
  }
  return failures;
}

/** Parse inputs for create/update; throws one message naming every bad property. */
export function parseInputs(news: Record<string, unknown>): ModelDeploymentInputs {
  const failures = checkInputs(news);
  if (failures.length > 0) {
    throw new Error(
      `ModelDeployment inputs are invalid: ${failures.map((f) => `${f.property}: ${f.reason}`).join("; ")}`,
    );
  }
  const { __provider: _provider, ...rest } = news;
  return rest as unknown as ModelDeploymentInputs;
}

export interface DiffOutcome {
  changes: boolean;
  replaces: string[];
  /** Which properties differ (for progress lines and tests). */
  changed: string[];
}

/**
 * Compare the stored outputs (`olds`, any state version) with the checked new inputs. A new
 * version, run, Triton config, smoke setting or endpoint is an in-place update: the transaction
 * swaps versions with no gap and keeps the old one if verification fails. Only another model
 * name or another repository is a different deployment and replaces. Drift recorded by a refresh
 * also counts as a change, so the next `up` converges back to the declared version.
 */
export function diffDeployment(
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
): DiffOutcome {
  const state = migrateState(olds);
  const changed: string[] = INPUT_KEYS.filter(
    (key) => containsUnknown(news[key]) || canonical(state[key]) !== canonical(news[key]),
  );
  const replaces: string[] = IDENTITY_KEYS.filter((key) => changed.includes(key));
  const drifted = Array.isArray(state.drift) && state.drift.length > 0;
  if (drifted) changed.push("drift");
  return { changes: changed.length > 0, replaces, changed };
}

/** JSON with sorted keys, so key order never counts as a change. `undefined` stays distinct. */
export function canonical(value: unknown): string {
  if (value === undefined) return "undefined";
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

function valueAt(root: unknown, path: PropertyKey[]): unknown {
  let current = root;
  for (const key of path) {
    if (typeof current !== "object" || current === null) return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}
