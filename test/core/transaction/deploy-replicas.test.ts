// Every replica: two Triton-compatible servers on distinct loopback addresses (127.0.0.2 and
// 127.0.0.3) and one port, sharing one model repository and started as production pods are
// (explicit mode, `--load-model=iris`). Under constant version-less load, a deployment verifies
// on both and commits; a replica restarted in the middle of a deployment comes back on the
// committed version and the deployment rolls both back; one restarted after the commit comes
// back on the new version. No request fails and no answer comes from an unverified version.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { DeploymentError, deployModel, type ProgressEvent } from "../../../src/core";
import { irisModel } from "../../support/onnx/fixtures";
import { irisRequest, MODEL, publish, readyVersions, startBench, type Bench } from "./harness";
import { startVersionLessLoad } from "./version-less-load";

void describe("two replicas on 127.0.0.2 and 127.0.0.3, one port, one repository", () => {
  let bench: Bench;
  let committed: string;

  before(async () => {
    bench = await startBench({ hosts: ["127.0.0.2", "127.0.0.3"], startupModels: [MODEL] });
    committed = (await publish(bench, irisModel({ variant: 1 }))).version;
    await deployModel(bench.env, irisRequest(committed));
  });
  after(async () => {
    await bench.close();
  });

  /** Restart replica `i` as a pod restart does: out of the Service, killed, started, ready. */
  async function restartReplica(load: ReturnType<typeof startVersionLessLoad>, i: number) {
    const triton = bench.tritons[i]!;
    await load.drain(i);
    await triton.crash();
    await triton.restart();
    load.undrain(i);
  }

  async function deployWithRestart(version: string, restartAt: (e: ProgressEvent) => boolean) {
    let verifiedAt = Number.POSITIVE_INFINITY;
    let restarted: Promise<void> | undefined;
    for (const t of bench.tritons) t.clearRequestLog();
    const load = startVersionLessLoad(bench.tritons.map((t) => t.httpUrl));
    while (load.statuses.length < 20) await new Promise((r) => setImmediate(r));
    const outcome = await deployModel(bench.env, irisRequest(version), {
      onProgress: (e) => {
        if (e.step === "smoke" && e.phase === "done") verifiedAt = Date.now();
        if (restarted === undefined && restartAt(e)) restarted = restartReplica(load, 1);
      },
    }).then(
      (r) => r.outcome,
      (e: unknown) => (e instanceof DeploymentError ? `failed at ${e.step}` : String(e)),
    );
    await restarted;
    // Traffic after the restart too, so the restarted replica's answers are in the log.
    const settled = load.statuses.length;
    while (load.statuses.length < settled + 40) await new Promise((r) => setImmediate(r));
    const statuses = await load.finish();
    const served = bench.tritons.flatMap((t) =>
      t.requestLog().filter((r) => r.model === MODEL && r.requestedVersion === undefined),
    );
    return { outcome, statuses, served, verifiedAt, restarted: restarted !== undefined };
  }

  void test("the addresses are distinct and the port is shared", () => {
    const [a, b] = bench.tritons.map((t) => new URL(t.httpUrl));
    assert.deepEqual([a!.hostname, b!.hostname], ["127.0.0.2", "127.0.0.3"]);
    assert.equal(a!.port, b!.port);
    for (const t of bench.tritons) assert.deepEqual(readyVersions(t), [Number(committed)]);
  });

  void test("a replica restarted before the smoke check: both roll back, it comes back on the committed version", async () => {
    const v = (await publish(bench, irisModel({ variant: 2 }))).version;
    const run = await deployWithRestart(v, (e) => e.step === "ready" && e.phase === "done");
    assert.equal(run.restarted, true);
    assert.equal(run.outcome, "failed at smoke");
    assert.deepEqual(
      run.statuses.filter((s) => s !== 200),
      [],
    );
    assert.deepEqual([...new Set(run.served.map((r) => r.servedVersion))], [Number(committed)]);
    for (const t of bench.tritons) {
      assert.deepEqual(readyVersions(t), [Number(committed)]);
      assert.deepEqual(readyVersions(t, `${MODEL}.staging`), []);
    }
  });

  void test("a replica restarted after the commit comes back on the new version", async () => {
    const v = (await publish(bench, irisModel({ variant: 1 }))).version;
    const run = await deployWithRestart(v, (e) => e.step === "commit" && e.phase === "done");
    assert.equal(run.restarted, true);
    assert.equal(run.outcome, "committed");
    assert.deepEqual(
      run.statuses.filter((s) => s !== 200),
      [],
    );
    const unverified = run.served.filter(
      (r) =>
        r.servedVersion !== Number(committed) &&
        !(r.servedVersion === Number(v) && r.atMs >= run.verifiedAt),
    );
    assert.deepEqual(unverified, []);
    for (const t of bench.tritons) assert.deepEqual(readyVersions(t), [Number(v)]);
    // The restarted replica answered, from the new version, after it came back.
    assert.ok(bench.tritons[1]!.requestLog().some((r) => r.servedVersion === Number(v)));
    committed = v;
  });
});
