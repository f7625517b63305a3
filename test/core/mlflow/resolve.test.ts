import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { HttpError } from "../../../src/core/http";
import { MlflowClient, MlflowError, mlflowClientOptionsFromEnv } from "../../../src/core/mlflow";
import { startMlflowServer, type MlflowHandle } from "../../support/mlflow";
import { publishOnnxModel, type PublishedModel } from "../../support/mlflow/seed";
import { irisModel } from "../../support/onnx/fixtures";
import { fakeClock } from "../http/scripted-server";

async function rejection(p: Promise<unknown>): Promise<MlflowError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof MlflowError, `expected an MlflowError, got ${String(err)}`);
  return err;
}

void describe("resolveVersion", () => {
  let server: MlflowHandle;
  let client: MlflowClient;
  let v1: PublishedModel;
  let v2: PublishedModel;

  before(async () => {
    server = await startMlflowServer();
    v1 = await publishOnnxModel(server.url, {
      name: "iris",
      files: { "model.onnx": irisModel() },
      layout: "run-artifacts",
      alias: "champion",
      sha256Tag: true,
    });
    v2 = await publishOnnxModel(server.url, {
      name: "iris",
      files: { "model.onnx": irisModel({ variant: 2 }) },
      layout: "logged-model",
      alias: "challenger",
      tags: { team: "ml" },
    });
    client = new MlflowClient({ trackingUri: server.url, clock: fakeClock().clock });
  });
  after(async () => {
    await client.close();
    await server.close();
  });

  void test("an alias resolves to the READY version it points at (MLflow 2 run artifacts)", async () => {
    const resolved = await client.resolveVersion("iris", { alias: "champion" });
    assert.deepEqual(resolved, {
      name: "iris",
      version: "1",
      runId: v1.runId,
      source: v1.source,
      status: "READY",
      tags: { sha256: v1.modelSha256 },
      aliases: ["champion"],
      resolvedAlias: "champion",
    });
  });

  void test("a pinned version resolves, with the MLflow 3 model id", async () => {
    const resolved = await client.resolveVersion("iris", { version: 2 });
    assert.deepEqual(resolved, {
      name: "iris",
      version: "2",
      runId: v2.runId,
      source: `models:/${v2.modelId}`,
      status: "READY",
      tags: { team: "ml" },
      modelId: v2.modelId,
      aliases: ["challenger"],
    });
  });

  void test("a missing alias names the model, the alias and the aliases it has", async () => {
    const err = await rejection(client.resolveVersion("iris", { alias: "prod" }));
    assert.equal(err.code, "ALIAS_NOT_FOUND");
    assert.equal(
      err.message,
      'registered model "iris" has no alias "prod"; its aliases are champion→1, challenger→2 (MLflow: INVALID_PARAMETER_VALUE: Registered model alias prod not found.)',
    );
    assert.ok(err.cause instanceof HttpError);
    assert.equal(err.cause.status, 400);
  });

  void test("an alias on a missing model: the stores' 400 is told apart from a missing alias", async () => {
    const err = await rejection(client.resolveVersion("nope", { alias: "champion" }));
    assert.equal(err.code, "MODEL_NOT_FOUND");
    assert.equal(
      err.message,
      `registered model "nope" does not exist in MLflow at ${server.url}/ (looking up alias "champion": INVALID_PARAMETER_VALUE: Registered model alias champion not found.)`,
    );
  });

  void test("an alias on a missing model, as newer stores answer it (404)", async () => {
    server.setSwitches({ aliasLookupOnMissingModel: "model-not-found" });
    try {
      const err = await rejection(client.resolveVersion("nope", { alias: "champion" }));
      assert.equal(err.code, "MODEL_NOT_FOUND");
      assert.equal(
        err.message,
        `registered model "nope" does not exist in MLflow at ${server.url}/ (RESOURCE_DOES_NOT_EXIST: Registered Model with name=nope not found)`,
      );
    } finally {
      server.setSwitches({ aliasLookupOnMissingModel: "alias-not-found" });
    }
  });

  void test("a missing version and a missing model by version", async () => {
    const missing = await rejection(client.resolveVersion("iris", { version: "9" }));
    assert.equal(missing.code, "VERSION_NOT_FOUND");
    assert.equal(
      missing.message,
      'registered model "iris" has no version 9 (RESOURCE_DOES_NOT_EXIST: Model Version (name=iris, version=9) not found)',
    );
    const bad = await rejection(client.resolveVersion("iris", { version: "v2" }));
    assert.equal(bad.code, "REQUEST_FAILED");
    assert.equal(
      bad.message,
      'model version "v2" of "iris" is not a version number; expected digits such as "3"',
    );
  });

  void test("a reserved alias is MLflow's own 400, passed on", async () => {
    const err = await rejection(client.resolveVersion("iris", { alias: "latest" }));
    assert.equal(err.code, "REQUEST_FAILED");
    assert.equal(
      err.message,
      `MLflow rejected alias "latest" of registered model "iris": INVALID_PARAMETER_VALUE: 'latest' alias name (case insensitive) is reserved.`,
    );
  });

  void test("PENDING and FAILED registrations are not deployable", async () => {
    server.setModelVersionStatus("iris", "2", "PENDING_REGISTRATION");
    try {
      const pending = await rejection(client.resolveVersion("iris", { alias: "challenger" }));
      assert.equal(pending.code, "VERSION_NOT_READY");
      assert.equal(
        pending.message,
        'model version iris/2 (alias "challenger") is PENDING_REGISTRATION: the registry has not finished creating it; retry once it is READY',
      );
      server.setModelVersionStatus("iris", "2", "FAILED_REGISTRATION", "copy to UC failed");
      const failed = await rejection(client.resolveVersion("iris", { version: "2" }));
      assert.equal(failed.code, "VERSION_NOT_READY");
      assert.equal(
        failed.message,
        "model version iris/2 is FAILED_REGISTRATION, not READY: copy to UC failed",
      );
    } finally {
      server.setModelVersionStatus("iris", "2", "READY");
    }
  });

  void test("int64 fields as strings (old servers) are accepted", async () => {
    server.setSwitches({ int64AsStrings: true });
    try {
      assert.equal((await client.resolveVersion("iris", { alias: "champion" })).version, "1");
    } finally {
      server.setSwitches({ int64AsStrings: false });
    }
  });

  void test("getDownloadUri: run artifacts (2.x) and the logged model's location (3.x)", async () => {
    assert.equal(await client.getDownloadUri("iris", "1"), v1.artifactUri);
    assert.equal(await client.getDownloadUri("iris", "2"), v2.artifactUri);
    assert.match(v2.artifactUri, /^mlflow-artifacts:\/.*\/models\/m-[0-9a-f]+\/artifacts$/);
  });
});

