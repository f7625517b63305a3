// The exact tritonserver args of the dev stack's Triton Deployment, started through the
// Triton-compatible test server's own flag parser: proof that every flag we pass is one Triton
// accepts, and that together they mean what the deployment transaction relies on (design.md
// "Triton facts"): explicit model control, a pod that starts before the first deployment
// (exit-on-error off), readiness that a failed candidate does not flip (strict readiness off), the
// model-repository API behind the header whose value Kubernetes expands from the Secret, and
// latency summaries on /metrics. Only what cannot exist outside a cluster is substituted: the
// `$(VAR)` reference (as Kubernetes expands it), the repository mount and the port numbers.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { request } from "undici";
import {
  buildDeployment,
  MODEL_REPOSITORY_MOUNT,
  PORTS,
} from "../../src/components/triton-server.manifests";
import { readStackConfig } from "../../src/config/stack-file";
import { batchableModel } from "../support/onnx/fixtures";
import { parseTritonFlags, startTritonServer, type TritonHandle } from "../support/triton";
import { onnxConfig, writeModelDir, writeVersion } from "../support/triton/repository-fixture";
import { PROJECT_DIR } from "./harness/run-stack";

const TEST_KEY = "test-key-from-the-secret";

const config = readStackConfig(PROJECT_DIR, "dev");
const MODEL = config.models[0]!.name;
const container = buildDeployment({
  namespace: "triton-dev",
  name: "triton",
  triton: config.triton,
  models: config.models.map((m) => m.name),
  claimName: "model-repo",
  apiKeySecretName: "triton-api-key",
  labels: {},
  selectorLabels: {},
  prometheus: { namespace: "monitoring-dev", podLabels: {} },
}).spec.template.spec.containers[0]!;

/** Kubernetes' `$(VAR)` expansion in container args: a defined variable is replaced, others kept. */
function expandEnvReferences(args: readonly string[], env: Record<string, string>): string[] {
  return args.map((a) =>
    a.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, n: string) => env[n] ?? m),
  );
}

interface EnvVar {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?: { readonly secretKeyRef: { readonly name: string } };
}

/** The container's env as the kubelet would set it, with the test key for the Secret's value. */
function containerEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  const vars: readonly EnvVar[] = container.env;
  for (const e of vars) {
    if (e.value !== undefined) env[e.name] = e.value;
    else if (e.valueFrom?.secretKeyRef.name === "triton-api-key") env[e.name] = TEST_KEY;
  }
  return env;
}

/** The Deployment's args, runnable here: env expanded, repository and ports substituted. */
function runnableArgs(repository: string): string[] {
  const substituted = new Map<string, string>([
    [`--model-repository=${MODEL_REPOSITORY_MOUNT}`, `--model-repository=${repository}`],
    [`--http-port=${PORTS.http}`, "--http-port=0"],
    [`--grpc-port=${PORTS.grpc}`, "--grpc-port=0"],
    [`--metrics-port=${PORTS.metrics}`, "--metrics-port=0"],
  ]);
  const args = expandEnvReferences(container.args, containerEnv());
  for (const original of substituted.keys()) {
    assert.equal(args.filter((a) => a === original).length, 1, `exactly one ${original}`);
  }
  return args.map((a) => substituted.get(a) ?? a);
}

async function get(url: string, headers: Record<string, string> = {}) {
  const res = await request(url, { headers });
  return { status: res.statusCode, text: await res.body.text() };
}

