// mlflow-contract.md §0 — wire conventions that apply to every endpoint.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startMlflowServer, type MlflowHandle } from "../../support/mlflow";
import { API, ARTIFACTS, client, missingParam, type Client } from "./helpers";

const T = 1_750_000_000_000;

describe("§0 wire conventions", () => {
  let server: MlflowHandle;
  let http: Client;
  let runId: string;

  before(async () => {
    server = await startMlflowServer({ now: () => T });
    http = client(server);
    await http.post(`${API}/registered-models/create`, { name: "iris" });
    const run = await http.post(`${API}/runs/create`, { experiment_id: "0", start_time: T });
    runId = run.json.run.info.run_id;
    await http.post(`${API}/model-versions/create`, {
      name: "iris",
      source: `mlflow-artifacts:/0/${runId}/artifacts/model`,
      run_id: runId,
    });
    await http.put(`${ARTIFACTS}/0/${runId}/artifacts/model/model.onnx`, Buffer.alloc(10));
  });
  after(() => server.close());

  describe("URL prefixes", () => {
    test("every endpoint answers under both /api/2.0 and /ajax-api/2.0", async () => {
      const api = await http.get(`/api/2.0/mlflow/model-versions/get?name=iris&version=1`);
      const ajax = await http.get(`/ajax-api/2.0/mlflow/model-versions/get?name=iris&version=1`);
      assert.equal(api.status, 200);
      assert.equal(ajax.status, 200);
      assert.deepEqual(ajax.json, api.json);
    });
  });

  describe("parameters", () => {
    test("GET parameters come from the query string; a repeated key yields its first value", async () => {
      const res = await http.get(`${API}/model-versions/get?name=iris&version=1&version=7`);
      assert.equal(res.status, 200);
      assert.equal(res.json.model_version.version, "1");
    });

    test("a GET without a query string reads a JSON body", async () => {
      const res = await http.call("GET", `${API}/model-versions/get`, {
        json: { name: "iris", version: "1" },
      });
      assert.equal(res.status, 200);
      assert.equal(res.json.model_version.version, "1");
    });

    test("POST must send Content-Type: application/json, else 400 INVALID_PARAMETER_VALUE", async () => {
      const res = await http.call("POST", `${API}/registered-models/create`, {
        body: JSON.stringify({ name: "x" }),
        headers: { "content-type": "text/plain" },
      });
      assert.equal(res.status, 400);
      assert.deepEqual(res.json, {
        error_code: "INVALID_PARAMETER_VALUE",
        message: "Bad Request. Content-Type must be one of [application/json]. Got 'text/plain'.",
      });
    });

    test("a charset parameter on application/json is accepted", async () => {
      const res = await http.call("POST", `${API}/registered-models/alias`, {
        body: JSON.stringify({ name: "iris", alias: "cs", version: "1" }),
        headers: { "content-type": "application/json; charset=utf-8" },
      });
      assert.equal(res.status, 200);
    });

    test("DELETE parameters are read from the JSON body, not the query string", async () => {
      const queryOnly = await http.call(
        "DELETE",
        `${API}/registered-models/alias?name=iris&alias=cs`,
      );
      assert.equal(queryOnly.status, 400);
      assert.deepEqual(queryOnly.json, missingParam("name"));
      const body = await http.del(`${API}/registered-models/alias`, { name: "iris", alias: "cs" });
      assert.equal(body.status, 200);
      assert.deepEqual(body.json, {});
    });

    test("unknown JSON fields are ignored", async () => {
      const res = await http.post(`${API}/registered-models/alias`, {
        name: "iris",
        alias: "extra",
        version: "1",
        not_a_field: { nested: true },
      });
      assert.equal(res.status, 200);
    });
  });

  describe("response encoding", () => {
    test("snake_case names, string version, enum names, empty fields omitted", async () => {
      const res = await http.get(`${API}/model-versions/get?name=iris&version=1`);
      assert.equal(res.headers["content-type"], "application/json");
      // No `aliases` of its own yet except "extra"; no tags, description, user_id or run_link.
      assert.deepEqual(res.json, {
        model_version: {
          name: "iris",
          version: "1",
          creation_timestamp: T,
          last_updated_timestamp: T,
          current_stage: "None",
          source: `mlflow-artifacts:/0/${runId}/artifacts/model`,
          run_id: runId,
          status: "READY",
          aliases: ["extra"],
        },
      });
    });

    test("a version without aliases has no `aliases` key", async () => {
      await http.post(`${API}/model-versions/create`, { name: "iris", source: "s3://b/k/model" });
      const res = await http.get(`${API}/model-versions/get?name=iris&version=2`);
      assert.equal("aliases" in res.json.model_version, false);
      assert.equal("tags" in res.json.model_version, false);
      assert.equal("run_id" in res.json.model_version, false);
    });

    test("a listing with no files has no `files` key", async () => {
      const res = await http.get(`${API}/artifacts/list?run_id=${runId}&path=nothing-here`);
      assert.deepEqual(res.json, { root_uri: `mlflow-artifacts:/0/${runId}/artifacts` });
    });

    test("int64 fields are JSON numbers; the old-server switch emits them as strings", async () => {
      const numbers = await http.get(`${API}/artifacts/list?run_id=${runId}&path=model`);
      assert.deepEqual(numbers.json.files, [
        { path: "model/model.onnx", is_dir: false, file_size: 10 },
      ]);
      server.setSwitches({ int64AsStrings: true });
      try {
        const strings = await http.get(`${API}/artifacts/list?run_id=${runId}&path=model`);
        assert.deepEqual(strings.json.files, [
          { path: "model/model.onnx", is_dir: false, file_size: "10" },
        ]);
        const mv = await http.get(`${API}/model-versions/get?name=iris&version=1`);
        assert.equal(mv.json.model_version.creation_timestamp, String(T));
        assert.equal(mv.json.model_version.last_updated_timestamp, String(T));
        const run = await http.get(`${API}/runs/get?run_id=${runId}`);
        assert.equal(run.json.run.info.start_time, String(T));
      } finally {
        server.setSwitches({ int64AsStrings: false });
      }
    });

    test('the empty-strings switch emits optional strings that were set to ""', async () => {
      server.setSwitches({ emptyStrings: "emit" });
      try {
        const res = await http.get(`${API}/model-versions/get?name=iris&version=2`);
        assert.equal(res.json.model_version.run_id, "");
        assert.equal(res.json.model_version.description, "");
        assert.equal(res.json.model_version.run_link, "");
      } finally {
        server.setSwitches({ emptyStrings: "omit" });
      }
    });
  });

  describe("version strings", () => {
    test("a version sent as a JSON number fails the string check with 400", async () => {
      const res = await http.post(`${API}/registered-models/alias`, {
        name: "iris",
        alias: "champion",
        version: 1,
      });
      assert.equal(res.status, 400);
      assert.deepEqual(res.json, {
        error_code: "INVALID_PARAMETER_VALUE",
        message:
          "Invalid value 1 for parameter 'version' supplied:  Hint: Value was of type 'int'. See the API docs for more information about request parameters.",
      });
    });

    test("a version string that is not an integer is rejected with 400", async () => {
      const res = await http.get(`${API}/model-versions/get?name=iris&version=abc`);
      assert.equal(res.status, 400);
      assert.deepEqual(res.json, {
        error_code: "INVALID_PARAMETER_VALUE",
        message: "Model version must be an integer, got 'abc'",
      });
    });
  });

  describe("health and version", () => {
    test("GET /health → 200 OK", async () => {
      const res = await http.get("/health");
      assert.equal(res.status, 200);
      assert.equal(res.text, "OK");
    });

    test("GET /version → the MLflow version text", async () => {
      const res = await http.get("/version");
      assert.equal(res.status, 200);
      assert.equal(res.text, "3.4.0");
    });
  });
});