void describe("transient failures", () => {
  let server: MlflowHandle;
  before(async () => {
    server = await startMlflowServer();
    await publishOnnxModel(server.url, {
      name: "iris",
      files: { "model.onnx": irisModel() },
      layout: "run-artifacts",
      alias: "champion",
    });
  });
  after(async () => {
    await server.close();
  });

  void test("429 with Retry-After: the waits are exactly what the server asked", async () => {
    server.faults.add({
      path: "registered-models/alias",
      kind: "status",
      status: 429,
      retryAfter: 7,
      times: 2,
    });
    const fake = fakeClock();
    const client = new MlflowClient({ trackingUri: server.url, clock: fake.clock });
    server.clearRequests();
    try {
      assert.equal((await client.resolveVersion("iris", { alias: "champion" })).version, "1");
    } finally {
      await client.close();
    }
    assert.deepEqual(fake.sleeps, [7000, 7000]);
    assert.deepEqual(
      server.requests().map((r) => r.status),
      [429, 429, 200],
    );
  });

  void test("502/503/504 are retried with full-jitter backoff; exhausted retries report the last answer", async () => {
    server.faults.add({ path: "registered-models/alias", kind: "status", status: 502, times: 1 });
    server.faults.add({ path: "registered-models/alias", kind: "status", status: 503, times: 1 });
    server.faults.add({ path: "registered-models/alias", kind: "status", status: 504, times: 1 });
    const fake = fakeClock(undefined, 0.5);
    const client = new MlflowClient({
      trackingUri: server.url,
      clock: fake.clock,
      retry: { maxAttempts: 4, baseDelayMs: 1000, maxDelayMs: 60_000 },
    });
    try {
      assert.equal((await client.resolveVersion("iris", { alias: "champion" })).version, "1");
      assert.deepEqual(fake.sleeps, [500, 1000, 2000]);

      server.faults.add({ path: "registered-models/alias", kind: "status", status: 503, times: 4 });
      const err = await rejection(client.resolveVersion("iris", { alias: "champion" }));
      assert.equal(err.code, "REQUEST_FAILED");
      assert.equal(
        err.message,
        `resolving alias "champion" of registered model "iris" failed: 503 Service Unavailable (retried: 4 attempts over 4 s)`,
      );
      assert.ok(err.cause instanceof HttpError);
      assert.equal(err.cause.attempts, 4);
    } finally {
      await client.close();
    }
  });

  void test("a slow answer times out per call, and the retry gets the answer", async () => {
    server.faults.add({ path: "registered-models/alias", kind: "delay", delayMs: 3000, times: 1 });
    const client = new MlflowClient({
      trackingUri: server.url,
      timeoutMs: 200,
      clock: fakeClock().clock,
    });
    try {
      const started = Date.now();
      assert.equal((await client.resolveVersion("iris", { alias: "champion" })).version, "1");
      assert.ok(Date.now() - started < 2000);
    } finally {
      await client.close();
    }
  });

  void test("a slow answer with no retries left is a timeout error", async () => {
    server.faults.add({ path: "registered-models/alias", kind: "delay", delayMs: 3000, times: 1 });
    const client = new MlflowClient({
      trackingUri: server.url,
      timeoutMs: 200,
      retry: { maxAttempts: 1 },
    });
    try {
      const err = await rejection(client.resolveVersion("iris", { alias: "champion" }));
      assert.equal(
        err.message,
        `resolving alias "champion" of registered model "iris" failed: GET ${server.url}/api/2.0/mlflow/registered-models/alias?name=iris&alias=champion timed out after 200 ms`,
      );
    } finally {
      await client.close();
    }
  });
});

