// triton-contract.md §1.3 metadata, §1.4 readiness, §1.5 configuration, §1.6 statistics, §8.3.
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, test } from "node:test";
import { batchableModel, irisModel } from "../../support/onnx/fixtures";
import { writeModelDir, writeVersion } from "../../support/triton/repository-fixture";
import {
  http,
  irisInferBody,
  irisRepo,
  load,
  serveExplicit,
  tempRepo,
  unload,
  until,
} from "./helpers";

describe("§1.3 model metadata", () => {
  test("versions are strings (all READY ones), platform from the config, shapes as configured", async (t) => {
    const root = irisRepo(t, [1, 2]);
    writeModelDir(root, "iris", {
      config: `name: "iris"\nplatform: "onnxruntime_onnx"\nversion_policy: { all {} }\ninput [{ name: "input" data_type: TYPE_FP32 dims: [1, 4] }]\noutput [{ name: "probabilities" data_type: TYPE_FP32 dims: [1, 3] }]\n`,
    });
    const h = await serveExplicit(t, root, ["iris"]);
    const res = await http("GET", `${h.httpUrl}/v2/models/iris`);
    assert.equal(res.status, 200);
    assert.deepEqual(res.json(), {
      name: "iris",
      versions: ["1", "2"],
      platform: "onnxruntime_onnx",
      inputs: [{ name: "input", datatype: "FP32", shape: [1, 4] }],
      outputs: [{ name: "probabilities", datatype: "FP32", shape: [1, 3] }],
    });
    const v1 = await http("GET", `${h.httpUrl}/v2/models/iris/versions/1`);
    assert.deepEqual(v1.json().versions, ["1"]);
  });

  test("-1 is prepended to every shape when max_batch_size >= 1", async (t) => {
    const root = tempRepo(t);
    writeModelDir(root, "batch", {
      config: `name: "batch"\nbackend: "onnxruntime"\nmax_batch_size: 8\ninput [{ name: "input" data_type: TYPE_FP32 dims: [4] }]\noutput [{ name: "probabilities" data_type: TYPE_FP32 dims: [3] }]\n`,
      versions: { "1": batchableModel() },
    });
    const h = await serveExplicit(t, root, ["batch"]);
    const body = (await http("GET", `${h.httpUrl}/v2/models/batch`)).json();
    assert.equal(body.platform, "onnxruntime_onnx");
    assert.deepEqual(body.inputs, [{ name: "input", datatype: "FP32", shape: [-1, 4] }]);
    assert.deepEqual(body.outputs, [{ name: "probabilities", datatype: "FP32", shape: [-1, 3] }]);
  });

  test("errors: never seen 404, no available versions 404, version never existed 404, not READY 503", async (t) => {
    const root = irisRepo(t, [1]);
    const h = await serveExplicit(t, root, ["iris"]);
    const get = async (path: string) => {
      const r = await http("GET", `${h.httpUrl}${path}`);
      return [r.status, r.json().error];
    };
    assert.deepEqual(await get("/v2/models/m"), [
      404,
      "Request for unknown model: 'm' is not found",
    ]);
    assert.deepEqual(await get("/v2/models/iris/versions/7"), [
      404,
      "Request for unknown model: 'iris' version 7 is not found",
    ]);
    h.failLoad("iris", 2, { message: "boom" });
    writeVersion(join(root, "iris"), 2, irisModel());
    await load(h, "iris");
    assert.deepEqual(await get("/v2/models/iris/versions/2"), [
      503,
      "Request for unknown model: 'iris' version 2 is not at ready state",
    ]);
    await unload(h, "iris");
    await until(async () => (await http("GET", `${h.httpUrl}/v2/models/iris`)).status === 404);
    assert.deepEqual(await get("/v2/models/iris"), [
      404,
      "Request for unknown model: 'iris' has no available versions",
    ]);
  });
});

describe("§1.4 model readiness", () => {
  test("200 with an empty body; 404/503 with a JSON error", async (t) => {
    const root = irisRepo(t, [1]);
    const h = await serveExplicit(t, root, ["iris"]);
    const ok = await http("GET", `${h.httpUrl}/v2/models/iris/ready`);
    assert.equal(ok.status, 200);
    assert.equal(ok.text, "");
    assert.equal((await http("GET", `${h.httpUrl}/v2/models/iris/versions/1/ready`)).status, 200);
    const unknown = await http("GET", `${h.httpUrl}/v2/models/m/ready`);
    assert.equal(unknown.status, 404);
    assert.deepEqual(unknown.json(), { error: "Request for unknown model: 'm' is not found" });
    h.failLoad("iris", 2, { message: "boom" });
    writeVersion(join(root, "iris"), 2, irisModel());
    await load(h, "iris");
    const notReady = await http("GET", `${h.httpUrl}/v2/models/iris/versions/2/ready`);
    assert.equal(notReady.status, 503);
    assert.deepEqual(notReady.json(), {
      error: "Request for unknown model: 'iris' version 2 is not at ready state",
    });
  });
});

