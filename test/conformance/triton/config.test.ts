// triton-contract.md §3 (config.pbtxt strictness, auto-complete, the load-time check of the config
// against the ONNX graph) and §8.9's load-time dims check; plus the pbtxt parser the server uses.
import assert from "node:assert/strict";
import { describe, test, type TestContext } from "node:test";
import { batchableModel, irisModel, twoInputModel } from "../../support/onnx/fixtures";
import { configFromJson, configFromPbtxt } from "../../support/triton/model-config-proto";
import { parsePbtxt } from "../../support/triton/pbtxt";
import { writeModelDir } from "../../support/triton/repository-fixture";
import { http, load, serveExplicit, tempRepo } from "./helpers";

describe("config.pbtxt: protobuf text format", () => {
  test("scalars, enums, strings, nested messages, [..] lists, repeated blocks, maps and comments", () => {
    const config = configFromPbtxt(`
      # the old platform's config, more or less
      name: "iris"   # trailing comment
      platform: 'onnx' "runtime_onnx"
      max_batch_size: 0
      version_policy: { specific: { versions: [13, 14] } }
      input [
        { name: "input", data_type: TYPE_FP32, dims: [ 1, 4 ] },
        { name: "b" data_type: TYPE_INT64 dims: 1 dims: 4 reshape { shape: [4] } }
      ]
      output { name: "probabilities" data_type: TYPE_FP32 dims: [ 1, 3 ] }
      output < name: "extra\\tname" data_type: TYPE_STRING dims: [-1] >
      instance_group [ { kind: KIND_CPU count: 2 } ];
      dynamic_batching { max_queue_delay_microseconds: 100 preserve_ordering: true }
      parameters { key: "k" value: { string_value: "v" } }
    `);
    assert.deepEqual(config, {
      name: "iris",
      platform: "onnxruntime_onnx",
      max_batch_size: 0,
      version_policy: { specific: { versions: [13, 14] } },
      input: [
        { name: "input", data_type: "TYPE_FP32", dims: [1, 4] },
        { name: "b", data_type: "TYPE_INT64", dims: [1, 4], reshape: { shape: [4] } },
      ],
      output: [
        { name: "probabilities", data_type: "TYPE_FP32", dims: [1, 3] },
        { name: "extra\tname", data_type: "TYPE_STRING", dims: [-1] },
      ],
      instance_group: [{ kind: "KIND_CPU", count: 2 }],
      dynamic_batching: { max_queue_delay_microseconds: 100, preserve_ordering: true },
      parameters: { k: { string_value: "v" } },
    });
  });

  test("unknown fields, bad enum values, a singular field twice and syntax errors are rejected with line:col", () => {
    assert.throws(() => configFromPbtxt('name: "m"\nfoo: 1'), {
      message: '2:1: Message type "inference.ModelConfig" has no field named "foo".',
    });
    assert.throws(() => configFromPbtxt("input { data_type: TYPE_FLOAT32 }"), {
      message:
        '1:20: Unknown enumeration value of "TYPE_FLOAT32" for field "data_type" in ModelInput.',
    });
    assert.throws(() => configFromPbtxt('name: "a" name: "b"'), {
      message: '1:11: Non-repeated field "name" is specified multiple times.',
    });
    assert.throws(() => parsePbtxt("input { name: 'x' "), { message: '1:19: Expected "}".' });
    assert.throws(() => configFromPbtxt('name: ["a", "b"]'), /is not repeated/);
  });

  test("the load `config` parameter is protobuf JSON: proto or lowerCamel names, enums in any case, unknown fields rejected", () => {
    assert.deepEqual(
      configFromJson(
        '{"name":"m","maxBatchSize":2,"input":[{"name":"x","data_type":"type_fp32","dims":["1",4]}]}',
      ),
      {
        name: "m",
        max_batch_size: 2,
        input: [{ name: "x", data_type: "TYPE_FP32", dims: [1, 4] }],
      },
    );
    assert.throws(() => configFromJson('{"name":"m","inputs":[]}'), /no such field: 'inputs'/);
    assert.throws(
      () => configFromJson('{"input":[{"datatype":"FP32"}]}'),
      /no such field: 'datatype'/,
    );
  });
});

/** Loads model `m` (one version) with the given config text; returns status and error text. */
async function tryLoad(
  t: TestContext,
  config: string | undefined,
  model: Uint8Array,
  extra: Parameters<typeof serveExplicit>[3] = {},
): Promise<{ status: number; error?: string; url: string }> {
  const root = tempRepo(t);
  writeModelDir(root, "m", {
    ...(config !== undefined ? { config } : {}),
    versions: { "1": model },
  });
  const h = await serveExplicit(t, root, [], extra);
  const res = await load(h, "m");
  return {
    status: res.status,
    error: res.status === 200 ? undefined : res.json().error,
    url: h.httpUrl,
  };
}

const io = (input: string, output: string): string =>
  `input [ { name: "input" data_type: ${input} } ]\noutput [ { name: "probabilities" data_type: ${output} } ]\n`;

