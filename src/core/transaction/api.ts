// The public operations of the deployment core, built on the transaction and the adapters. The CLI
// and the Pulumi provider call only these (re-exported with documentation by src/core/index.ts).
import { promises as fs } from "node:fs";
import { join } from "node:path";
import { errorMessage, StepFailure, type ServingState } from "../errors";
import type { TritonDataType } from "../model-config";
import type { ProgressListener } from "../progress";
import type { ResolvedModelVersion, VersionSelector } from "../mlflow";
import {
  acquireLock,
  appendHistory,
  assertRepositoryRoot,
  claimRepository,
  compactUtc,
  modelPaths,
  PRIMARY_FILE,
  readCurrentPointer,
  readHistoryFile,
  readLock,
  sha256File,
  type CommittedPointer,
  type HistoryEntry,
  type LockRecord,
} from "../repository";
import {
  defaultOwner,
  openEndpoints,
  openMlflow,
  transactionTimeouts,
  type DeployEnvironment,
} from "./environment";
import { mlflowSource } from "./mlflow-source";
import { modelConfigPort } from "./model-config-port";
import type { ExpectedOutput } from "./ports";
import type { DeploymentResult } from "./result";
import { observeServing, runDeployment } from "./run-deployment";
import { runSmoke, type SmokeReport, type SmokeSpec } from "./smoke";

/** A tensor of the stack config (`models[].inputs/outputs`). */
export interface TensorRequest {
  name: string;
  dataType: TritonDataType;
  dims: readonly number[];
  reshape?: readonly number[];
}

/** The smoke part of the stack config (`models[].smoke`). */
export interface SmokeRequest {
  /** Inference requests per endpoint. Default 5. */
  requests?: number;
  /** Fail when the smoke p95 latency exceeds this (ms). */
  p95BudgetMs?: number;
  /** Known input and expected outputs; datatypes come from the model's tensors. */
  golden?: {
    inputs: { name: string; shape: number[]; data: number[] }[];
    outputs: { name: string; shape?: number[]; data: number[]; datatype?: string }[];
    /** Absolute tolerance. Default 1e-4. */
    tolerance?: number;
  };
}

/** One deployment: an already resolved registry version of one model, and how to serve it. */
export interface DeployRequest {
  /** Triton model name (directory under the repository root). */
  model: string;
  registeredModel: string;
  /** The resolved MLflow version (digits). */
  version: string;
  /** The alias it was resolved from, recorded in current.json. */
  alias?: string;
  /** The run id seen at resolution; a different one fails the `resolve` step. */
  expectedRunId?: string;
  maxBatchSize: number;
  /** Omitted: taken from the ONNX graph. */
  inputs?: readonly TensorRequest[];
  outputs?: readonly TensorRequest[];
  instanceGroup?: { kind: "KIND_CPU" | "KIND_GPU"; count: number };
  dynamicBatching?: { preferredBatchSize: readonly number[]; maxQueueDelayMicroseconds: number };
  smoke?: SmokeRequest;
}

/** Options of a long-running call. */
export interface CallOptions {
  onProgress?: ProgressListener;
  signal?: AbortSignal;
  /** Wall clock (tests). */
  clock?: () => Date;
}

/** Run the deployment transaction for `request` (see src/core/index.ts). */
export async function deployModel(
  env: DeployEnvironment,
  request: DeployRequest,
  options: CallOptions = {},
): Promise<DeploymentResult> {
  await assertRepositoryRoot(env.repositoryRoot);
  const { endpoints, closeAll } = openEndpoints(env);
  const mlflow = openMlflow(env);
  try {
    return await runDeployment(
      {
        repositoryRoot: env.repositoryRoot,
        endpoints,
        source: mlflowSource(mlflow, request.registeredModel, request.version, request.model),
        config: modelConfigPort(
          {
            name: request.model,
            maxBatchSize: request.maxBatchSize,
            ...(request.inputs ? { inputs: request.inputs } : {}),
            ...(request.outputs ? { outputs: request.outputs } : {}),
            instanceGroup: request.instanceGroup ?? { kind: "KIND_CPU", count: 1 },
            ...(request.dynamicBatching ? { dynamicBatching: request.dynamicBatching } : {}),
          },
          request.version,
          { generatedSmokeInputs: request.smoke?.golden === undefined },
        ),
        timeouts: transactionTimeouts(env.timeouts),
        owner: env.owner ?? defaultOwner(),
        ...(env.repositoryOwner ? { repositoryOwner: env.repositoryOwner } : {}),
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.clock ? { now: options.clock } : {}),
      },
      {
        model: request.model,
        registeredModel: request.registeredModel,
        version: request.version,
        ...(request.alias !== undefined ? { alias: request.alias } : {}),
        ...(request.expectedRunId !== undefined ? { expectedRunId: request.expectedRunId } : {}),
        smoke: smokeSpec(request.smoke, request.inputs ?? []),
      },
    );
  } finally {
    await Promise.allSettled([closeAll(), mlflow.close()]);
  }
}