describe("§1.5 model configuration", () => {
  test("protobuf JSON with proto field names, every default printed, int64 as numbers", async (t) => {
    const root = irisRepo(t, [13]);
    writeModelDir(root, "iris", {
      config: `name: "iris"\nplatform: "onnxruntime_onnx"\nversion_policy { specific { versions: [13] } }\ninput [{ name: "input" data_type: TYPE_FP32 dims: [1, 4] }]\noutput [{ name: "probabilities" data_type: TYPE_FP32 dims: [1, 3] }]\n`,
    });
    const h = await serveExplicit(t, root, ["iris"]);
    const res = await http("GET", `${h.httpUrl}/v2/models/iris/config`);
    assert.equal(res.status, 200);
    assert.equal(res.headers["content-type"], "application/json");
    assert.deepEqual(res.json(), {
      name: "iris",
      platform: "onnxruntime_onnx",
      backend: "onnxruntime",
      runtime: "",
      version_policy: { specific: { versions: [13] } },
      max_batch_size: 0,
      input: [
        {
          name: "input",
          data_type: "TYPE_FP32",
          format: "FORMAT_NONE",
          dims: [1, 4],
          is_shape_tensor: false,
          allow_ragged_batch: false,
          optional: false,
          is_non_linear_format_io: false,
        },
      ],
      output: [
        {
          name: "probabilities",
          data_type: "TYPE_FP32",
          dims: [1, 3],
          label_filename: "",
          is_shape_tensor: false,
          is_non_linear_format_io: false,
        },
      ],
      batch_input: [],
      batch_output: [],
      optimization: {
        priority: "PRIORITY_DEFAULT",
        input_pinned_memory: { enable: true },
        output_pinned_memory: { enable: true },
        gather_kernel_buffer_threshold: 0,
        eager_batching: false,
      },
      instance_group: [
        {
          name: "iris",
          kind: "KIND_CPU",
          count: 2,
          gpus: [],
          secondary_devices: [],
          profile: [],
          passive: false,
          host_policy: "",
        },
      ],
      default_model_filename: "model.onnx",
      cc_model_filenames: {},
      metric_tags: {},
      parameters: {},
      model_warmup: [],
    });
  });

  test("only a READY model's config can be fetched (same errors as metadata)", async (t) => {
    const h = await serveExplicit(t, irisRepo(t), []);
    const res = await http("GET", `${h.httpUrl}/v2/models/iris/config`);
    assert.equal(res.status, 404);
    assert.deepEqual(res.json(), { error: "Request for unknown model: 'iris' is not found" });
  });
});

describe("§1.6 statistics", () => {
  test("counts successes per READY version; errors for a model or version that is not available", async (t) => {
    const h = await serveExplicit(t, irisRepo(t), ["iris"]);
    await http("POST", `${h.httpUrl}/v2/models/iris/infer`, { body: irisInferBody() });
    const res = await http("GET", `${h.httpUrl}/v2/models/iris/stats`);
    assert.equal(res.status, 200);
    const [stats] = res.json().model_stats;
    assert.equal(stats.name, "iris");
    assert.equal(stats.version, "1");
    assert.equal(stats.inference_count, 1);
    assert.equal(stats.execution_count, 1);
    assert.equal(stats.inference_stats.success.count, 1);
    assert.equal(stats.inference_stats.fail.count, 0);
    const all = await http("GET", `${h.httpUrl}/v2/models/stats`);
    assert.equal(all.json().model_stats.length, 1);
    const missing = await http("GET", `${h.httpUrl}/v2/models/m/stats`);
    assert.equal(missing.status, 400);
    assert.deepEqual(missing.json(), { error: "requested model 'm' is not available" });
    const badVersion = await http("GET", `${h.httpUrl}/v2/models/iris/versions/9/stats`);
    assert.equal(badVersion.status, 400);
    assert.deepEqual(badVersion.json(), {
      error: "requested model version is not available for model 'iris'",
    });
  });
});
