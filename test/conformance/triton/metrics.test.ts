// triton-contract.md §5 and §8.10: metrics on the metrics port.
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, test } from "node:test";
import { batchableModel, irisModel } from "../../support/onnx/fixtures";
import { onnxConfig, writeModelDir, writeVersion } from "../../support/triton/repository-fixture";
import {
  http,
  irisInferBody,
  irisRepo,
  load,
  metricsText,
  modelSeries,
  serveExplicit,
  tempRepo,
  until,
} from "./helpers";

/** Series of one model as name{labels} → value. */
function series(text: string, model: string): Map<string, string> {
  return new Map(
    modelSeries(text, model).map((l) => {
      const i = l.lastIndexOf(" ");
      return [l.slice(0, i), l.slice(i + 1)];
    }),
  );
}

const L = (version: number) => `{model="iris",version="${version}"}`;
const FAIL = (reason: string, version = 1) =>
  `nv_inference_request_failure{model="iris",reason="${reason}",version="${version}"}`;

describe("§5.2/§5.5 per-model metrics", () => {
  test("every per-model series exists at 0 right after load, labelled model/version (+reason), sorted labels", async (t) => {
    const h = await serveExplicit(t, irisRepo(t), ["iris"]);
    const s = series(await metricsText(h), "iris");
    const load = s.get(`nv_model_load_duration_secs${L(1)}`);
    assert.ok(load !== undefined && Number(load) > 0, `load duration ${load}`);
    s.delete(`nv_model_load_duration_secs${L(1)}`);
    assert.deepEqual(Object.fromEntries(s), {
      [`nv_inference_request_success${L(1)}`]: "0",
      [FAIL("REJECTED")]: "0",
      [FAIL("CANCELED")]: "0",
      [FAIL("BACKEND")]: "0",
      [FAIL("OTHER")]: "0",
      [`nv_inference_count${L(1)}`]: "0",
      [`nv_inference_exec_count${L(1)}`]: "0",
      [`nv_inference_request_duration_us${L(1)}`]: "0",
      [`nv_inference_queue_duration_us${L(1)}`]: "0",
      [`nv_inference_compute_input_duration_us${L(1)}`]: "0",
      [`nv_inference_compute_infer_duration_us${L(1)}`]: "0",
      [`nv_inference_compute_output_duration_us${L(1)}`]: "0",
      [`nv_inference_pending_request_count${L(1)}`]: "0",
    });
  });

  test("HELP and TYPE lines: counters and gauges as Triton declares them", async (t) => {
    const h = await serveExplicit(t, irisRepo(t), ["iris"]);
    const text = await metricsText(h);
    for (const [name, type] of [
      ["nv_inference_request_success", "counter"],
      ["nv_inference_request_failure", "counter"],
      ["nv_inference_count", "counter"],
      ["nv_inference_exec_count", "counter"],
      ["nv_inference_request_duration_us", "counter"],
      ["nv_inference_pending_request_count", "gauge"],
      ["nv_model_load_duration_secs", "gauge"],
    ]) {
      assert.ok(text.includes(`\n# TYPE ${name} ${type}\n`), `${name} ${type}`);
    }
    assert.ok(
      text.includes(
        "# HELP nv_inference_request_success Number of successful inference requests, all batch sizes\n",
      ),
    );
  });

  test("success, inference count (a batch of n counts n) and execution count", async (t) => {
    const root = tempRepo(t);
    writeModelDir(root, "batch", {
      config: onnxConfig("batch", { maxBatchSize: 8, inputDims: [4], outputDims: [3] }),
      versions: { "1": batchableModel() },
    });
    const h = await serveExplicit(t, root, ["batch"]);
    const res = await http("POST", `${h.httpUrl}/v2/models/batch/infer`, {
      body: {
        inputs: [
          { name: "input", shape: [2, 4], datatype: "FP32", data: [1, 2, 3, 4, 5, 6, 7, 8] },
        ],
      },
    });
    assert.equal(res.status, 200);
    const s = series(await metricsText(h), "batch");
    const l = `{model="batch",version="1"}`;
    assert.equal(s.get(`nv_inference_request_success${l}`), "1");
    assert.equal(s.get(`nv_inference_count${l}`), "2");
    assert.equal(s.get(`nv_inference_exec_count${l}`), "1");
    assert.ok(Number(s.get(`nv_inference_request_duration_us${l}`)) > 0);
    assert.ok(Number(s.get(`nv_inference_compute_infer_duration_us${l}`)) > 0);
  });
});

