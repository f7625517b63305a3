// mlflow-contract.md §3 — version `source` formats (2.x run artifacts, 3.x `models:/m-<id>`,
// raw `runs:/`, `models:/<name>/<v>`), source validation; §6 model directories (MLmodel,
// model.onnx, uuid-named external data; tensor / column / no signature); §8 "Source variants".
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { parse } from "yaml";
import { externalDataModel, irisModel } from "../../support/onnx/fixtures";
import {
  mlmodelYaml,
  publishOnnxModel,
  startMlflowServer,
  type MlflowHandle,
  type PublishedModel,
} from "../../support/mlflow";
import { API, ARTIFACTS, client, sha256, type Client } from "./helpers";

// mlflow-contract.md §6: onnx names the single external-data file with uuid1().
const DATA_FILE = "6f1c2e4a-8b9d-11ef-a1b2-0242ac120002";

describe("§3 source variants", () => {
  let server: MlflowHandle;
  let http: Client;
  const external = externalDataModel({ dataFileName: DATA_FILE });

  before(async () => {
    server = await startMlflowServer();
    http = client(server);
  });
  after(() => server.close());

  async function downloadDir(rootUri: string, names: string[]): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    const path = rootUri.replace(/^mlflow-artifacts:\//, "");
    for (const name of names) {
      const res = await http.get(`${ARTIFACTS}/${path}/${name}`);
      assert.equal(res.status, 200, name);
      out[name] = sha256(res.body);
    }
    return out;
  }

  describe("2.x: mlflow-artifacts:/<exp>/<run>/artifacts/model", () => {
    let published: PublishedModel;

    before(async () => {
      published = await publishOnnxModel(server.url, {
        name: "v2",
        layout: "run-artifacts",
        files: {
          MLmodel: mlmodelYaml(),
          "model.onnx": external.model,
          [DATA_FILE]: external.data,
        },
      });
    });

    test("source is the run artifact URI + path; get-download-uri answers it", async () => {
      assert.equal(published.source, `mlflow-artifacts:/0/${published.runId}/artifacts/model`);
      assert.equal(published.artifactUri, published.source);
      const mv = await http.get(`${API}/model-versions/get?name=v2&version=${published.version}`);
      assert.equal(mv.json.model_version.run_id, published.runId);
      assert.equal("model_id" in mv.json.model_version, false);
    });

    test("the run lists the model directory: MLmodel, model.onnx and the uuid data file", async () => {
      const res = await http.get(`${API}/artifacts/list?run_id=${published.runId}&path=model`);
      assert.deepEqual(res.json.files, [
        { path: `model/${DATA_FILE}`, is_dir: false, file_size: external.data.length },
        { path: "model/MLmodel", is_dir: false, file_size: Buffer.byteLength(mlmodelYaml()) },
        { path: "model/model.onnx", is_dir: false, file_size: external.model.length },
      ]);
    });

    test("every file downloads byte for byte", async () => {
      assert.deepEqual(await downloadDir(published.artifactUri, ["model.onnx", DATA_FILE]), {
        "model.onnx": sha256(external.model),
        [DATA_FILE]: sha256(external.data),
      });
    });
  });

  describe("3.x: models:/m-<id>", () => {
    let published: PublishedModel;

    before(async () => {
      published = await publishOnnxModel(server.url, {
        name: "v3",
        layout: "logged-model",
        files: { MLmodel: mlmodelYaml(), "model.onnx": external.model, [DATA_FILE]: external.data },
      });
    });

    test("source is models:/m-<id>; the download URI is <exp>/models/m-<id>/artifacts", () => {
      assert.match(published.modelId ?? "", /^m-[0-9a-f]{32}$/);
      assert.equal(published.source, `models:/${published.modelId}`);
      assert.equal(
        published.artifactUri,
        `mlflow-artifacts:/0/models/${published.modelId}/artifacts`,
      );
    });

    test("the version carries model_id and the logged model's source run", async () => {
      const mv = await http.get(`${API}/model-versions/get?name=v3&version=1`);
      assert.equal(mv.json.model_version.model_id, published.modelId);
      assert.equal(mv.json.model_version.run_id, published.runId);
    });

    test("nothing is under the run; the files are under the logged model", async () => {
      const run = await http.get(`${API}/artifacts/list?run_id=${published.runId}`);
      assert.deepEqual(run.json, { root_uri: `mlflow-artifacts:/0/${published.runId}/artifacts` });
      const dirs = await http.get(
        `${API}/logged-models/${published.modelId}/artifacts/directories`,
      );
      assert.deepEqual(
        dirs.json.files.map((f: { path: string }) => f.path),
        [DATA_FILE, "MLmodel", "model.onnx"],
      );
      assert.deepEqual(await downloadDir(published.artifactUri, ["model.onnx", DATA_FILE]), {
        "model.onnx": sha256(external.model),
        [DATA_FILE]: sha256(external.data),
      });
    });

    test("the logged model answers with its artifact_uri (§8 item 7)", async () => {
      const res = await http.get(`${API}/logged-models/${published.modelId}`);
      assert.equal(res.json.model.info.artifact_uri, published.artifactUri);
      assert.equal(res.json.model.info.status, "LOGGED_MODEL_READY");
    });
  });

  describe("runs:/<run>/onnx (plain artifact, no MLmodel)", () => {
    let published: PublishedModel;
    const model = irisModel();

    before(async () => {
      published = await publishOnnxModel(server.url, {
        name: "plain",
        layout: "runs-uri",
        files: { "model.onnx": model },
      });
    });

    test("the source is stored verbatim and get-download-uri answers it unresolved", () => {
      assert.equal(published.source, `runs:/${published.runId}/onnx`);
      assert.equal(published.artifactUri, `runs:/${published.runId}/onnx`);
    });

    test("it resolves through runs/get artifact_uri + path; the directory has no MLmodel", async () => {
      const run = await http.get(`${API}/runs/get?run_id=${published.runId}`);
      const root = String(run.json.run.info.artifact_uri);
      assert.equal(root, `mlflow-artifacts:/0/${published.runId}/artifacts`);
      const list = await http.get(`${API}/artifacts/list?run_id=${published.runId}&path=onnx`);
      assert.deepEqual(list.json.files, [
        { path: "onnx/model.onnx", is_dir: false, file_size: model.length },
      ]);
      assert.deepEqual(await downloadDir(`${root}/onnx`, ["model.onnx"]), {
        "model.onnx": sha256(model),
      });
    });
  });

  describe("models:/<name>/<version> sources", () => {
    test("are resolved at creation to the referenced version's download URI", async () => {
      await http.post(`${API}/registered-models/create`, { name: "copy" });
      const res = await http.post(`${API}/model-versions/create`, {
        name: "copy",
        source: "models:/v3/1",
      });
      assert.equal(res.json.model_version.source, "models:/v3/1");
      const uri = await http.get(`${API}/model-versions/get-download-uri?name=copy&version=1`);
      assert.match(
        uri.json.artifact_uri,
        /^mlflow-artifacts:\/0\/models\/m-[0-9a-f]{32}\/artifacts$/,
      );
    });
  });

  describe("source validation", () => {
    test("a source with `..` (also encoded) → 400 INVALID_PARAMETER_VALUE", async () => {
      await http.post(`${API}/registered-models/create`, { name: "bad" });
      const cases = [
        ["mlflow-artifacts:/0/../../etc", "mlflow-artifacts:/0/../../etc"],
        // The message quotes the source after the check has percent-decoded it.
        ["s3://b/x/..%2F..%2Fy", "s3://b/x/../../y"],
      ];
      for (const [source, quoted] of cases) {
        const res = await http.post(`${API}/model-versions/create`, { name: "bad", source });
        assert.equal(res.status, 400, source);
        assert.deepEqual(
          res.json,
          {
            error_code: "INVALID_PARAMETER_VALUE",
            message: `Invalid model version source: '${quoted}'. If supplying a source as an http, https, local file path, ftp, objectstore, or mlflow-artifacts uri, an absolute path must be provided without relative path references present. Please provide an absolute path.`,
          },
          source,
        );
      }
    });

    test("a local path outside the run's artifact directory → 400", async () => {
      const res = await http.post(`${API}/model-versions/create`, {
        name: "bad",
        source: "file:///tmp/model",
      });
      assert.equal(res.status, 400);
      assert.equal(
        res.json.message,
        "Invalid model version source: '/tmp/model'. To use a local path as a model version source, the run_id request parameter has to be specified and the local path has to be contained within the artifact directory of the run specified by the run_id.",
      );
    });
  });

  describe("§6 MLmodel variants", () => {
    test("tensor signature: inputs/outputs are JSON strings inside the YAML, -1 for batch", () => {
      const doc = parse(
        mlmodelYaml({ modelId: "m-1", artifactPath: "mlflow-artifacts:/1/models/m-1/artifacts" }),
      );
      assert.equal(doc.flavors.onnx.data, "model.onnx");
      assert.equal(doc.flavors.python_function.loader_module, "mlflow.onnx");
      assert.equal(doc.model_id, "m-1");
      assert.equal(typeof doc.signature.inputs, "string");
      assert.deepEqual(JSON.parse(doc.signature.inputs), [
        { type: "tensor", "tensor-spec": { dtype: "float32", shape: [-1, 4] }, name: "input" },
      ]);
      assert.equal(doc.signature.params, null);
    });

    test("column signature and no signature", () => {
      const column = parse(mlmodelYaml({ signature: { kind: "column" } }));
      assert.deepEqual(JSON.parse(column.signature.inputs)[0], {
        type: "double",
        name: "sepal_length",
        required: true,
      });
      const none = parse(mlmodelYaml({ signature: { kind: "none" } }));
      assert.equal("signature" in none, false);
    });
  });
});