/** The stack config's smoke section as the transaction's SmokeSpec. */
export function smokeSpec(
  smoke: SmokeRequest | undefined,
  inputs: readonly TensorRequest[],
): SmokeSpec {
  const golden = smoke?.golden;
  return {
    requests: smoke?.requests ?? 5,
    ...(smoke?.p95BudgetMs !== undefined ? { latencyBudgetMs: smoke.p95BudgetMs } : {}),
    ...(golden !== undefined
      ? {
          golden: {
            inputs: golden.inputs.map((g) => ({
              name: g.name,
              datatype: protocolType(inputs.find((i) => i.name === g.name)?.dataType),
              shape: g.shape,
              data: g.data,
            })),
            outputs: golden.outputs.map((g) => ({
              name: g.name,
              ...(g.shape !== undefined ? { shape: g.shape } : {}),
              ...(g.datatype !== undefined ? { datatype: g.datatype } : {}),
              data: g.data,
            })),
            tolerance: { absolute: golden.tolerance ?? 1e-4, relative: 0 },
          },
        }
      : {}),
  };
}

function protocolType(dataType: TritonDataType | undefined): string {
  if (dataType === undefined) return "FP32";
  return dataType === "TYPE_STRING" ? "BYTES" : dataType.slice("TYPE_".length);
}

/** Resolve an alias or a version to a READY registry version (preview time). */
export async function resolveModelVersion(
  env: DeployEnvironment,
  registeredModel: string,
  selector: VersionSelector,
  options: { signal?: AbortSignal } = {},
): Promise<ResolvedModelVersion> {
  const mlflow = openMlflow(env);
  try {
    return await mlflow.resolveVersion(registeredModel, selector, options);
  } finally {
    await mlflow.close();
  }
}

/** What is committed, what each pod serves, and whether they differ. */
export interface ModelStatus {
  model: string;
  /** current.json, undefined when never deployed (or unloaded). */
  committed: CommittedPointer | undefined;
  /** Per endpoint: ready versions of the served model name. */
  served: ServingState["endpoints"];
  /**
   * True when some endpoint does not serve exactly the committed version, or the committed
   * version's model.onnx on disk does not have current.json's sha256 (what a restarted pod loads).
   */
  drift: boolean;
  /** Why the committed files do not match current.json (undefined when they do). */
  filesDrift: string | undefined;
  /** The lock record while a transaction runs. */
  lock: LockRecord | undefined;
}

/** Read the committed pointer and what Triton serves (see src/core/index.ts). */
export async function readModelStatus(
  env: DeployEnvironment,
  model: string,
  options: { signal?: AbortSignal } = {},
): Promise<ModelStatus> {
  await assertRepositoryRoot(env.repositoryRoot);
  const paths = modelPaths(env.repositoryRoot, model);
  const committed = await readCurrentPointer(paths.current);
  const { endpoints, closeAll } = openEndpoints(env);
  try {
    const serving = await observeServing(
      { endpoints, ...(options.signal ? { signal: options.signal } : {}) },
      model,
      committed?.activeVersion,
    );
    const expected = committed === undefined ? "" : committed.activeVersion;
    const filesDrift = await committedFilesDrift(paths.modelDir, committed);
    const drift =
      filesDrift !== undefined ||
      serving.endpoints.some(
        (e) => e.error !== undefined || e.readyVersions.join(",") !== expected,
      );
    const lock = await readLock(paths.lock);
    return {
      model,
      committed,
      served: serving.endpoints,
      drift,
      filesDrift,
      lock: lock === "absent" || lock === "torn" ? undefined : lock,
    };
  } finally {
    await closeAll();
  }
}

/** Why the committed version's model.onnx is not the one current.json names, if it is not. */
async function committedFilesDrift(
  modelDir: string,
  committed: CommittedPointer | undefined,
): Promise<string | undefined> {
  if (committed?.sha256 === undefined) return undefined;
  const path = join(modelDir, committed.activeVersion, PRIMARY_FILE);
  const digest = await sha256File(path).catch((error: unknown) => errorMessage(error));
  if (digest === committed.sha256) return undefined;
  return `${path} has sha256 ${digest}; expected ${committed.sha256} (current.json)`;
}