void describe("authentication from MLFLOW_TRACKING_* variables", () => {
  let server: MlflowHandle;
  before(async () => {
    server = await startMlflowServer({
      auth: {
        users: [{ username: "deployer", password: "s3cret" }],
        tokens: [{ token: "tok-123" }],
      },
    });
    await publishOnnxModel(server.url, {
      name: "iris",
      files: { "model.onnx": irisModel() },
      layout: "run-artifacts",
      alias: "champion",
      auth: { token: "tok-123" },
    });
  });
  after(async () => {
    await server.close();
  });

  void test("Basic from username/password", async () => {
    const client = new MlflowClient(
      mlflowClientOptionsFromEnv(
        { MLFLOW_TRACKING_USERNAME: "deployer", MLFLOW_TRACKING_PASSWORD: "s3cret" },
        server.url,
      ),
    );
    try {
      server.clearRequests();
      assert.equal((await client.resolveVersion("iris", { alias: "champion" })).version, "1");
      assert.equal(
        server.requests()[0]?.requestHeaders.authorization,
        `Basic ${Buffer.from("deployer:s3cret").toString("base64")}`,
      );
    } finally {
      await client.close();
    }
  });

  void test("Bearer from the token", async () => {
    const client = new MlflowClient(
      mlflowClientOptionsFromEnv({ MLFLOW_TRACKING_TOKEN: "tok-123" }, server.url),
    );
    try {
      server.clearRequests();
      assert.equal((await client.resolveVersion("iris", { alias: "champion" })).version, "1");
      assert.equal(server.requests()[0]?.requestHeaders.authorization, "Bearer tok-123");
    } finally {
      await client.close();
    }
  });

  void test("wrong or missing credentials: 401 plain text, not retried, no secret in the message", async () => {
    const client = new MlflowClient(
      mlflowClientOptionsFromEnv(
        { MLFLOW_TRACKING_USERNAME: "deployer", MLFLOW_TRACKING_PASSWORD: "wrong-pw" },
        server.url,
      ),
    );
    try {
      server.clearRequests();
      const err = await rejection(client.resolveVersion("iris", { alias: "champion" }));
      assert.equal(err.code, "REQUEST_FAILED");
      assert.ok(err.cause instanceof HttpError);
      assert.equal(err.cause.status, 401);
      assert.equal(
        err.message,
        'resolving alias "champion" of registered model "iris" failed: You are not authenticated. Please see https://www.mlflow.org/docs/latest/auth/index.html#authenticating-to-mlflow on how to authenticate. (HTTP 401: MLflow did not accept the credentials or got none; set MLFLOW_TRACKING_TOKEN (or MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD) to credentials that may read this registered model)',
      );
      assert.doesNotMatch(err.message, /wrong-pw|ZGVwbG95ZXI6d3JvbmctcHc/);
      assert.equal(server.requests().length, 1);
    } finally {
      await client.close();
    }
  });
});

