// mlflow-contract.md §1.3 — the proxied artifact service (upload, download, list, delete) and
// its 503 when proxying is off; §2.4 for the download's framing; §8 item 6.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startMlflowServer, type MlflowHandle } from "../../support/mlflow";
import { API, ARTIFACTS, bytes, client, rawGet, sha256, type Client } from "./helpers";

describe("§1.3 proxied artifact service", () => {
  let server: MlflowHandle;
  let http: Client;
  const model = bytes(300_000, 7);

  before(async () => {
    server = await startMlflowServer();
    http = client(server);
  });
  after(() => server.close());

  describe("PUT / GET …/artifacts/<path>", () => {
    test("upload answers {}; download returns the same bytes", async () => {
      const put = await http.put(`${ARTIFACTS}/1/run/artifacts/model/model.onnx`, model);
      assert.deepEqual([put.status, put.json], [200, {}]);
      const get = await http.get(`${ARTIFACTS}/1/run/artifacts/model/model.onnx`);
      assert.equal(get.status, 200);
      assert.equal(sha256(get.body), sha256(model));
    });

    test("the download is chunked with no Content-Length, and attachment headers", async () => {
      const get = await http.get(`${ARTIFACTS}/1/run/artifacts/model/model.onnx`);
      assert.equal(get.headers["content-length"], undefined);
      assert.equal(get.headers["transfer-encoding"], "chunked");
      assert.equal(get.headers["content-disposition"], "attachment; filename=model.onnx");
      assert.equal(get.headers["x-content-type-options"], "nosniff");
      assert.equal(get.headers["content-type"], "application/octet-stream");
    });

    test("Range is ignored: 200 with the full body", async () => {
      const get = await http.get(`${ARTIFACTS}/1/run/artifacts/model/model.onnx`, {
        headers: { range: "bytes=0-99" },
      });
      assert.equal(get.status, 200);
      assert.equal(get.body.length, model.length);
      assert.equal(get.headers["content-range"], undefined);
    });

    test("a missing file → 500 INTERNAL_ERROR naming the failed download", async () => {
      const get = await http.get(`${ARTIFACTS}/1/run/artifacts/model/missing.onnx`);
      assert.equal(get.status, 500);
      assert.equal(get.json.error_code, "INTERNAL_ERROR");
      assert.ok(
        get.json.message.startsWith(
          "The following failures occurred while downloading one or more artifacts from ",
        ),
        get.json.message,
      );
      assert.ok(get.json.message.includes("model/missing.onnx"), get.json.message);
    });

    test("a path that climbs out → 400 Invalid path (also percent-encoded)", async () => {
      for (const path of ["1/../../secret", "1/%2E%2E/%2E%2E/secret", "1/..%2F..%2Fsecret"]) {
        const get = await rawGet(server.url, `${ARTIFACTS}/${path}`);
        assert.deepEqual(
          [get.status, get.json],
          [400, { error_code: "INVALID_PARAMETER_VALUE", message: "Invalid path" }],
          path,
        );
      }
    });
  });

  describe("GET …/artifacts?path=<dir>", () => {
    test("lists basenames with no root_uri; file_size on files only", async () => {
      await http.put(`${ARTIFACTS}/1/run/artifacts/model/MLmodel`, "flavors: {}\n");
      await http.put(`${ARTIFACTS}/1/run/artifacts/model/sub/x`, "x");
      const res = await http.get(`${ARTIFACTS}?path=1/run/artifacts/model`);
      assert.deepEqual(res.json, {
        files: [
          { path: "MLmodel", is_dir: false, file_size: 12 },
          { path: "model.onnx", is_dir: false, file_size: model.length },
          { path: "sub", is_dir: true },
        ],
      });
    });

    test("an empty or missing directory → {} (no `files`)", async () => {
      const res = await http.get(`${ARTIFACTS}?path=1/nothing`);
      assert.deepEqual([res.status, res.json], [200, {}]);
    });
  });

  describe("DELETE …/artifacts/<path>", () => {
    test("deletes the file; answers {}", async () => {
      await http.put(`${ARTIFACTS}/1/tmp/file`, "x");
      const del = await http.call("DELETE", `${ARTIFACTS}/1/tmp/file`);
      assert.deepEqual([del.status, del.json], [200, {}]);
      const get = await http.get(`${ARTIFACTS}/1/tmp/file`);
      assert.equal(get.status, 500);
    });
  });

  describe("--no-serve-artifacts", () => {
    test("every mlflow-artifacts route answers 503 plain text naming its rule", async () => {
      const off = await startMlflowServer({ serveArtifacts: false });
      try {
        const offHttp = client(off);
        const pathRule = "/api/2.0/mlflow-artifacts/artifacts/<path:artifact_path>";
        const text = (rule: string) =>
          `Endpoint: ${rule} disabled due to the mlflow server running with \`--no-serve-artifacts\`. To enable artifacts server functionality, run \`mlflow server\` with \`--serve-artifacts\``;
        const cases: [string, string, string][] = [
          ["GET", `${ARTIFACTS}/1/x`, pathRule],
          ["PUT", `${ARTIFACTS}/1/x`, pathRule],
          ["GET", `${ARTIFACTS}?path=1`, "/api/2.0/mlflow-artifacts/artifacts"],
          [
            "GET",
            "/ajax-api/2.0/mlflow-artifacts/artifacts/1/x",
            "/ajax-api/2.0/mlflow-artifacts/artifacts/<path:artifact_path>",
          ],
        ];
        for (const [method, path, rule] of cases) {
          const res = await offHttp.call(method, path, {
            body: method === "PUT" ? "x" : undefined,
          });
          assert.equal(res.status, 503, path);
          assert.equal(res.text, text(rule), path);
          assert.equal(res.headers["content-type"], "text/html; charset=utf-8");
        }
        // Tracking endpoints still work.
        const run = await offHttp.post(`${API}/runs/create`, { experiment_id: "0" });
        assert.equal(run.status, 200);
      } finally {
        await off.close();
      }
    });
  });

  describe("--artifacts-only", () => {
    test("tracking and registry routes answer 503 plain text; the artifact routes work", async () => {
      const only = await startMlflowServer({ artifactsOnly: true });
      try {
        const onlyHttp = client(only);
        const res = await onlyHttp.get(`${API}/registered-models/alias?name=m&alias=a`);
        assert.equal(res.status, 503);
        assert.equal(
          res.text,
          "Endpoint: /api/2.0/mlflow/registered-models/alias disabled due to the mlflow server running in `--artifacts-only` mode. To enable tracking server functionality, run `mlflow server` without `--artifacts-only`",
        );
        const put = await onlyHttp.put(`${ARTIFACTS}/1/x`, "x");
        assert.equal(put.status, 200);
      } finally {
        await only.close();
      }
    });
  });
});
