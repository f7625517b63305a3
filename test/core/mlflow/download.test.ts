import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { appendFileSync, rmSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, beforeEach, describe, test } from "node:test";
import {
  MlflowClient,
  MlflowError,
  type DownloadModelOptions,
  type DownloadModelResult,
  type DownloadProgress,
  type MlflowClientOptions,
} from "../../../src/core/mlflow";
import { startMlflowServer, type MlflowHandle } from "../../support/mlflow";
import { mlmodelYaml } from "../../support/mlflow/mlmodel";
import {
  publishOnnxModel,
  type PublishLayout,
  type PublishedModel,
} from "../../support/mlflow/seed";
import { externalDataModel, irisModel } from "../../support/onnx/fixtures";
import { fakeClock } from "../http/scripted-server";

const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");

const iris = irisModel();
const ext = externalDataModel();
/** What `mlflow.onnx.log_model` leaves beside the graph (mlflow-contract.md §6). */
const loggedFiles = {
  "model.onnx": ext.model,
  [ext.dataFileName]: ext.data,
  MLmodel: mlmodelYaml({ dataFile: "model.onnx" }),
  "requirements.txt": "onnx==1.17.0\n",
  "conda.yaml": "name: mlflow-env\n",
  "metadata/MLmodel": "copy\n",
};

let server: MlflowHandle;
let work: string;
const clients: MlflowClient[] = [];

function client(options: Partial<MlflowClientOptions> = {}): MlflowClient {
  const c = new MlflowClient({
    trackingUri: server.url,
    clock: fakeClock().clock,
    timeoutMs: 2000,
    ...options,
  });
  clients.push(c);
  return c;
}

let counter = 0;
async function publish(
  layout: PublishLayout,
  files: Record<string, Uint8Array | string>,
  extra: { sha256Tag?: boolean | string; sha256TagKey?: string } = {},
): Promise<PublishedModel & { name: string }> {
  const name = `m${++counter}`;
  return { name, ...(await publishOnnxModel(server.url, { name, files, layout, ...extra })) };
}

async function target(): Promise<string> {
  return mkdtemp(join(work, "target-"));
}

/** Resolves version 1 of `name` and downloads it into `dir` (a fresh directory by default). */
async function downloadV1(
  c: MlflowClient,
  name: string,
  dir?: string,
  options?: DownloadModelOptions,
): Promise<DownloadModelResult> {
  const resolved = await c.resolveVersion(name, { version: "1" });
  return c.downloadModel(resolved, dir ?? (await target()), options);
}

/** Where the test server keeps a file of a model published through the artifact proxy. */
function storedFile(pub: PublishedModel, file: string): string {
  return join(server.artifactsDir, pub.artifactUri.replace(/^mlflow-artifacts:\/+/, ""), file);
}

async function rejection(p: Promise<unknown>): Promise<MlflowError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof MlflowError, `expected an MlflowError, got ${String(err)}`);
  return err;
}

before(async () => {
  server = await startMlflowServer();
  work = await mkdtemp(join(tmpdir(), "mlflow-download-"));
});
after(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await server.close();
  await rm(work, { recursive: true, force: true });
});
beforeEach(() => {
  server.faults.clear();
  server.clearRequests();
});

