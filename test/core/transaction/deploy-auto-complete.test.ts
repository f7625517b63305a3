// A request that leaves inputs/outputs out (a stack model without them): the transaction takes
// them from the ONNX graph, as Triton's auto-complete would (triton-contract.md §3.1), verifies
// the candidate with that config and commits a complete config.pbtxt, so Triton never guesses.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { deployModel, readHistory, type DeployRequest } from "../../../src/core";
import { batchableModel, irisModel } from "../../support/onnx/fixtures";
import {
  currentBytes,
  irisRequest,
  MODEL,
  publish,
  readyVersions,
  startBench,
  type Bench,
} from "./harness";

/** The iris request without inputs/outputs: the keys are absent, not empty lists. */
function requestWithoutTensors(version: string, over: Partial<DeployRequest> = {}): DeployRequest {
  const { inputs: _inputs, outputs: _outputs, ...request } = irisRequest(version, over);
  return request;
}

function committedPbtxt(bench: Bench): Promise<string> {
  return readFile(join(bench.root, MODEL, "config.pbtxt"), "utf8");
}

void describe("deployModel: inputs/outputs left out are read from the ONNX graph", () => {
  let bench: Bench;
  before(async () => {
    bench = await startBench();
  });
  after(async () => {
    await bench.close();
  });

  void test("a fixed-shape graph: dims as the graph has them, no batching", async () => {
    const v1 = await publish(bench, irisModel({ variant: 1 }));
    const request = requestWithoutTensors(v1.version);
    assert.equal("inputs" in request, false);
    assert.equal("outputs" in request, false);
    const result = await deployModel(bench.env, request);
    assert.equal(result.outcome, "committed");
    assert.equal(result.verification?.mode, "generated", "smoke input generated from the metadata");
    assert.equal(result.verification?.requests, 3);
    assert.equal(
      await committedPbtxt(bench),
      [
        `# Written by the triton-serving deployment for version ${v1.version}; do not edit:`,
        "# the next deployment rewrites it (current.json is the source of truth).",
        'name: "iris"',
        'platform: "onnxruntime_onnx"',
        "max_batch_size: 0",
        "version_policy {",
        "  specific {",
        `    versions: [${v1.version}]`,
        "  }",
        "}",
        "input [",
        "  {",
        '    name: "input"',
        "    data_type: TYPE_FP32",
        "    dims: [1, 4]",
        "  }",
        "]",
        "output [",
        "  {",
        '    name: "probabilities"',
        "    data_type: TYPE_FP32",
        "    dims: [1, 3]",
        "  }",
        "]",
        "instance_group [",
        "  {",
        "    kind: KIND_CPU",
        "    count: 1",
        "  }",
        "]",
        "",
      ].join("\n"),
    );
    assert.deepEqual(readyVersions(bench.tritons[0]!), [Number(v1.version)]);
  });

  void test("the same request again is unchanged (the config is completed from the committed graph)", async () => {
    const current = JSON.parse((await currentBytes(bench.root)) ?? "{}");
    const bytes = await currentBytes(bench.root);
    bench.mlflow.clearRequests();
    const result = await deployModel(bench.env, requestWithoutTensors(current.active_version));
    assert.equal(result.outcome, "unchanged");
    assert.equal(await currentBytes(bench.root), bytes);
    assert.equal(bench.mlflow.requests().length, 0, "MLflow is not even asked");
    assert.equal((await readHistory(bench.env, MODEL)).length, 1);
  });

  void test("a graph with a free batch dimension and maxBatchSize 8: dims without the batch dimension", async () => {
    const v2 = await publish(bench, batchableModel({ variant: 2 }));
    const result = await deployModel(
      bench.env,
      requestWithoutTensors(v2.version, { maxBatchSize: 8 }),
    );
    assert.equal(result.outcome, "committed");
    assert.equal(
      await committedPbtxt(bench),
      [
        `# Written by the triton-serving deployment for version ${v2.version}; do not edit:`,
        "# the next deployment rewrites it (current.json is the source of truth).",
        'name: "iris"',
        'platform: "onnxruntime_onnx"',
        "max_batch_size: 8",
        "version_policy {",
        "  specific {",
        `    versions: [${v2.version}]`,
        "  }",
        "}",
        "input [",
        "  {",
        '    name: "input"',
        "    data_type: TYPE_FP32",
        "    dims: [4]",
        "  }",
        "]",
        "output [",
        "  {",
        '    name: "probabilities"',
        "    data_type: TYPE_FP32",
        "    dims: [3]",
        "  }",
        "]",
        "instance_group [",
        "  {",
        "    kind: KIND_CPU",
        "    count: 1",
        "  }",
        "]",
        // Triton's auto-complete adds a scheduler when max_batch_size > 1 (triton-contract.md §3.1).
        "dynamic_batching {",
        "  max_queue_delay_microseconds: 0",
        "}",
        "",
      ].join("\n"),
    );
    assert.deepEqual(readyVersions(bench.tritons[0]!), [Number(v2.version)]);
  });
});