async function post(url: string, body?: object, headers: Record<string, string> = {}) {
  const res = await request(url, {
    method: "POST",
    headers,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.statusCode, text: await res.body.text() };
}

const ADMIN = { [config.triton.adminHeader]: TEST_KEY };
const RESTRICTED_BODY = JSON.stringify({
  error: `This API is restricted, expecting header '${config.triton.adminHeader}'`,
});

void describe("the dev stack's Triton args on the Triton-compatible server", () => {
  const repository = mkdtempSync(join(tmpdir(), "triton-args-"));
  let triton: TritonHandle;

  before(async () => {
    // Before the first deployment: the repository holds no directory for the --load-model model.
    triton = await startTritonServer(parseTritonFlags(runnableArgs(repository)));
  });
  after(async () => {
    await triton?.stop();
    rmSync(repository, { recursive: true, force: true });
  });

  void test("the args are the platform's, and each $(VAR) names a variable of the container", () => {
    assert.deepEqual(container.command, ["tritonserver"]);
    const references = container.args.flatMap((a) =>
      [...a.matchAll(/\$\(([^)]*)\)/g)].map((m) => m[1]),
    );
    assert.deepEqual(references, ["TRITON_API_KEY", "TRITON_API_KEY"]);
    const env = containerEnv();
    for (const name of references) assert.equal(env[name ?? ""], TEST_KEY, `${name} is set`);
    assert.deepEqual(runnableArgs("/repo"), [
      "--model-repository=/repo",
      "--model-control-mode=explicit",
      `--load-model=${MODEL}`,
      "--exit-on-error=false",
      "--strict-readiness=false",
      "--http-port=0",
      "--grpc-port=0",
      "--metrics-port=0",
      "--metrics-config=summary_latencies=true",
      `--http-restricted-api=model-repository,model-config:triton-admin-key=${TEST_KEY}`,
      `--grpc-restricted-protocol=model-repository,model-config:triton-admin-key=${TEST_KEY}`,
    ]);
  });

  void test("exit-on-error off: the pod starts before the model's first deployment; on, it would not", async () => {
    assert.equal((await get(`${triton.httpUrl}/v2/health/live`)).status, 200);
    const exitOnError = runnableArgs(repository).map((a) =>
      a === "--exit-on-error=false" ? "--exit-on-error=true" : a,
    );
    await assert.rejects(startTritonServer(parseTritonFlags(exitOnError)), {
      message: "failed to load all models",
    });
  });

  void test("the model-repository and model-config APIs answer 403 without the header, 200 with it; health is open", async () => {
    for (const path of ["/v2/repository/index", `/v2/repository/models/${MODEL}/unload`]) {
      const denied = await post(`${triton.httpUrl}${path}`);
      assert.deepEqual([denied.status, denied.text], [403, RESTRICTED_BODY], path);
      const wrong = await post(`${triton.httpUrl}${path}`, undefined, {
        [config.triton.adminHeader]: "$(TRITON_API_KEY)",
      });
      assert.equal(wrong.status, 403, `${path}: the unexpanded reference is not the key`);
    }
    assert.deepEqual(await post(`${triton.httpUrl}/v2/repository/index`, {}, ADMIN), {
      status: 200,
      text: "[]",
    });
    const config403 = await get(`${triton.httpUrl}/v2/models/${MODEL}/config`);
    assert.deepEqual([config403.status, config403.text], [403, RESTRICTED_BODY]);
    assert.equal((await get(`${triton.httpUrl}/v2/health/ready`)).status, 200);
  });

  void test("explicit model control: a model that appears on disk is loaded only on request", async () => {
    writeModelDir(repository, MODEL, {
      config: onnxConfig(MODEL, { maxBatchSize: 8, inputDims: [4], outputDims: [3] }),
      versions: { "1": batchableModel({ variant: 1 }) },
    });
    const listed = await post(`${triton.httpUrl}/v2/repository/index`, {}, ADMIN);
    assert.deepEqual(JSON.parse(listed.text), [{ name: MODEL }], "on disk, not loaded");
    const loaded = await post(
      `${triton.httpUrl}/v2/repository/models/${MODEL}/load`,
      undefined,
      ADMIN,
    );
    assert.deepEqual([loaded.status, loaded.text], [200, ""]);
    assert.equal((await get(`${triton.httpUrl}/v2/models/${MODEL}/ready`)).status, 200);
  });

  void test("strict readiness off: a failed load of a new version leaves the server ready", async () => {
    writeVersion(join(repository, MODEL), 2, new Uint8Array([1, 2, 3]));
    const failed = await post(
      `${triton.httpUrl}/v2/repository/models/${MODEL}/load`,
      undefined,
      ADMIN,
    );
    assert.equal(failed.status, 400, failed.text);
    assert.equal((await get(`${triton.httpUrl}/v2/health/ready`)).status, 200);
    assert.equal((await get(`${triton.httpUrl}/v2/models/${MODEL}/versions/1/ready`)).status, 200);
    rmSync(join(repository, MODEL, "2"), { recursive: true, force: true });
  });

  void test("latency summaries are on: /metrics has the request summary once the model served a request", async () => {
    const inferred = await post(`${triton.httpUrl}/v2/models/${MODEL}/infer`, {
      inputs: [{ name: "input", shape: [1, 4], datatype: "FP32", data: [5.1, 3.5, 1.4, 0.2] }],
    });
    assert.equal(inferred.status, 200, inferred.text);
    const metrics = await get(`${triton.metricsUrl!}/metrics`);
    const summary = metrics.text
      .split("\n")
      .filter((l) => l.startsWith("nv_inference_request_summary_us") && l.includes(MODEL))
      .map((l) => l.replace(/ [0-9.e+-]+$/, ""));
    assert.deepEqual(summary, [
      `nv_inference_request_summary_us_count{model="${MODEL}",version="1"}`,
      `nv_inference_request_summary_us_sum{model="${MODEL}",version="1"}`,
      `nv_inference_request_summary_us{model="${MODEL}",version="1",quantile="0.5"}`,
      `nv_inference_request_summary_us{model="${MODEL}",version="1",quantile="0.9"}`,
      `nv_inference_request_summary_us{model="${MODEL}",version="1",quantile="0.95"}`,
      `nv_inference_request_summary_us{model="${MODEL}",version="1",quantile="0.99"}`,
      `nv_inference_request_summary_us{model="${MODEL}",version="1",quantile="0.999"}`,
    ]);
    assert.match(
      metrics.text,
      new RegExp(`nv_inference_request_summary_us_count\\{model="${MODEL}",version="1"\\} 1\\n`),
    );
  });
});