describe("§3.2 the config is checked against the ONNX graph at load time", () => {
  const loadFailure = (detail: string): string =>
    `load failed for model 'm': version 1 is at UNAVAILABLE state: Invalid argument: ${detail};\n`;
  const cases: [string, string, Uint8Array, string | undefined][] = [
    [
      "max_batch_size 0 with dims [1,4] matches ONNX [1,4]",
      `backend: "onnxruntime"\nmax_batch_size: 0\n${io("TYPE_FP32 dims: [1, 4]", "TYPE_FP32 dims: [1, 3]")}`,
      irisModel(),
      undefined,
    ],
    [
      "ONNX [1,4] vs dims [4] with max_batch_size 0 fails with both shapes",
      `backend: "onnxruntime"\n${io("TYPE_FP32 dims: [4]", "TYPE_FP32 dims: [1, 3]")}`,
      irisModel(),
      "model 'm', tensor 'input': the model expects 2 dimensions (shape [1,4]) but the model configuration specifies 1 dimensions (shape [4])",
    ],
    [
      "max_batch_size > 0 needs a first ONNX dimension of -1",
      `backend: "onnxruntime"\nmax_batch_size: 8\n${io("TYPE_FP32 dims: [4]", "TYPE_FP32 dims: [3]")}`,
      irisModel(),
      "model 'm', tensor 'input': for the model to support batching the shape should have at least 1 dimension and the first dimension must be -1; but shape expected by the model is [1,4]",
    ],
    [
      "max_batch_size > 0: [-1] + dims must match the ONNX shape",
      `backend: "onnxruntime"\nmax_batch_size: 8\n${io("TYPE_FP32 dims: [1, 4]", "TYPE_FP32 dims: [3]")}`,
      batchableModel(),
      "model 'm', tensor 'input': the model expects 2 dimensions (shape [-1,4]) but the model configuration specifies 3 dimensions (an initial batch dimension because max_batch_size > 0 followed by the explicit tensor shape, making complete shape [-1,1,4])",
    ],
    [
      "outputs are compared exactly: ONNX -1 must be -1 in the config",
      `backend: "onnxruntime"\nmax_batch_size: 0\n${io("TYPE_FP32 dims: [3, 4]", "TYPE_FP32 dims: [1, 3]")}`,
      batchableModel(),
      "model 'm', tensor 'probabilities': the model expects 2 dimensions (shape [-1,3]) but the model configuration specifies 2 dimensions (shape [1,3])",
    ],
    [
      "the datatype must match",
      `backend: "onnxruntime"\n${io("TYPE_FP64 dims: [1, 4]", "TYPE_FP32 dims: [1, 3]")}`,
      irisModel(),
      "unable to load model 'm', configuration expects datatype TYPE_FP64 for input 'input', model provides TYPE_FP32",
    ],
    [
      "the input count must match",
      `backend: "onnxruntime"\ninput [ { name: "input" data_type: TYPE_FP32 dims: [1, 4] }, { name: "extra" data_type: TYPE_FP32 dims: [1] } ]\noutput [ { name: "probabilities" data_type: TYPE_FP32 dims: [1, 3] } ]\n`,
      irisModel(),
      "unable to load model 'm', configuration expects 2 inputs, model provides 1",
    ],
    [
      "an input the graph does not have",
      `backend: "onnxruntime"\ninput [ { name: "x" data_type: TYPE_FP32 dims: [1, 4] } ]\noutput [ { name: "probabilities" data_type: TYPE_FP32 dims: [1, 3] } ]\n`,
      irisModel(),
      "unexpected inference input 'x', allowed inputs are: input",
    ],
  ];
  for (const [name, config, model, detail] of cases) {
    test(name, async (t) => {
      const res = await tryLoad(t, config, model);
      if (detail === undefined) assert.equal(res.status, 200, res.error);
      else assert.deepEqual([res.status, res.error], [400, loadFailure(detail)]);
    });
  }
});

describe("§3.1 auto-complete", () => {
  test("no config.pbtxt: platform from model.onnx; a batchable graph gets max_batch_size 4 and dynamic batching", async (t) => {
    const res = await tryLoad(t, undefined, batchableModel());
    assert.equal(res.status, 200, res.error);
    const config = (await http("GET", `${res.url}/v2/models/m/config`)).json();
    assert.equal(config.platform, "onnxruntime_onnx");
    assert.equal(config.backend, "onnxruntime");
    assert.equal(config.max_batch_size, 4);
    assert.deepEqual(config.dynamic_batching.preferred_batch_size, [4]);
    assert.deepEqual(
      config.input.map((i: { name: string; dims: number[] }) => [i.name, i.dims]),
      [["input", [4]]],
    );
    assert.deepEqual(config.output[0].dims, [3]);
  });

  test("a graph that cannot batch keeps max_batch_size 0 and its full dims", async (t) => {
    const res = await tryLoad(t, 'backend: "onnxruntime"\n', twoInputModel());
    assert.equal(res.status, 200, res.error);
    const config = (await http("GET", `${res.url}/v2/models/m/config`)).json();
    assert.equal(config.max_batch_size, 0);
    assert.equal(config.dynamic_batching, undefined);
    assert.deepEqual(
      config.input.map((i: { name: string; data_type: string; dims: number[] }) => [
        i.name,
        i.data_type,
        i.dims,
      ]),
      [
        ["x", "TYPE_FP32", [1, 4]],
        ["offset", "TYPE_INT64", [1, 4]],
      ],
    );
  });

  test("max_batch_size > 0 for a graph that cannot batch fails auto-complete", async (t) => {
    const res = await tryLoad(t, 'backend: "onnxruntime"\nmax_batch_size: 8\n', irisModel());
    assert.equal(res.status, 400);
    assert.equal(
      res.error,
      "load failed for model 'm': version 1 is at UNAVAILABLE state: Invalid argument: autofill failed for model 'm': model does not support batching while non-zero max_batch_size is specified;\n",
    );
  });

  test("--disable-auto-complete-config: a config without inputs/outputs is a poll failure (500)", async (t) => {
    const res = await tryLoad(t, 'backend: "onnxruntime"\n', irisModel(), {
      disableAutoCompleteConfig: true,
    });
    assert.deepEqual(
      [res.status, res.error],
      [500, "failed to load 'm', failed to poll from model repository"],
    );
  });
});