describe("§5.6 what increments nv_inference_request_failure", () => {
  test("4xx validation errors, frontend JSON errors and unknown models are not counted", async (t) => {
    const h = await serveExplicit(t, irisRepo(t), ["iris"]);
    const bad = [
      { inputs: [{ name: "input", shape: [4], datatype: "FP32", data: [1, 2, 3, 4] }] },
      { inputs: [{ name: "input", shape: [1, 4], datatype: "FP64", data: [1, 2, 3, 4] }] },
      { inputs: [] },
    ];
    for (const body of bad) {
      assert.equal((await http("POST", `${h.httpUrl}/v2/models/iris/infer`, { body })).status, 400);
    }
    assert.equal(
      (await http("POST", `${h.httpUrl}/v2/models/iris/infer`, { body: "{" })).status,
      500,
    );
    assert.equal(
      (await http("POST", `${h.httpUrl}/v2/models/nope/infer`, { body: irisInferBody() })).status,
      404,
    );
    const s = series(await metricsText(h), "iris");
    for (const reason of ["REJECTED", "CANCELED", "BACKEND", "OTHER"]) {
      assert.equal(s.get(FAIL(reason)), "0");
    }
    assert.equal(s.get(`nv_inference_request_success${L(1)}`), "0");
  });

  test("a failed backend execution counts as reason=BACKEND; the status follows the backend's code", async (t) => {
    const h = await serveExplicit(t, irisRepo(t), ["iris"]);
    h.failExecution("iris", undefined, { code: "INTERNAL", message: "CUDA error: device lost" });
    const res = await http("POST", `${h.httpUrl}/v2/models/iris/infer`, { body: irisInferBody() });
    assert.deepEqual([res.status, res.json()], [500, { error: "CUDA error: device lost" }]);
    h.failExecution("iris", 1, { code: "INVALID_ARG", message: "bad tensor" });
    const res400 = await http("POST", `${h.httpUrl}/v2/models/iris/infer`, {
      body: irisInferBody(),
    });
    assert.deepEqual([res400.status, res400.json()], [400, { error: "bad tensor" }]);
    const s = series(await metricsText(h), "iris");
    assert.equal(s.get(FAIL("BACKEND")), "2");
    assert.equal(s.get(FAIL("OTHER")), "0");
    assert.equal(s.get(`nv_inference_request_success${L(1)}`), "0");
    h.failExecution("iris", 1, undefined);
    h.failExecution("iris", undefined, undefined);
    assert.equal(
      (await http("POST", `${h.httpUrl}/v2/models/iris/infer`, { body: irisInferBody() })).status,
      200,
    );
  });
});

describe("§5.5 series follow the version's life", () => {
  test("a superseded version's series disappear; the new version's appear at 0", async (t) => {
    const root = irisRepo(t, [1]);
    const h = await serveExplicit(t, root, ["iris"]);
    await http("POST", `${h.httpUrl}/v2/models/iris/infer`, { body: irisInferBody() });
    writeVersion(join(root, "iris"), 2, irisModel({ variant: 2 }));
    assert.equal((await load(h, "iris")).status, 200);
    await until(async () => !(await metricsText(h)).includes('version="1"'));
    const s = series(await metricsText(h), "iris");
    assert.equal(s.get(`nv_inference_request_success${L(2)}`), "0");
    assert.equal([...s.keys()].filter((k) => k.includes('version="1"')).length, 0);
  });
});

describe("§5.3 summaries", () => {
  test("off by default", async (t) => {
    const h = await serveExplicit(t, irisRepo(t), ["iris"]);
    assert.doesNotMatch(await metricsText(h), /_summary_us/);
  });

  test("with summary_latencies=true: five summaries, quantiles 0.5/0.9/0.95/0.99/0.999 plus _sum and _count", async (t) => {
    const h = await serveExplicit(t, irisRepo(t), ["iris"], {
      metricsConfig: ["summary_latencies=true"],
    });
    await http("POST", `${h.httpUrl}/v2/models/iris/infer`, { body: irisInferBody() });
    const text = await metricsText(h);
    for (const name of ["request", "queue", "compute_input", "compute_infer", "compute_output"]) {
      const f = `nv_inference_${name}_summary_us`;
      assert.ok(text.includes(`# TYPE ${f} summary\n`), f);
      assert.match(text, new RegExp(`\\n${f}_count\\{model="iris",version="1"\\} 1\\n`));
      assert.match(text, new RegExp(`\\n${f}_sum\\{model="iris",version="1"\\} [0-9.]+\\n`));
      for (const q of ["0.5", "0.9", "0.95", "0.99", "0.999"]) {
        assert.match(
          text,
          new RegExp(`\\n${f}\\{model="iris",version="1",quantile="${q}"\\} [0-9.]+\\n`),
        );
      }
    }
  });
});

describe("§5.3 counter_latencies=false", () => {
  test("no *_duration_us series, and (IncrementCounter returns early) success stays 0", async (t) => {
    const h = await serveExplicit(t, irisRepo(t), ["iris"], {
      metricsConfig: ["counter_latencies=false"],
    });
    assert.equal(
      (await http("POST", `${h.httpUrl}/v2/models/iris/infer`, { body: irisInferBody() })).status,
      200,
    );
    const text = await metricsText(h);
    assert.doesNotMatch(text, /_duration_us/);
    assert.equal(series(text, "iris").get(`nv_inference_request_success${L(1)}`), "0");
  });
});

describe("§5.4/§5.1 server-wide metrics and the endpoint", () => {
  test("nv_cpu_* without labels; no nv_gpu_* series on a CPU-only machine", async (t) => {
    const h = await serveExplicit(t, irisRepo(t), []);
    const text = await metricsText(h);
    assert.match(text, /\nnv_cpu_utilization [0-9.e-]+\n/);
    const total = /\nnv_cpu_memory_total_bytes (\d+)\n/.exec(text);
    assert.ok(total && Number(total[1]) > 0);
    assert.match(text, /\nnv_cpu_memory_used_bytes \d+\n/);
    assert.doesNotMatch(text, /nv_gpu_|nv_energy_consumption/);
  });

  test("text/plain; charset=utf-8 on /metrics; another path is 200 and empty; POST is 405", async (t) => {
    const h = await serveExplicit(t, irisRepo(t), []);
    const ok = await http("GET", `${h.metricsUrl!}/metrics/`);
    assert.equal(ok.status, 200);
    assert.equal(ok.headers["content-type"], "text/plain; charset=utf-8");
    assert.match(ok.text, /nv_cpu_utilization/);
    const other = await http("GET", `${h.metricsUrl!}/other`);
    assert.deepEqual([other.status, other.text], [200, ""]);
    assert.equal((await http("POST", `${h.metricsUrl!}/metrics`)).status, 405);
  });
});