void describe("downloadModel: layouts and endpoints", () => {
  for (const layout of ["run-artifacts", "logged-model", "runs-uri"] as const) {
    void test(`${layout}: model.onnx and its external data, not the MLflow metadata`, async () => {
      const pub = await publish(layout, loggedFiles, { sha256Tag: true });
      const c = client();
      const resolved = await c.resolveVersion(pub.name, { version: pub.version });
      const dir = await target();
      const result = await c.downloadModel(resolved, dir);
      assert.deepEqual(result.files, [
        { path: "model.onnx", sizeBytes: ext.model.length, sha256: sha256(ext.model) },
        { path: ext.dataFileName, sizeBytes: ext.data.length, sha256: sha256(ext.data) },
      ]);
      assert.equal(result.totalBytes, ext.model.length + ext.data.length);
      assert.equal(result.modelSha256, pub.modelSha256);
      assert.equal(result.artifactUri, pub.artifactUri);
      assert.deepEqual((await readdir(dir)).sort(), ["model.onnx", ext.dataFileName].sort());
      assert.deepEqual(await readFile(join(dir, "model.onnx")), Buffer.from(ext.model));
      assert.deepEqual(await readFile(join(dir, ext.dataFileName)), Buffer.from(ext.data));
      // Through the artifact proxy, never the legacy routes.
      const downloads = server
        .requests()
        .filter((r) => r.method === "GET" && /model\.onnx(\.data)?$/.test(r.path));
      assert.deepEqual(
        downloads.map((r) =>
          r.path.replace(/artifacts\/artifacts\/.*\//, "artifacts/artifacts/…/"),
        ),
        [
          "/api/2.0/mlflow-artifacts/artifacts/…/model.onnx",
          `/api/2.0/mlflow-artifacts/artifacts/…/${ext.dataFileName}`,
        ],
      );
    });
  }

  void test("a plain artifact named otherwise is saved as model.onnx", async () => {
    const pub = await publish("runs-uri", { "iris.onnx": iris, "labels.txt": "a\nb\nc\n" });
    const c = client();
    const result = await c.downloadModel(
      await c.resolveVersion(pub.name, { version: pub.version }),
      await target(),
    );
    assert.deepEqual(
      result.files.map((f) => f.path),
      ["model.onnx", "labels.txt"],
    );
    assert.equal(result.modelSha256, sha256(iris));
  });

  void test("a directory without an ONNX file is a clear error", async () => {
    const pub = await publish("run-artifacts", { "model.pkl": "x", MLmodel: "flavors: {}\n" });
    const c = client();
    const err = await rejection(downloadV1(c, pub.name));
    assert.equal(err.code, "NO_ONNX_FILE");
    assert.equal(
      err.message,
      `no ONNX model in model version ${pub.name}/1 (${pub.artifactUri}): expected model.onnx or one *.onnx file, found MLmodel, model.pkl`,
    );
  });

  void test('"get-artifact": /get-artifact for run artifacts, /model-versions/get-artifact for MLflow 3 models', async () => {
    const run = await publish("run-artifacts", loggedFiles, { sha256Tag: true });
    const logged = await publish("logged-model", loggedFiles, { sha256Tag: true });
    const c = client({ downloadEndpoint: "get-artifact" });

    server.clearRequests();
    const r1 = await downloadV1(c, run.name);
    assert.equal(r1.modelSha256, sha256(ext.model));
    assert.deepEqual(
      server
        .requests()
        .filter((r) => r.path.startsWith("/get-artifact"))
        .map((r) => new URL(r.path, "http://x").searchParams.get("path")),
      ["model/model.onnx", `model/${ext.dataFileName}`],
    );
    assert.match(r1.via, /via \/get-artifact of run /);

    server.clearRequests();
    const r2 = await downloadV1(c, logged.name);
    assert.equal(r2.modelSha256, sha256(ext.model));
    assert.equal(
      server.requests().filter((r) => r.path.startsWith("/model-versions/get-artifact")).length,
      2,
    );
  });

  void test("s3:// storage: refused by default with the reason, served by the server through get-artifact", async () => {
    const pub = await publish("s3-run-artifacts", loggedFiles);
    assert.match(pub.artifactUri, /^s3:\/\//);
    const resolved = await client().resolveVersion(pub.name, { version: "1" });
    const err = await rejection(client().downloadModel(resolved, await target()));
    assert.equal(err.code, "UNSUPPORTED_ARTIFACT_URI");
    assert.equal(
      err.message,
      `cannot download artifacts from ${pub.artifactUri}: s3:// URIs are not supported. The MLflow server only proxies mlflow-artifacts:/ URIs (it runs with --no-serve-artifacts or a non-proxied --default-artifact-root), and this client holds no s3 credentials: it downloads only through the tracking server. Set downloadEndpoint "get-artifact" to let the server read files under the run's artifact root with its own credentials, or serve artifacts through the proxy (--serve-artifacts).`,
    );
    const ok = await client({ downloadEndpoint: "get-artifact" }).downloadModel(
      resolved,
      await target(),
    );
    assert.deepEqual(
      ok.files.map((f) => f.sha256),
      [sha256(ext.model), sha256(ext.data)],
    );
  });

  void test("--no-serve-artifacts: auto falls back to the server's file routes; mlflow-artifacts alone fails", async () => {
    const run = await publish("run-artifacts", loggedFiles, { sha256Tag: true });
    const logged = await publish("logged-model", loggedFiles, { sha256Tag: true });
    server.setSwitches({ serveArtifacts: false });
    try {
      const c = client();
      server.clearRequests();
      const r1 = await downloadV1(c, run.name);
      assert.equal(r1.modelSha256, sha256(ext.model));
      assert.equal(r1.via, `${run.artifactUri} via /get-artifact of run ${run.runId}`);
      const r2 = await downloadV1(c, logged.name);
      assert.deepEqual(
        r2.files.map((f) => f.sha256),
        [sha256(ext.model), sha256(ext.data)],
      );
      assert.equal(
        r2.via,
        `${logged.artifactUri} via /model-versions/get-artifact (listed under logged model ${logged.modelId})`,
      );
      // One refused proxy listing per download, then only the server routes.
      assert.deepEqual(
        server
          .requests()
          .filter((r) => r.status !== 200)
          .map((r) => [r.status, r.path.split("?")[0]]),
        [
          [503, "/api/2.0/mlflow-artifacts/artifacts"],
          [503, "/api/2.0/mlflow-artifacts/artifacts"],
        ],
      );

      const proxyOnly = client({ downloadEndpoint: "mlflow-artifacts", retry: { maxAttempts: 1 } });
      const err = await rejection(downloadV1(proxyOnly, run.name));
      assert.equal(err.code, "REQUEST_FAILED");
      assert.match(
        err.message,
        /^listing the files of model version m\d+\/1 \(.*\) \(.* via the MLflow artifact proxy\) failed: Endpoint: \/api\/2\.0\/mlflow-artifacts\/artifacts disabled due to the mlflow server running with `--no-serve-artifacts`/,
      );
    } finally {
      server.setSwitches({ serveArtifacts: true });
    }
  });

  void test("listArtifacts is recursive and relative to the URI", async () => {
    const pub = await publish("run-artifacts", loggedFiles);
    const entries = await client().listArtifacts(pub.artifactUri);
    assert.deepEqual(
      entries.map((e) => [e.path, e.isDir, e.sizeBytes]).sort(),
      [
        ["MLmodel", false, Buffer.byteLength(mlmodelYaml({ dataFile: "model.onnx" }))],
        ["conda.yaml", false, 17],
        ["metadata", true, undefined],
        ["metadata/MLmodel", false, 5],
        ["model.onnx", false, ext.model.length],
        [ext.dataFileName, false, ext.data.length],
        ["requirements.txt", false, 13],
      ].sort(),
    );
    const top = await client().listArtifacts(pub.artifactUri, { recursive: false });
    assert.equal(top.filter((e) => e.path.includes("/")).length, 0);
  });
});

void describe("downloadModel: integrity", () => {
  void test("a reset mid-body restarts the file and succeeds", async () => {
    const pub = await publish("run-artifacts", { "model.onnx": iris });
    server.faults.add({
      path: "mlflow-artifacts/artifacts/.*model\\.onnx$",
      method: "GET",
      kind: "reset",
      afterBytes: 50,
    });
    const c = client();
    const progress: DownloadProgress[] = [];
    const result = await downloadV1(c, pub.name, undefined, {
      onProgress: (p) => progress.push(p),
    });
    assert.equal(result.modelSha256, sha256(iris));
    const fileGets = server
      .requests()
      .filter((r) => r.method === "GET" && r.path.endsWith("model.onnx"));
    assert.deepEqual(
      fileGets.map((r) => r.fault ?? "none"),
      ["reset", "none"],
    );
    const last = progress[progress.length - 1];
    assert.deepEqual(last && { ...last, bytesPerSecond: 0 }, {
      file: "model.onnx",
      fileIndex: 1,
      fileCount: 1,
      bytes: iris.length,
      total: iris.length,
      bytesPerSecond: 0,
      etaSeconds: 0,
      attempt: 2,
      done: true,
    });
  });

  void test("a truncated 200 (chunked, clean end) is detected against the listed size and retried", async () => {
    const pub = await publish("run-artifacts", { "model.onnx": iris });
    server.faults.add({
      path: "model\\.onnx$",
      method: "GET",
      kind: "truncate",
      afterBytes: 100,
      times: 1,
    });
    const c = client();
    const result = await downloadV1(c, pub.name);
    assert.equal(result.files[0]?.sizeBytes, iris.length);
  });

  void test("a body that stays truncated fails with TRUNCATED and leaves no partial file", async () => {
    const pub = await publish("run-artifacts", { "model.onnx": iris });
    server.faults.add({
      path: "model\\.onnx$",
      method: "GET",
      kind: "truncate",
      afterBytes: 100,
      times: 3,
    });
    const c = client({ fileAttempts: 3 });
    const dir = await target();
    const err = await rejection(downloadV1(c, pub.name, dir));
    assert.equal(err.code, "TRUNCATED");
    assert.equal(
      err.message,
      `model.onnx: the body ended after 100 of ${iris.length} bytes (truncated download from ${pub.artifactUri} via the MLflow artifact proxy) (after 3 attempts)`,
    );
    assert.deepEqual(await readdir(dir), []);
  });

  void test("a short body with Content-Length (get-artifact) is a truncation too", async () => {
    const pub = await publish("run-artifacts", { "model.onnx": iris });
    server.faults.add({
      path: "^/get-artifact",
      method: "GET",
      kind: "close",
      afterBytes: 100,
      times: 2,
    });
    const c = client({ downloadEndpoint: "get-artifact", fileAttempts: 2 });
    const err = await rejection(downloadV1(c, pub.name));
    assert.equal(err.code, "TRUNCATED");
    assert.equal(
      err.message,
      `model.onnx: the connection failed after 100 of ${iris.length} bytes (UND_ERR_SOCKET: other side closed) (after 2 attempts)`,
    );
  });

  void test("a file longer than listed is a size mismatch (no Content-Length: counted while streaming)", async () => {
    const pub = await publish("run-artifacts", { "model.onnx": iris });
    // The file grows between the listing and the download.
    server.faults.add({
      path: "mlflow-artifacts/artifacts\\?path=",
      kind: "hook",
      run: () => appendFileSync(storedFile(pub, "model.onnx"), "XX"),
    });
    const c = client();
    const dir = await target();
    const err = await rejection(downloadV1(c, pub.name, dir));
    assert.equal(err.code, "SIZE_MISMATCH");
    assert.equal(
      err.message,
      `model.onnx: the server sent more than the ${iris.length} bytes the listing gives (${pub.artifactUri} via the MLflow artifact proxy)`,
    );
    assert.deepEqual(await readdir(dir), []);
  });

  void test("a Content-Length that disagrees with the listing is a size mismatch before any byte is written", async () => {
    const pub = await publish("run-artifacts", { "model.onnx": iris });
    server.faults.add({
      path: "mlflow/artifacts/list",
      kind: "hook",
      run: () => appendFileSync(storedFile(pub, "model.onnx"), "XX"),
    });
    const c = client({ downloadEndpoint: "get-artifact" });
    const err = await rejection(downloadV1(c, pub.name));
    assert.equal(err.code, "SIZE_MISMATCH");
    assert.equal(
      err.message,
      `model.onnx: the listing says ${iris.length} bytes but the server sends Content-Length ${iris.length + 2} (${pub.artifactUri} via /get-artifact of run ${pub.runId})`,
    );
  });

  void test("a sha256 tag that does not match model.onnx fails the download", async () => {
    const wrong = "0".repeat(64);
    const pub = await publish("run-artifacts", { "model.onnx": iris }, { sha256Tag: wrong });
    const c = client();
    const dir = await target();
    const err = await rejection(downloadV1(c, pub.name, dir));
    assert.equal(err.code, "SHA256_MISMATCH");
    assert.equal(
      err.message,
      `model.onnx: sha256 is ${sha256(iris)} but the model version's "sha256" tag says ${wrong} (downloaded twice from the start, both times with a wrong digest)`,
    );
    assert.deepEqual(await readdir(dir), []);
  });

  void test("a corrupted byte in transit is caught by the digest (onnx_sha256 tag) and downloaded once more", async () => {
    const pub = await publish(
      "logged-model",
      { "model.onnx": iris },
      { sha256Tag: true, sha256TagKey: "onnx_sha256" },
    );
    // Once: the second download from the start is intact.
    server.faults.add({ path: "model\\.onnx$", method: "GET", kind: "corrupt", offset: 10 });
    const once = await downloadV1(client(), pub.name);
    assert.equal(once.modelSha256, sha256(iris));
    // Every time: it fails after the one extra download, saying so.
    server.faults.add({
      path: "model\\.onnx$",
      method: "GET",
      kind: "corrupt",
      offset: 10,
      times: 2,
    });
    const err = await rejection(downloadV1(client(), pub.name));
    assert.equal(err.code, "SHA256_MISMATCH");
    const corrupted = Uint8Array.from(iris);
    corrupted[10] = (corrupted[10] ?? 0) ^ 0xff;
    assert.equal(
      err.message,
      `model.onnx: sha256 is ${sha256(corrupted)} but the model version's "onnx_sha256" tag says ${sha256(iris)} (downloaded twice from the start, both times with a wrong digest)`,
    );
  });

  void test("a malformed sha256 tag is refused before downloading", async () => {
    const pub = await publish("run-artifacts", { "model.onnx": iris }, { sha256Tag: "abc" });
    const c = client();
    const err = await rejection(downloadV1(c, pub.name));
    assert.equal(err.code, "SHA256_MISMATCH");
    assert.equal(
      err.message,
      `model version ${pub.name}/1 has a "sha256" tag "abc" that is not a sha256 hex digest (64 hex characters)`,
    );
  });

  void test("a stall mid-body hits the idle timeout and the file is fetched again", async () => {
    const pub = await publish("run-artifacts", { "model.onnx": iris });
    server.faults.add({
      path: "model\\.onnx$",
      method: "GET",
      kind: "delay",
      delayMs: 3000,
      afterBytes: 64,
    });
    const c = client({ timeoutMs: 200 });
    const started = Date.now();
    const result = await downloadV1(c, pub.name);
    assert.equal(result.modelSha256, sha256(iris));
    assert.ok(Date.now() - started < 2500);
  });

  void test("a missing artifact file (500 from the server) fails with the server's message", async () => {
    const pub = await publish("run-artifacts", { "model.onnx": iris });
    const c = client({ retry: { maxAttempts: 2 } });
    server.faults.add({
      path: "mlflow-artifacts/artifacts\\?path=",
      kind: "hook",
      run: () => rmSync(storedFile(pub, "model.onnx"), { force: true }),
    });
    const err = await rejection(downloadV1(c, pub.name));
    assert.equal(err.code, "DOWNLOAD_FAILED");
    const artifactPath = `${pub.artifactUri.replace(/^mlflow-artifacts:\/+/, "")}/model.onnx`;
    assert.equal(
      err.message,
      `downloading model.onnx from ${pub.artifactUri} via the MLflow artifact proxy failed: INTERNAL_ERROR: The following failures occurred while downloading one or more artifacts from file://${server.artifactsDir}:\n##### File ${artifactPath} #####\n[Errno 2] No such file or directory: '${storedFile(pub, "model.onnx")}' (retried: 2 attempts over 0 s)`,
    );
  });
});

void describe("downloadModel: progress", () => {
  void test("bytes, total, rate and ETA per file, throttled, ending with a done event", async () => {
    const big = new Uint8Array(3 * 1024 * 1024).map((_, i) => (i * 31) % 251);
    const pub = await publish("run-artifacts", {
      "model.onnx": big,
      "weights.bin": new Uint8Array(1000),
    });
    // Time moves 300 ms (more than the report interval) each time the downloader reads the clock.
    let t = 0;
    const clock = { now: () => (t += 300), sleep: () => Promise.resolve(), random: () => 0.5 };
    const c = client({ clock });
    const events: DownloadProgress[] = [];
    await downloadV1(c, pub.name, undefined, { onProgress: (p) => events.push(p) });
    const model = events.filter((e) => e.file === "model.onnx");
    assert.ok(model.length >= 3, `expected several progress events, got ${model.length}`);
    assert.ok(model.slice(0, -1).every((e) => !e.done && e.bytes < big.length));
    assert.ok(model.every((e, i) => i === 0 || e.bytes >= (model[i - 1]?.bytes ?? 0)));
    for (const e of model) {
      assert.equal(e.total, big.length);
      assert.equal(e.fileIndex, 1);
      assert.equal(e.fileCount, 2);
      assert.ok(e.bytesPerSecond > 0);
      assert.ok(Math.abs((e.etaSeconds ?? NaN) - (big.length - e.bytes) / e.bytesPerSecond) < 1e-9);
    }
    assert.deepEqual(
      { ...model[model.length - 1], bytesPerSecond: 0 },
      {
        file: "model.onnx",
        fileIndex: 1,
        fileCount: 2,
        bytes: big.length,
        total: big.length,
        bytesPerSecond: 0,
        etaSeconds: 0,
        attempt: 1,
        done: true,
      },
    );
    const weights = events.filter((e) => e.file === "weights.bin");
    assert.deepEqual(
      weights.map((e) => [e.fileIndex, e.bytes, e.done]),
      [[2, 1000, true]],
    );
  });
});

void describe("downloadModel: auth", () => {
  void test("Bearer is sent on listing and download requests", async () => {
    const secured = await startMlflowServer({ auth: { tokens: [{ token: "tok" }] } });
    try {
      const pub = await publishOnnxModel(secured.url, {
        name: "iris",
        files: { "model.onnx": iris },
        layout: "logged-model",
        auth: { token: "tok" },
      });
      const c = new MlflowClient({
        trackingUri: secured.url,
        auth: { kind: "bearer", token: "tok" },
      });
      try {
        secured.clearRequests();
        const result = await c.downloadModel(
          await c.resolveVersion("iris", { version: pub.version }),
          await target(),
        );
        assert.equal(result.modelSha256, sha256(iris));
        assert.ok(
          secured
            .requests()
            .every((r) => r.requestHeaders.authorization === "Bearer tok" && r.status === 200),
        );
      } finally {
        await c.close();
      }
    } finally {
      await secured.close();
    }
  });
});
