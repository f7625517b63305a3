// triton-contract.md §1.10 and §8.9: inference, its validation and the binary-data extension.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test, type TestContext } from "node:test";
import {
  batchableModel,
  expectedIrisOutput,
  expectedTwoInputOutput,
  externalDataModel,
  irisModel,
  twoInputModel,
} from "../../support/onnx/fixtures";
import { onnxConfig, writeModelDir } from "../../support/triton/repository-fixture";
import { startTritonServer, type TritonHandle } from "../../support/triton/server";
import { IRIS_INPUT, assertClose, http, irisInferBody, serveExplicit, tempRepo } from "./helpers";

/** iris (max_batch_size 0, [1,4]→[1,3]), batch (max_batch_size 8, [-1,4]→[-1,3]) and two (x FP32 + offset INT64). */
/** Writes iris, batch, two and ext into `root`. */
function writeModels(root: string): void {
  writeModelDir(root, "iris", { config: onnxConfig("iris"), versions: { "1": irisModel() } });
  writeModelDir(root, "batch", {
    config: onnxConfig("batch", { maxBatchSize: 8, inputDims: [4], outputDims: [3] }),
    versions: { "1": batchableModel() },
  });
  writeModelDir(root, "two", {
    config: `name: "two"\nbackend: "onnxruntime"\ninput [ { name: "x" data_type: TYPE_FP32 dims: [1, 4] }, { name: "offset" data_type: TYPE_INT64 dims: [1, 4] } ]\noutput [ { name: "y" data_type: TYPE_FP32 dims: [1, 4] } ]\n`,
    versions: { "1": twoInputModel() },
  });
  const ext = externalDataModel();
  writeModelDir(root, "ext", {
    config: onnxConfig("ext"),
    versions: { "1": { "model.onnx": ext.model, [ext.dataFileName]: ext.data } },
  });
}

/** A server with every model loaded, stopped when the test ends. */
async function server(t: TestContext): Promise<TritonHandle> {
  const root = tempRepo(t);
  writeModels(root);
  return serveExplicit(t, root, ["*"]);
}

/**
 * One server shared by a describe block (validation cases only read, so sharing is safe and keeps
 * the file fast): started in `before`, stopped and removed in `after`.
 */
function sharedServer(): () => TritonHandle {
  let handle: TritonHandle | undefined;
  let root: string | undefined;
  before(async () => {
    root = mkdtempSync(join(tmpdir(), "triton-conf-"));
    writeModels(root);
    handle = await startTritonServer({
      modelRepository: root,
      modelControlMode: "explicit",
      loadModels: ["*"],
    });
  });
  after(async () => {
    await handle?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  });
  return () => handle!;
}

async function infer(
  h: TritonHandle,
  model: string,
  body: unknown,
  headers?: Record<string, string>,
) {
  return http("POST", `${h.httpUrl}/v2/models/${model}/infer`, {
    body: Buffer.isBuffer(body) ? body : JSON.stringify(body),
    ...(headers ? { headers } : {}),
  });
}

