// Production traffic never reaches an unverified version: version-less inference runs against every
// pod during a successful deploy and two failed ones; no request fails, and the test server's
// request log shows every answer came from the committed version or from a candidate after it had
// passed ready and smoke under the staging name.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { DeploymentError, deployModel, type ProgressEvent } from "../../../src/core";
import { expectedIrisOutput, irisModel } from "../../support/onnx/fixtures";
import { irisRequest, MODEL, publish, readyVersions, startBench, type Bench } from "./harness";
import { LOAD_INPUT as INPUT, startVersionLessLoad } from "./version-less-load";

void describe("deployModel under constant version-less load on 2 pods", () => {
  let bench: Bench;
  let committed: string;

  before(async () => {
    bench = await startBench({ pods: 2 });
    committed = (await publish(bench, irisModel({ variant: 1 }))).version;
    await deployModel(bench.env, irisRequest(committed));
    for (const t of bench.tritons) t.clearRequestLog();
  });
  after(async () => {
    await bench.close();
  });

  /** Deploy under load; return when the candidate passed staging smoke (ms) and the log. */
  async function deployUnderLoad(version: string, golden: boolean) {
    let verifiedAt = Number.POSITIVE_INFINITY;
    const onProgress = (e: ProgressEvent) => {
      if (e.step === "smoke" && e.phase === "done") verifiedAt = Date.now();
    };
    for (const t of bench.tritons) t.clearRequestLog();
    const load = startVersionLessLoad(bench.tritons.map((t) => t.httpUrl));
    // Let traffic flow before the deployment starts.
    while (load.statuses.length < 20) await new Promise((r) => setImmediate(r));
    const outcome = await deployModel(
      bench.env,
      irisRequest(version, {
        smoke: golden
          ? {
              requests: 2,
              golden: {
                inputs: [{ name: "input", shape: [1, 4], data: INPUT }],
                outputs: [{ name: "probabilities", data: [...expectedIrisOutput(INPUT, 1)] }],
                tolerance: 1e-4,
              },
            }
          : { requests: 2 },
      }),
      { onProgress },
    ).then(
      (r) => r.outcome,
      (e: unknown) => (e instanceof DeploymentError ? `failed at ${e.step}` : String(e)),
    );
    const statuses = await load.finish();
    const served = bench.tritons.flatMap((t) =>
      t.requestLog().filter((r) => r.model === MODEL && r.requestedVersion === undefined),
    );
    return { outcome, statuses, served, verifiedAt };
  }

  void test("a successful upgrade: 0 failed requests, the new version answers only after verification", async () => {
    const v2 = (await publish(bench, irisModel({ variant: 1 }))).version;
    const run = await deployUnderLoad(v2, true);
    assert.equal(run.outcome, "committed");
    assert.ok(run.statuses.length >= 20, `only ${run.statuses.length} requests`);
    assert.deepEqual(
      run.statuses.filter((s) => s !== 200),
      [],
    );
    const unverified = run.served.filter(
      (r) =>
        r.servedVersion !== Number(committed) &&
        !(r.servedVersion === Number(v2) && r.atMs >= run.verifiedAt),
    );
    assert.deepEqual(unverified, []);
    assert.ok(
      run.served.some((r) => r.servedVersion === Number(v2)),
      "v2 serves in the end",
    );
    committed = v2;
  });

  void test("a candidate failing smoke: 0 failed requests, every answer from the committed version", async () => {
    const v3 = (await publish(bench, irisModel({ variant: 3 }))).version;
    const run = await deployUnderLoad(v3, true);
    assert.equal(run.outcome, "failed at smoke");
    assert.deepEqual(
      run.statuses.filter((s) => s !== 200),
      [],
    );
    assert.deepEqual([...new Set(run.served.map((r) => r.servedVersion))], [Number(committed)]);
  });

  void test("promote failing on the second pod: both pods are rolled back, 0 failed requests", async () => {
    const v4 = (await publish(bench, irisModel({ variant: 1 }))).version;
    bench.tritons[1]!.failLoad(MODEL, Number(v4), { code: "INTERNAL", message: "out of memory" });
    try {
      const run = await deployUnderLoad(v4, false);
      assert.equal(run.outcome, "failed at promote");
      assert.deepEqual(
        run.statuses.filter((s) => s !== 200),
        [],
      );
      // v4 may have answered on pod 1 between its promotion and the rollback — only after it had
      // passed ready and smoke on staging.
      const unverified = run.served.filter(
        (r) =>
          r.servedVersion !== Number(committed) &&
          !(r.servedVersion === Number(v4) && r.atMs >= run.verifiedAt),
      );
      assert.deepEqual(unverified, []);
      for (const t of bench.tritons) assert.deepEqual(readyVersions(t), [Number(committed)]);
    } finally {
      bench.tritons[1]!.resetControls();
    }
  });
});
