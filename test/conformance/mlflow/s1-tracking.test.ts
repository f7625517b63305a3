// mlflow-contract.md §1.2 — runs/get, artifacts/list, logged models (3.x); §8 items 4, 5, 7.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startMlflowServer, type MlflowHandle } from "../../support/mlflow";
import { API, ARTIFACTS, FLASK_404_HTML, client, missingParam, type Client } from "./helpers";

const T = 1_750_000_000_000;

describe("§1.2 tracking", () => {
  let server: MlflowHandle;
  let http: Client;
  let runId: string;

  before(async () => {
    server = await startMlflowServer({ now: () => T });
    http = client(server);
    const run = await http.post(`${API}/runs/create`, {
      experiment_id: "0",
      start_time: T,
      run_name: "train",
    });
    runId = run.json.run.info.run_id;
    const root = `${ARTIFACTS}/0/${runId}/artifacts`;
    await http.put(`${root}/onnx/model.onnx`, Buffer.alloc(1234, 1));
    await http.put(`${root}/onnx/labels/classes.txt`, "a\nb\n");
    await http.put(`${root}/onnx/empty.bin`, Buffer.alloc(0));
    await http.put(`${root}/README.md`, "hi");
  });
  after(() => server.close());

  describe("runs/get", () => {
    test("answers {run: {info, data, inputs, outputs}} with RunInfo fields", async () => {
      await http.post(`${API}/runs/update`, { run_id: runId, status: "FINISHED", end_time: T + 5 });
      const res = await http.get(`${API}/runs/get?run_id=${runId}`);
      assert.equal(res.status, 200);
      assert.deepEqual(res.json, {
        run: {
          info: {
            run_uuid: runId,
            experiment_id: "0",
            run_name: "train",
            status: "FINISHED",
            start_time: T,
            end_time: T + 5,
            artifact_uri: `mlflow-artifacts:/0/${runId}/artifacts`,
            lifecycle_stage: "active",
            run_id: runId,
          },
          data: {},
          inputs: {},
          outputs: {},
        },
      });
      assert.match(runId, /^[0-9a-f]{32}$/);
    });

    test("the legacy `run_uuid` parameter is accepted", async () => {
      const res = await http.get(`${API}/runs/get?run_uuid=${runId}`);
      assert.equal(res.status, 200);
      assert.equal(res.json.run.info.run_id, runId);
    });

    test("a missing run → 404 RESOURCE_DOES_NOT_EXIST `Run with id=<id> not found`", async () => {
      const res = await http.get(`${API}/runs/get?run_id=0123456789abcdef0123456789abcdef`);
      assert.equal(res.status, 404);
      assert.deepEqual(res.json, {
        error_code: "RESOURCE_DOES_NOT_EXIST",
        message: "Run with id=0123456789abcdef0123456789abcdef not found",
      });
    });

    test("no run_id → 400 missing parameter", async () => {
      const res = await http.get(`${API}/runs/get?other=1`);
      assert.deepEqual([res.status, res.json], [400, missingParam("run_id")]);
    });
  });

  describe("artifacts/list", () => {
    test("lists one level of the run root: dirs without file_size, root_uri echoes artifact_uri", async () => {
      const res = await http.get(`${API}/artifacts/list?run_id=${runId}`);
      assert.deepEqual(res.json, {
        root_uri: `mlflow-artifacts:/0/${runId}/artifacts`,
        files: [
          { path: "README.md", is_dir: false, file_size: 2 },
          { path: "onnx", is_dir: true },
        ],
      });
    });

    test("paths include the requested prefix; not recursive; a 0-byte file keeps file_size 0", async () => {
      const res = await http.get(`${API}/artifacts/list?run_id=${runId}&path=onnx`);
      assert.deepEqual(res.json.files, [
        { path: "onnx/empty.bin", is_dir: false, file_size: 0 },
        { path: "onnx/labels", is_dir: true },
        { path: "onnx/model.onnx", is_dir: false, file_size: 1234 },
      ]);
    });

    test("page_token is accepted and ignored; no next_page_token is ever set", async () => {
      const res = await http.get(`${API}/artifacts/list?run_id=${runId}&path=onnx&page_token=abc`);
      assert.equal(res.json.files.length, 3);
      assert.equal("next_page_token" in res.json, false);
    });

    test("a path that is a file, or does not exist, lists as empty (no `files`)", async () => {
      for (const path of ["onnx/model.onnx", "missing"]) {
        const res = await http.get(`${API}/artifacts/list?run_id=${runId}&path=${path}`);
        assert.deepEqual(res.json, { root_uri: `mlflow-artifacts:/0/${runId}/artifacts` }, path);
      }
    });

    test("a path that climbs out → 400 Invalid path", async () => {
      const res = await http.get(`${API}/artifacts/list?run_id=${runId}&path=../../etc`);
      assert.deepEqual(
        [res.status, res.json],
        [400, { error_code: "INVALID_PARAMETER_VALUE", message: "Invalid path" }],
      );
    });

    test("a missing run → 404", async () => {
      const res = await http.get(`${API}/artifacts/list?run_id=feedface`);
      assert.deepEqual([res.status, res.json.message], [404, "Run with id=feedface not found"]);
    });
  });

  describe("experiments", () => {
    test("create answers {experiment_id}; new roots are mlflow-artifacts:/<id>", async () => {
      const created = await http.post(`${API}/experiments/create`, { name: "vision" });
      assert.deepEqual(created.json, { experiment_id: "1" });
      const byName = await http.get(`${API}/experiments/get-by-name?experiment_name=vision`);
      assert.equal(byName.json.experiment.artifact_location, "mlflow-artifacts:/1");
      const run = await http.post(`${API}/runs/create`, { experiment_id: "1" });
      assert.equal(
        run.json.run.info.artifact_uri,
        `mlflow-artifacts:/1/${run.json.run.info.run_id}/artifacts`,
      );
    });
  });

  describe("logged models (3.x)", () => {
    let modelId: string;

    test("create → LOGGED_MODEL_PENDING under <exp root>/models/m-<id>/artifacts", async () => {
      const res = await http.post(`${API}/logged-models`, {
        experiment_id: "0",
        name: "model",
        model_type: "onnx",
        source_run_id: runId,
      });
      assert.equal(res.status, 200);
      modelId = res.json.model.info.model_id;
      assert.match(modelId, /^m-[0-9a-f]{32}$/);
      assert.deepEqual(res.json, {
        model: {
          info: {
            model_id: modelId,
            experiment_id: "0",
            name: "model",
            creation_timestamp_ms: T,
            last_updated_timestamp_ms: T,
            artifact_uri: `mlflow-artifacts:/0/models/${modelId}/artifacts`,
            status: "LOGGED_MODEL_PENDING",
            model_type: "onnx",
            source_run_id: runId,
          },
          data: {},
        },
      });
    });

    test("finalize (PATCH, status by name or number) and GET logged-models/{id}", async () => {
      const fin = await http.patch(`${API}/logged-models/${modelId}`, {
        model_id: modelId,
        status: 2,
      });
      assert.equal(fin.json.model.info.status, "LOGGED_MODEL_READY");
      const get = await http.get(`${API}/logged-models/${modelId}`);
      assert.equal(
        get.json.model.info.artifact_uri,
        `mlflow-artifacts:/0/models/${modelId}/artifacts`,
      );
      assert.equal(get.json.model.info.status, "LOGGED_MODEL_READY");
    });

    test("…/artifacts/directories has the artifacts/list shape", async () => {
      await http.put(`${ARTIFACTS}/0/models/${modelId}/artifacts/model.onnx`, Buffer.alloc(7));
      await http.put(`${ARTIFACTS}/0/models/${modelId}/artifacts/sub/x.txt`, "x");
      const res = await http.get(`${API}/logged-models/${modelId}/artifacts/directories`);
      assert.deepEqual(res.json, {
        root_uri: `mlflow-artifacts:/0/models/${modelId}/artifacts`,
        files: [
          { path: "model.onnx", is_dir: false, file_size: 7 },
          { path: "sub", is_dir: true },
        ],
      });
      const sub = await http.get(
        `${API}/logged-models/${modelId}/artifacts/directories?artifact_directory_path=sub`,
      );
      assert.deepEqual(sub.json.files, [{ path: "sub/x.txt", is_dir: false, file_size: 1 }]);
    });

    test("an unknown logged model → 404 RESOURCE_DOES_NOT_EXIST", async () => {
      const res = await http.get(`${API}/logged-models/m-00000000000000000000000000000000`);
      assert.equal(res.status, 404);
      assert.equal(res.json.error_code, "RESOURCE_DOES_NOT_EXIST");
    });

    test("a 2.x server has no logged-model endpoints (Flask 404 HTML)", async () => {
      const old = await startMlflowServer({ mlflowVersion: "2.22.0" });
      try {
        const res = await client(old).get(`${API}/logged-models/${modelId}`);
        assert.equal(res.status, 404);
        assert.equal(res.text, FLASK_404_HTML);
        const version = await client(old).get("/version");
        assert.equal(version.text, "2.22.0");
        const run = await client(old).post(`${API}/runs/create`, { experiment_id: "0" });
        assert.equal("outputs" in run.json.run, false);
      } finally {
        await old.close();
      }
    });
  });
});
