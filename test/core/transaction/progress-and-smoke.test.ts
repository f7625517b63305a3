// Pure parts: the progress formatter (one per step off a terminal, live bytes/rate/ETA on one) and
// the smoke checks' building blocks.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  createProgressFormatter,
  formatBytes,
  formatDuration,
  formatLive,
  formatStructured,
  type ProgressEvent,
} from "../../../src/core/progress";
import {
  checkOutputs,
  generateInputs,
  percentile,
  shapeMatches,
} from "../../../src/core/transaction/smoke";
import { planProblem } from "../../../src/core/transaction/run-deployment";

const AT = new Date("2026-11-22T01:00:00.000Z");
const download = (phase: ProgressEvent["phase"], done?: number): ProgressEvent => ({
  model: "iris",
  version: "13",
  step: "download",
  phase,
  ...(done !== undefined
    ? { done, total: 4 * 1024 * 1024, unit: "bytes" as const, elapsedMs: 2000 }
    : {}),
});

void describe("progress formatter", () => {
  void test("off a terminal: one logfmt line per finished step, nothing for start/progress", () => {
    let out = "";
    const emit = createProgressFormatter({ write: (t: string) => (out += t) }, { now: () => AT });
    emit(download("start"));
    emit(download("progress", 1024 * 1024));
    emit({
      ...download("done", 4 * 1024 * 1024),
      detail: "1 file(s) via the MLflow artifact proxy",
    });
    emit({
      model: "iris",
      version: "13",
      step: "smoke",
      phase: "failed",
      elapsedMs: 12.4,
      detail: "output 'y' has shape [1,5]; expected [1,3]",
    });
    assert.equal(
      out,
      'ts=2026-11-22T01:00:00.000Z model=iris step=download status=ok version=13 duration_ms=2000 bytes=4194304 rate_bps=2097152 detail="1 file(s) via the MLflow artifact proxy"\n' +
        `ts=2026-11-22T01:00:00.000Z model=iris step=smoke status=failed version=13 duration_ms=12 detail="output 'y' has shape [1,5]; expected [1,3]"\n`,
    );
  });

  void test("JSON lines carry the same fields", () => {
    assert.deepEqual(JSON.parse(formatStructured(download("done", 10), "json", AT)), {
      ts: "2026-11-22T01:00:00.000Z",
      model: "iris",
      step: "download",
      status: "ok",
      version: "13",
      duration_ms: 2000,
      bytes: 10,
      rate_bps: 5,
    });
  });

  void test("on a terminal: a live line with bytes, rate and ETA, replaced by the result line", () => {
    let out = "";
    const emit = createProgressFormatter({ write: (t: string) => (out += t), isTTY: true });
    emit(download("start"));
    emit(download("progress", 1024 * 1024));
    emit(download("done", 4 * 1024 * 1024));
    assert.equal(
      out,
      "… iris v13 download\n" +
        "\r\x1b[2Kiris download 25% 1.0 MiB / 4.0 MiB 512.0 KiB/s ETA 6.0s" +
        "\r\x1b[2K✓ iris v13 download (2.0s)\n",
    );
  });

  void test("units", () => {
    assert.equal(formatBytes(512), "512 B");
    assert.equal(formatBytes(1536), "1.5 KiB");
    assert.equal(formatDuration(20), "20ms");
    assert.equal(formatDuration(65_000), "1m05s");
    assert.equal(
      formatLive({
        model: "m",
        step: "smoke",
        phase: "progress",
        done: 2,
        total: 4,
        unit: "requests",
        elapsedMs: 1000,
      }),
      "m smoke 50% 2 / 4 2.0/s ETA 1.0s",
    );
  });
});

void describe("smoke building blocks", () => {
  void test("p95 is the nearest-rank percentile", () => {
    assert.equal(percentile([5, 1, 4, 2, 3], 0.95), 5);
    assert.equal(
      percentile(
        Array.from({ length: 20 }, (_, i) => i + 1),
        0.95,
      ),
      19,
    );
    assert.equal(percentile([], 0.95), 0);
  });

  void test("a -1 in the expected shape matches any size; ranks must agree", () => {
    assert.equal(shapeMatches([4, 3], [-1, 3]), true);
    assert.equal(shapeMatches([1, 3], [3]), false);
    assert.equal(shapeMatches([1, 5], [1, 3]), false);
  });

  void test("generated inputs: -1 becomes 1, deterministic values by datatype", () => {
    assert.deepEqual(
      generateInputs(
        {
          name: "m",
          versions: ["1"],
          inputs: [
            { name: "x", datatype: "FP32", shape: [-1, 3] },
            { name: "n", datatype: "INT64", shape: [2] },
          ],
          outputs: [],
        },
        "here",
      ),
      [
        { name: "x", datatype: "FP32", shape: [1, 3], data: [0, 0.125, 0.25] },
        { name: "n", datatype: "INT64", shape: [2], data: [0, 1] },
      ],
    );
    assert.throws(
      () =>
        generateInputs(
          {
            name: "m",
            versions: [],
            inputs: [{ name: "h", datatype: "FP16", shape: [1] }],
            outputs: [],
          },
          "model 'm' version 1 on e",
        ),
      {
        message:
          "model 'm' version 1 on e: cannot generate a JSON smoke input of datatype FP16; configure a golden input",
      },
    );
  });

  void test("output names must match exactly", () => {
    assert.throws(
      () =>
        checkOutputs(
          "w",
          [{ name: "a", datatype: "FP32", shape: [1], data: [0] }],
          [{ name: "b", datatype: "FP32", shape: [1] }],
          undefined,
        ),
      { message: "w: outputs are [a]; expected [b]" },
    );
  });
});

void describe("plans that cannot be deployed", () => {
  const plan = { model: "iris", registeredModel: "r", version: "3", smoke: {} };
  void test("names that would escape the repository or clash with staging are refused", () => {
    assert.equal(planProblem(plan), undefined);
    assert.equal(
      planProblem({ ...plan, version: "03" }),
      'version "03" is not a Triton version; expected a positive integer without leading zeros',
    );
    assert.equal(
      planProblem({ ...plan, model: "../etc" }),
      `model name "../etc" is not usable as a model directory; expected letters, digits, '_', '-' and '.'`,
    );
    assert.equal(
      planProblem({ ...plan, model: "iris.staging" }),
      'model name "iris.staging" ends with ".staging", which names staging models; expected another name',
    );
  });
});
