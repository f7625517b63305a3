// A deployment test bench: a real model repository in a temp dir, the Triton-compatible test
// server(s) in explicit mode on it, and the MLflow-compatible test server with published versions.
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DeployEnvironment, DeployRequest } from "../../../src/core";
import { startMlflowServer, publishOnnxModel, type MlflowHandle } from "../../support/mlflow";
import { startTritonServer, type TritonHandle } from "../../support/triton";

export const API_HEADER = "triton-admin-key";
export const API_KEY = "s3cret-admin-key";
export const MODEL = "iris";
export const REGISTERED = "iris-classifier";

export interface BasicUser {
  username: string;
  password: string;
}

export interface Bench {
  root: string;
  /** The bearer token MLflow requires, when started with one. */
  mlflowToken: string | undefined;
  /** The basic-auth user MLflow requires, when started with one. */
  mlflowUser: BasicUser | undefined;
  mlflow: MlflowHandle;
  tritons: TritonHandle[];
  env: DeployEnvironment;
  close(): Promise<void>;
}

/**
 * Start MLflow and `pods` Triton servers sharing one repository root. With `hosts`, one server
 * per loopback address, all on one port (as pods behind one Service port); with `startupModels`
 * each server loads them at start (`--load-model`, as production pods do), so a restarted one
 * comes back on what config.pbtxt pins.
 */
export async function startBench(
  options: {
    pods?: number;
    readyMs?: number;
    mlflowToken?: string;
    mlflowUser?: BasicUser;
    hosts?: string[];
    startupModels?: string[];
  } = {},
): Promise<Bench> {
  const root = await mkdtemp(join(tmpdir(), "deploy-repo-"));
  const token = options.mlflowToken;
  const user = options.mlflowUser;
  const mlflow = await startMlflowServer(
    token || user
      ? { auth: { tokens: token ? [{ token }] : [], users: user ? [{ ...user }] : [] } }
      : {},
  );
  const tritons: TritonHandle[] = [];
  const hosts = options.hosts ?? Array.from({ length: options.pods ?? 1 }, () => "127.0.0.1");
  for (const host of hosts) {
    const port = options.hosts !== undefined ? tritons[0]?.httpPort : undefined;
    tritons.push(
      await startTriton(root, options.startupModels ?? [], {
        host,
        ...(port !== undefined ? { httpPort: port } : {}),
      }),
    );
  }
  const env: DeployEnvironment = {
    repositoryRoot: root,
    tritonEndpoints: tritons.map((t) => t.httpUrl),
    restrictedApi: { header: API_HEADER, value: API_KEY },
    mlflow: {
      trackingUri: mlflow.url,
      ...(user
        ? { auth: { kind: "basic" as const, ...user } }
        : token
          ? { auth: { kind: "bearer" as const, token } }
          : {}),
      retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5 },
      fileAttempts: 2,
    },
    timeouts: { readyMs: options.readyMs ?? 3000, readyPollMs: 20, requestMs: 5000 },
    owner: "test",
  };
  return {
    root,
    mlflowToken: token,
    mlflowUser: user,
    mlflow,
    tritons,
    env,
    close: async () => {
      await Promise.allSettled(tritons.map((t) => t.stop()));
      await mlflow.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}

export function startTriton(
  root: string,
  loadModels: string[],
  net: { host?: string; httpPort?: number } = {},
): Promise<TritonHandle> {
  return startTritonServer({
    ...net,
    modelRepository: root,
    modelControlMode: "explicit",
    loadModels,
    strictReadiness: false,
    exitOnError: false,
    httpRestrictedApi: [`model-repository,model-config:${API_HEADER}=${API_KEY}`],
  });
}

/** Publish `model.onnx` bytes as a new version (sha256 tag set), returning the version. */
export async function publish(
  bench: Bench,
  bytes: Uint8Array,
  options: { sha256Tag?: boolean | string; alias?: string; registeredModel?: string } = {},
): Promise<{ version: string; runId: string; sha256: string | undefined }> {
  const published = await publishOnnxModel(bench.mlflow.url, {
    name: options.registeredModel ?? REGISTERED,
    files: { "model.onnx": bytes },
    layout: "run-artifacts",
    sha256Tag: options.sha256Tag ?? true,
    ...(bench.mlflowUser
      ? { auth: bench.mlflowUser }
      : bench.mlflowToken
        ? { auth: { token: bench.mlflowToken } }
        : {}),
    ...(options.alias !== undefined ? { alias: options.alias } : {}),
  });
  return { version: published.version, runId: published.runId, sha256: published.modelSha256 };
}

/** The iris request: `input` FP32 [1,4] → `probabilities` FP32 [1,3], no batching. */
export function irisRequest(version: string, over: Partial<DeployRequest> = {}): DeployRequest {
  return {
    model: MODEL,
    registeredModel: REGISTERED,
    version,
    maxBatchSize: 0,
    inputs: [{ name: "input", dataType: "TYPE_FP32", dims: [1, 4] }],
    outputs: [{ name: "probabilities", dataType: "TYPE_FP32", dims: [1, 3] }],
    smoke: { requests: 3 },
    ...over,
  };
}

/** current.json bytes, or undefined. */
export async function currentBytes(root: string): Promise<string | undefined> {
  try {
    return await readFile(join(root, MODEL, "current.json"), "utf8");
  } catch {
    return undefined;
  }
}

export async function listDir(path: string): Promise<string[]> {
  try {
    return (await readdir(path)).sort();
  } catch {
    return [];
  }
}

/** The versions of `model` a Triton handle has READY. */
export function readyVersions(triton: TritonHandle, model = MODEL): number[] {
  const states = triton.modelStates().get(model);
  if (states === undefined) return [];
  return [...states.entries()]
    .filter(([, s]) => s.state === "READY")
    .map(([v]) => v)
    .sort((a, b) => a - b);
}