describe("§1.10 inference: responses", () => {
  test("JSON tensors in and out; model_name, model_version, outputs; id only when sent", async (t) => {
    const h = await server(t);
    const res = await infer(h, "iris", irisInferBody());
    assert.equal(res.status, 200);
    assert.equal(res.headers["content-type"], "application/json");
    const body = res.json();
    assert.deepEqual(Object.keys(body), ["model_name", "model_version", "outputs"]);
    assert.equal(body.model_name, "iris");
    assert.equal(body.model_version, "1");
    assert.equal(body.outputs.length, 1);
    assert.deepEqual(
      { ...body.outputs[0], data: undefined },
      { name: "probabilities", datatype: "FP32", shape: [1, 3], data: undefined },
    );
    assertClose(body.outputs[0].data, expectedIrisOutput(IRIS_INPUT));
    const withId = await infer(h, "iris", { id: "req-7", ...irisInferBody([[...IRIS_INPUT]]) });
    assert.equal(withId.json().id, "req-7");
    const pinned = await http("POST", `${h.httpUrl}/v2/models/iris/versions/1/infer`, {
      body: irisInferBody(),
    });
    assert.equal(pinned.json().model_version, "1");
  });

  test("a batch of two rows on a batching model; two inputs of different types; external data", async (t) => {
    const h = await server(t);
    const rows = [...IRIS_INPUT, 6.7, 3.0, 5.2, 2.3];
    const batch = await infer(h, "batch", {
      inputs: [{ name: "input", shape: [2, 4], datatype: "FP32", data: rows }],
    });
    assert.equal(batch.status, 200, batch.text);
    assert.deepEqual(batch.json().outputs[0].shape, [2, 3]);
    assertClose(batch.json().outputs[0].data, expectedIrisOutput(rows));
    const two = await infer(h, "two", {
      inputs: [
        { name: "x", shape: [1, 4], datatype: "FP32", data: [1, 2, 3, 4] },
        { name: "offset", shape: [1, 4], datatype: "INT64", data: [10, 20, 30, 40] },
      ],
    });
    assert.equal(two.status, 200, two.text);
    assertClose(two.json().outputs[0].data, expectedTwoInputOutput([1, 2, 3, 4], [10, 20, 30, 40]));
    const ext = await infer(h, "ext", irisInferBody());
    assert.equal(ext.status, 200, ext.text);
    assertClose(ext.json().outputs[0].data, expectedIrisOutput(IRIS_INPUT));
  });

  test("binary-data extension: Inference-Header-Content-Length, binary input, binary output", async (t) => {
    const h = await server(t);
    const header = Buffer.from(
      JSON.stringify({
        inputs: [
          { name: "input", shape: [1, 4], datatype: "FP32", parameters: { binary_data_size: 16 } },
        ],
        outputs: [{ name: "probabilities", parameters: { binary_data: true } }],
      }),
    );
    const tensor = Buffer.from(Float32Array.from(IRIS_INPUT).buffer);
    const res = await infer(h, "iris", Buffer.concat([header, tensor]), {
      "Inference-Header-Content-Length": String(header.length),
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers["content-type"], "application/octet-stream");
    const jsonLength = Number(res.headers["inference-header-content-length"]);
    const json = JSON.parse(res.body.subarray(0, jsonLength).toString());
    assert.deepEqual(json.outputs, [
      {
        name: "probabilities",
        datatype: "FP32",
        shape: [1, 3],
        parameters: { binary_data_size: 12 },
      },
    ]);
    const out = res.body.subarray(jsonLength);
    assert.equal(out.length, 12);
    assertClose(new Float32Array(new Uint8Array(out).buffer), expectedIrisOutput(IRIS_INPUT));
  });

  test("`Inference-Header-Content-Length: 0` with a bare body is a raw single-input request", async (t) => {
    const h = await server(t);
    const res = await infer(h, "iris", Buffer.from(Float32Array.from(IRIS_INPUT).buffer), {
      "Inference-Header-Content-Length": "0",
    });
    assert.equal(res.status, 200, res.text);
    assertClose(res.json().outputs[0].data, expectedIrisOutput(IRIS_INPUT));
  });
});

describe("§1.10 inference: validation errors (status and exact text)", () => {
  const shared = sharedServer();
  const NOTE =
    "NOTE: Setting a non-zero max_batch_size in the model config requires a batch dimension to be prepended to each input shape. If you want to specify the full shape including the batch dim in your input dims config, try setting max_batch_size to zero. See the model configuration docs for more info on max_batch_size.";
  const input = (o: object) => ({
    inputs: [{ name: "input", shape: [1, 4], datatype: "FP32", data: [1, 2, 3, 4], ...o }],
  });
  const cases: [string, string, unknown, number, string][] = [
    [
      "a shape that does not match dims (max_batch_size 0)",
      "iris",
      input({ shape: [4] }),
      400,
      "[request id: <id_unknown>] unexpected shape for input 'input' for model 'iris'. Expected [1,4], got [4]. ",
    ],
    [
      "a shape without the batch dimension (max_batch_size > 0) gets the NOTE",
      "batch",
      input({ shape: [4] }),
      400,
      `[request id: <id_unknown>] unexpected shape for input 'input' for model 'batch'. Expected [-1,4], got [4]. ${NOTE}`,
    ],
    [
      "a batch larger than max_batch_size",
      "batch",
      input({ shape: [9, 4], data: new Array(36).fill(1) }),
      400,
      "[request id: <id_unknown>] inference request batch-size must be <= 8 for 'batch'",
    ],
    [
      "a valid but wrong datatype (with the request id)",
      "iris",
      { id: "abc", ...input({ datatype: "FP64" }) },
      400,
      "[request id: abc] inference input 'input' data-type is 'FP64', but model 'iris' expects 'FP32'",
    ],
    [
      "a datatype name that does not exist",
      "iris",
      input({ datatype: "FLOAT32" }),
      400,
      "invalid datatype for input input",
    ],
    [
      "a missing input",
      "two",
      { inputs: [{ name: "x", shape: [1, 4], datatype: "FP32", data: [1, 2, 3, 4] }] },
      400,
      "[request id: <id_unknown>] expected 2 inputs but got 1 inputs for model 'two'. Got input(s) ['x'], but missing required input(s) ['offset']. Please provide all required input(s).",
    ],
    [
      "an unknown input",
      "iris",
      input({ name: "Z" }),
      400,
      "unexpected inference input 'Z' for model 'iris'",
    ],
    [
      "an unknown output",
      "iris",
      { ...input({}), outputs: [{ name: "Z" }] },
      400,
      "unexpected inference output 'Z' for model 'iris'",
    ],
    [
      "too few data elements for the shape: 500",
      "iris",
      input({ data: [1, 2, 3] }),
      500,
      "Failed to parse 'data' field: shape does not match true shape",
    ],
    [
      "too many data elements for the shape: 500",
      "iris",
      input({ data: [1, 2, 3, 4, 5] }),
      500,
      "Unable to parse 'data': Shape does not match true shape of 'data' field",
    ],
    [
      "neither data nor binary_data_size",
      "iris",
      input({ data: undefined }),
      400,
      "Input must set only one of the following fields: 'data', 'binary_data_size' in 'parameters', 'shared_memory_region' in 'parameters'. But no field is set",
    ],
    [
      "both data and binary_data_size",
      "iris",
      input({ parameters: { binary_data_size: 16 } }),
      400,
      "Input must set only one of the following fields: 'data', 'binary_data_size' in 'parameters', 'shared_memory_region' in 'parameters'. But set 'data' 'binary_data_size'",
    ],
    [
      "request parameters starting with triton_",
      "iris",
      { ...input({}), parameters: { triton_x: 1 } },
      400,
      "parameter keys starting with 'triton_' are reserved for Triton usage and should not be specified.",
    ],
    [
      "FP16 sent as JSON",
      "iris",
      input({ datatype: "FP16" }),
      400,
      "receiving FP16 data via JSON is not supported. Please use the binary data format for input input",
    ],
    [
      "an unknown model is 404 before the body is parsed",
      "nope",
      "not json at all",
      404,
      "Request for unknown model: 'nope' is not found",
    ],
  ];
  for (const [name, model, body, status, error] of cases) {
    test(name, async () => {
      const res = await infer(shared(), model, typeof body === "string" ? Buffer.from(body) : body);
      assert.deepEqual([res.status, res.json()], [status, { error }]);
    });
  }

  test("binary input whose byte size does not match the shape", async () => {
    const h = shared();
    const header = Buffer.from(
      JSON.stringify({
        inputs: [
          { name: "input", shape: [1, 4], datatype: "FP32", parameters: { binary_data_size: 12 } },
        ],
      }),
    );
    const res = await infer(h, "iris", Buffer.concat([header, Buffer.alloc(12)]), {
      "Inference-Header-Content-Length": String(header.length),
    });
    assert.deepEqual(
      [res.status, res.json()],
      [
        400,
        {
          error:
            "[request id: <id_unknown>] input byte size mismatch for input 'input' for model 'iris'. Expected 16, got 12",
        },
      ],
    );
  });
});