/** Re-run the smoke check against the served version on every endpoint. */
export async function verifyModel(
  env: DeployEnvironment,
  model: string,
  smoke: SmokeRequest | undefined,
  options: CallOptions = {},
): Promise<SmokeReport[]> {
  await assertRepositoryRoot(env.repositoryRoot);
  const paths = modelPaths(env.repositoryRoot, model);
  const committed = await readCurrentPointer(paths.current);
  if (committed === undefined) {
    throw new StepFailure(
      `model '${model}' has no ${paths.current}; expected a committed version to verify`,
    );
  }
  const version = committed.activeVersion;
  const { endpoints, closeAll } = openEndpoints(env);
  try {
    const reports: SmokeReport[] = [];
    for (const endpoint of endpoints) {
      // The served version's own metadata gives the expected outputs and the input types.
      const metadata = await endpoint.metadata(model, version, options.signal);
      const expected: ExpectedOutput[] = metadata.outputs.map((o) => ({ ...o }));
      const spec = smokeSpec(
        smoke,
        metadata.inputs.map((i) => ({
          name: i.name,
          dataType: (i.datatype === "BYTES"
            ? "TYPE_STRING"
            : `TYPE_${i.datatype}`) as TritonDataType,
          dims: i.shape,
        })),
      );
      reports.push(
        await runSmoke({
          endpoint,
          model,
          version,
          spec,
          expected,
          ...(options.signal ? { signal: options.signal } : {}),
        }),
      );
    }
    return reports;
  } finally {
    await closeAll();
  }
}

/** The deployment history of a model, oldest first; `limit` keeps the newest entries. */
export async function readHistory(
  env: Pick<DeployEnvironment, "repositoryRoot">,
  model: string,
  options: { limit?: number } = {},
): Promise<HistoryEntry[]> {
  await assertRepositoryRoot(env.repositoryRoot);
  const all = await readHistoryFile(modelPaths(env.repositoryRoot, model).history);
  return options.limit === undefined ? all : all.slice(Math.max(0, all.length - options.limit));
}

/** What unloadModel did. */
export interface UnloadResult {
  model: string;
  /** The version that was committed before. */
  previousVersion: string | undefined;
  /** Where current.json was moved (`current.unloaded-<UTC>.json`). */
  archivedPointer: string | undefined;
  endpoints: string[];
}

/**
 * Delete semantics: unload the model (and its staging model) on every endpoint and keep every file,
 * but move current.json aside so the pod readiness check and a restarted pod no longer expect it.
 */
export async function unloadModel(
  env: DeployEnvironment,
  model: string,
  options: CallOptions = {},
): Promise<UnloadResult> {
  await assertRepositoryRoot(env.repositoryRoot);
  const paths = modelPaths(env.repositoryRoot, model);
  const now = options.clock ?? (() => new Date());
  const t = transactionTimeouts(env.timeouts);
  if (env.repositoryOwner !== undefined) {
    await claimRepository(env.repositoryRoot, env.repositoryOwner, "unload");
  }
  await fs.mkdir(paths.modelDir, { recursive: true });
  const lock = await acquireLock(paths.lock, {
    owner: env.owner ?? defaultOwner(),
    operation: "unload",
    staleAfterMs: t.lockStaleAfterMs,
    waitMs: t.lockWaitMs,
  });
  const { endpoints, closeAll } = openEndpoints(env);
  try {
    const committed = await readCurrentPointer(paths.current);
    const failures: string[] = [];
    await Promise.all(
      endpoints.map(async (e) => {
        try {
          await e.unload(model, options.signal);
          await e.unload(paths.stagingModel, options.signal);
        } catch (error) {
          failures.push(`${e.name}: ${errorMessage(error)}`);
        }
      }),
    );
    if (failures.length > 0) {
      throw new StepFailure(`unload of model '${model}' failed on ${failures.join("; ")}`);
    }
    const at = now();
    let archived: string | undefined;
    if (committed !== undefined) {
      archived = `current.unloaded-${compactUtc(at)}.json`;
      await fs.rename(paths.current, join(paths.modelDir, archived));
    }
    const entry: HistoryEntry = {
      at_utc: at.toISOString(),
      model,
      outcome: "unloaded",
      from_version: committed?.activeVersion ?? null,
      to_version: null,
      steps_ms: {},
    };
    await appendHistory(paths.history, entry);
    return {
      model,
      previousVersion: committed?.activeVersion,
      archivedPointer: archived,
      endpoints: endpoints.map((e) => e.name),
    };
  } finally {
    await closeAll();
    await lock.release();
  }
}
