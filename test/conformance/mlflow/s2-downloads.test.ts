// mlflow-contract.md §2 — downloading artifacts over HTTP: the legacy send_file routes with
// Content-Length and Range (§2.3, §2.4), the URI mapping (§2.2) and non-proxied S3 roots (§2.5).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { publishOnnxModel, startMlflowServer, type MlflowHandle } from "../../support/mlflow";
import { werkzeugErrorPage } from "../../support/mlflow/errors";
import { API, ARTIFACTS, FLASK_404_HTML, bytes, client, sha256, type Client } from "./helpers";

describe("§2 artifact download over HTTP", () => {
  let server: MlflowHandle;
  let http: Client;
  const model = bytes(5000, 3);
  let runId: string;

  before(async () => {
    server = await startMlflowServer();
    http = client(server);
    const published = await publishOnnxModel(server.url, {
      name: "iris",
      layout: "run-artifacts",
      files: { "model.onnx": model, MLmodel: "flavors: {}\n" },
    });
    runId = published.runId;
  });
  after(() => server.close());

  describe("§2.2 URI → URL mapping", () => {
    test("mlflow-artifacts:/<p> is served at /api/2.0/mlflow-artifacts/artifacts/<p>", async () => {
      const uri = await http.get(`${API}/model-versions/get-download-uri?name=iris&version=1`);
      assert.equal(uri.json.artifact_uri, `mlflow-artifacts:/0/${runId}/artifacts/model`);
      const path = String(uri.json.artifact_uri).replace(/^mlflow-artifacts:\//, "");
      const res = await http.get(`${ARTIFACTS}/${path}/model.onnx`);
      assert.equal(res.status, 200);
      assert.equal(sha256(res.body), sha256(model));
    });
  });

  describe("§2.3/§2.4 GET /get-artifact (Flask send_file)", () => {
    test("sends Content-Length, Accept-Ranges and the attachment headers", async () => {
      const res = await http.get(`/get-artifact?path=model/model.onnx&run_uuid=${runId}`);
      assert.equal(res.status, 200);
      assert.equal(res.headers["content-length"], String(model.length));
      assert.equal(res.headers["transfer-encoding"], undefined);
      assert.equal(res.headers["accept-ranges"], "bytes");
      assert.equal(res.headers["content-disposition"], "attachment; filename=model.onnx");
      assert.equal(res.headers["x-content-type-options"], "nosniff");
      assert.equal(res.headers["content-type"], "application/octet-stream");
      assert.equal(typeof res.headers.etag, "string");
      assert.equal(sha256(res.body), sha256(model));
    });

    test("run_id is accepted as well as run_uuid", async () => {
      const res = await http.get(`/get-artifact?path=model/MLmodel&run_id=${runId}`);
      assert.equal(res.status, 200);
      assert.equal(res.text, "flavors: {}\n");
      assert.equal(res.headers["content-type"], "text/plain");
    });

    test("Range bytes=0-99 → 206, Content-Length 100, Content-Range", async () => {
      const res = await http.get(`/get-artifact?path=model/model.onnx&run_id=${runId}`, {
        headers: { range: "bytes=0-99" },
      });
      assert.equal(res.status, 206);
      assert.equal(res.headers["content-length"], "100");
      assert.equal(res.headers["content-range"], `bytes 0-99/${model.length}`);
      assert.deepEqual(res.body, model.subarray(0, 100));
    });

    test("open and suffix ranges resume a download", async () => {
      const open = await http.get(`/get-artifact?path=model/model.onnx&run_id=${runId}`, {
        headers: { range: "bytes=4000-" },
      });
      assert.equal(open.status, 206);
      assert.equal(open.headers["content-range"], `bytes 4000-4999/${model.length}`);
      assert.deepEqual(open.body, model.subarray(4000));
      const suffix = await http.get(`/get-artifact?path=model/model.onnx&run_id=${runId}`, {
        headers: { range: "bytes=-10" },
      });
      assert.deepEqual(suffix.body, model.subarray(model.length - 10));
    });

    test("a range past the end, or several ranges → 416 with Content-Range bytes */size", async () => {
      for (const range of [`bytes=${model.length}-`, "bytes=0-1,5-6"]) {
        const res = await http.get(`/get-artifact?path=model/model.onnx&run_id=${runId}`, {
          headers: { range },
        });
        assert.equal(res.status, 416, range);
        assert.equal(res.headers["content-range"], `bytes */${model.length}`, range);
      }
    });

    test("no `path` → Werkzeug's HTML 400; unsafe path → 400 Invalid path", async () => {
      const none = await http.get(`/get-artifact?run_id=${runId}`);
      assert.equal(none.status, 400);
      assert.equal(none.text, werkzeugErrorPage(400));
      const unsafe = await http.get(`/get-artifact?run_id=${runId}&path=../x`);
      assert.deepEqual([unsafe.status, unsafe.json.message], [400, "Invalid path"]);
    });

    test("a missing run → 404 JSON; a missing file → Flask's HTML 500 (not JSON)", async () => {
      const noRun = await http.get(`/get-artifact?path=model/model.onnx&run_id=nope`);
      assert.deepEqual([noRun.status, noRun.json.message], [404, "Run with id=nope not found"]);
      const noFile = await http.get(`/get-artifact?path=model/gone.onnx&run_id=${runId}`);
      assert.equal(noFile.status, 500);
      assert.equal(noFile.json, undefined);
      assert.equal(noFile.text, werkzeugErrorPage(500));
    });

    test("the legacy routes live at the root only, not under /ajax-api", async () => {
      const res = await http.get(
        `/ajax-api/2.0/get-artifact?path=model/model.onnx&run_id=${runId}`,
      );
      assert.equal(res.status, 404);
      assert.equal(res.text, FLASK_404_HTML);
    });

    test("it still works with --no-serve-artifacts", async () => {
      server.setSwitches({ serveArtifacts: false });
      try {
        const res = await http.get(`/get-artifact?path=model/model.onnx&run_id=${runId}`);
        assert.equal(res.status, 200);
        assert.equal(sha256(res.body), sha256(model));
      } finally {
        server.setSwitches({ serveArtifacts: true });
      }
    });
  });

  describe("§2.3 GET /model-versions/get-artifact", () => {
    test("is rooted at the version's download URI, with Content-Length and Range", async () => {
      const res = await http.get(
        `/model-versions/get-artifact?name=iris&version=1&path=model.onnx`,
        {
          headers: { range: "bytes=10-19" },
        },
      );
      assert.equal(res.status, 206);
      assert.deepEqual(res.body, model.subarray(10, 20));
    });

    test("resolves runs:/ and models:/m-<id> download URIs server side", async () => {
      const plain = await publishOnnxModel(server.url, {
        name: "plain",
        layout: "runs-uri",
        files: { "model.onnx": model },
      });
      assert.equal(plain.artifactUri, `runs:/${plain.runId}/onnx`);
      const viaRuns = await http.get(
        `/model-versions/get-artifact?name=plain&version=1&path=model.onnx`,
      );
      assert.equal(viaRuns.status, 200);
      assert.equal(sha256(viaRuns.body), sha256(model));
      const logged = await publishOnnxModel(server.url, {
        name: "logged",
        layout: "logged-model",
        files: { "model.onnx": model },
      });
      const viaModel = await http.get(
        `/model-versions/get-artifact?name=logged&version=1&path=model.onnx`,
      );
      assert.equal(viaModel.headers["content-length"], String(model.length));
      assert.equal(sha256(viaModel.body), sha256(model));
      // 3.x: the logged-model equivalent lives under /ajax-api only.
      const files = await http.get(
        `/ajax-api/2.0/mlflow/logged-models/${logged.modelId}/artifacts/files?artifact_file_path=model.onnx`,
      );
      assert.equal(files.status, 200);
      assert.equal(files.headers["content-length"], String(model.length));
      assert.equal(sha256(files.body), sha256(model));
      const noParam = await http.get(
        `/ajax-api/2.0/mlflow/logged-models/${logged.modelId}/artifacts/files`,
      );
      assert.deepEqual(
        [noParam.status, noParam.json],
        [
          400,
          {
            error_code: "BAD_REQUEST",
            message: 'Request must include the "artifact_file_path" query parameter.',
          },
        ],
      );
    });

    test("a missing version → 404 JSON", async () => {
      const res = await http.get(
        `/model-versions/get-artifact?name=iris&version=9&path=model.onnx`,
      );
      assert.deepEqual(
        [res.status, res.json.message],
        [404, "Model Version (name=iris, version=9) not found"],
      );
    });
  });

  describe("§2.5 S3 roots without proxying", () => {
    let s3RunId: string;
    let s3Source: string;

    before(async () => {
      const published = await publishOnnxModel(server.url, {
        name: "s3-model",
        layout: "s3-run-artifacts",
        files: { "model.onnx": model },
      });
      s3RunId = published.runId;
      s3Source = published.source;
    });

    test("the run root and the source are s3:// URIs", async () => {
      const run = await http.get(`${API}/runs/get?run_id=${s3RunId}`);
      assert.equal(
        run.json.run.info.artifact_uri,
        `s3://mlflow-test-bucket/s3-artifacts/${s3RunId}/artifacts`,
      );
      assert.equal(s3Source, `s3://mlflow-test-bucket/s3-artifacts/${s3RunId}/artifacts/model`);
    });

    test("the server still lists them (artifacts/list) with its own credentials", async () => {
      const res = await http.get(`${API}/artifacts/list?run_id=${s3RunId}&path=model`);
      assert.deepEqual(res.json, {
        root_uri: `s3://mlflow-test-bucket/s3-artifacts/${s3RunId}/artifacts`,
        files: [{ path: "model/model.onnx", is_dir: false, file_size: model.length }],
      });
    });

    test("and serves single files through /get-artifact", async () => {
      const res = await http.get(`/get-artifact?path=model/model.onnx&run_id=${s3RunId}`);
      assert.equal(res.status, 200);
      assert.equal(sha256(res.body), sha256(model));
    });

    test("the proxied endpoint does not address them (it only knows the destination)", async () => {
      const path = s3Source.replace(/^s3:\/\//, "");
      const res = await http.get(`${ARTIFACTS}/${path}/model.onnx`);
      assert.equal(res.status, 500);
      assert.equal(res.json.error_code, "INTERNAL_ERROR");
    });

    test("a missing S3 object through /get-artifact → 500 INTERNAL_ERROR JSON", async () => {
      const res = await http.get(`/get-artifact?path=model/gone.onnx&run_id=${s3RunId}`);
      assert.equal(res.status, 500);
      assert.equal(res.json.error_code, "INTERNAL_ERROR");
    });
  });
});