void describe("non-JSON error shapes (mlflow-contract.md §4)", () => {
  void test("403 Permission denied (plain text) for a user without permission", async () => {
    const server = await startMlflowServer({
      auth: { users: [{ username: "viewer", password: "pw", permission: "NO_PERMISSIONS" }] },
    });
    const client = new MlflowClient({
      trackingUri: server.url,
      auth: { kind: "basic", username: "viewer", password: "pw" },
    });
    try {
      const err = await rejection(client.resolveVersion("iris", { alias: "champion" }));
      assert.equal(err.code, "REQUEST_FAILED");
      assert.ok(err.cause instanceof HttpError);
      assert.equal(err.cause.status, 403);
      assert.equal(err.cause.rawText, "Permission denied");
      assert.equal(
        err.message,
        'resolving alias "champion" of registered model "iris" failed: Permission denied (HTTP 403: MLflow refused these credentials access; set MLFLOW_TRACKING_TOKEN (or MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD) to credentials that may read this registered model)',
      );
    } finally {
      await client.close();
      await server.close();
    }
  });

  void test("Flask's HTML 404 for a route the server does not have (MLflow 3 endpoint on a 2.x server)", async () => {
    const server = await startMlflowServer({ mlflowVersion: "2.9.2" });
    const client = new MlflowClient({ trackingUri: server.url });
    try {
      const err = await rejection(
        client.listArtifacts("models:/m-0123456789abcdef0123456789abcdef"),
      );
      assert.equal(err.code, "REQUEST_FAILED");
      assert.ok(err.cause instanceof HttpError);
      assert.equal(err.cause.status, 404);
      assert.equal(err.cause.errorCode, undefined);
      assert.equal(
        err.message,
        "reading logged model m-0123456789abcdef0123456789abcdef failed: 404 Not Found Not Found The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.",
      );
    } finally {
      await client.close();
      await server.close();
    }
  });
});

void describe("mlflowClientOptionsFromEnv", () => {
  void test("defaults follow MLflow's client", () => {
    assert.deepEqual(
      mlflowClientOptionsFromEnv({ MLFLOW_TRACKING_URI: "https://mlflow.example/prefix" }),
      {
        trackingUri: "https://mlflow.example/prefix",
        timeoutMs: 120_000,
        retry: { maxAttempts: 8, baseDelayMs: 2000, maxDelayMs: 120_000, respectRetryAfter: true },
      },
    );
  });

  void test("every variable", () => {
    assert.deepEqual(
      mlflowClientOptionsFromEnv(
        {
          MLFLOW_TRACKING_TOKEN: "t",
          MLFLOW_TRACKING_SERVER_CERT_PATH: "/ca.pem",
          MLFLOW_TRACKING_CLIENT_CERT_PATH: "/client.pem",
          MLFLOW_HTTP_REQUEST_TIMEOUT: "30",
          MLFLOW_HTTP_REQUEST_MAX_RETRIES: "2",
          MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR: "0.5",
          MLFLOW_HTTP_RESPECT_RETRY_AFTER_HEADER: "false",
        },
        "http://h:5000",
      ),
      {
        trackingUri: "http://h:5000",
        auth: { kind: "bearer", token: "t" },
        tls: { caFile: "/ca.pem", certFile: "/client.pem" },
        timeoutMs: 30_000,
        retry: { maxAttempts: 3, baseDelayMs: 500, maxDelayMs: 120_000, respectRetryAfter: false },
      },
    );
    assert.deepEqual(
      mlflowClientOptionsFromEnv({ MLFLOW_TRACKING_INSECURE_TLS: "TRUE" }, "https://h").tls,
      {
        insecureSkipVerify: true,
      },
    );
  });

  void test("Basic wins over the token when both are set, as in MLflow's code", () => {
    const o = mlflowClientOptionsFromEnv(
      { MLFLOW_TRACKING_USERNAME: "u", MLFLOW_TRACKING_PASSWORD: "p", MLFLOW_TRACKING_TOKEN: "t" },
      "http://h",
    );
    assert.deepEqual(o.auth, { kind: "basic", username: "u", password: "p" });
  });

  void test("invalid settings name the variable and the value", () => {
    assert.throws(
      () => mlflowClientOptionsFromEnv({ MLFLOW_HTTP_REQUEST_MAX_RETRIES: "10" }, "http://h"),
      {
        message:
          'MLFLOW_HTTP_REQUEST_MAX_RETRIES="10" is invalid; expected an integer >= 0 and < 10',
      },
    );
    assert.throws(
      () => mlflowClientOptionsFromEnv({ MLFLOW_TRACKING_INSECURE_TLS: "yes" }, "http://h"),
      {
        message:
          'MLFLOW_TRACKING_INSECURE_TLS="yes" is not a boolean; expected true, false, 1 or 0',
      },
    );
    assert.throws(
      () =>
        mlflowClientOptionsFromEnv(
          { MLFLOW_TRACKING_INSECURE_TLS: "true", MLFLOW_TRACKING_SERVER_CERT_PATH: "/ca.pem" },
          "https://h",
        ),
      /mutually exclusive/,
    );
    assert.throws(() => mlflowClientOptionsFromEnv({ MLFLOW_TRACKING_USERNAME: "u" }, "http://h"), {
      message:
        "MLFLOW_TRACKING_USERNAME is set but MLFLOW_TRACKING_PASSWORD is not; Basic auth needs both",
    });
    assert.throws(() => mlflowClientOptionsFromEnv({}), /no MLflow tracking URI/);
    assert.throws(
      () => mlflowClientOptionsFromEnv({}, "databricks"),
      /must be an http:\/\/ or https:\/\/ URL/,
    );
  });
});
