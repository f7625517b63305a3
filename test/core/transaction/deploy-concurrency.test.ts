// Invariants 3 and 4: two transactions on one model never interleave, a stale lock is taken over,
// and a deployment SIGKILLed at any point leaves a repository the next run converges from.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  DeploymentError,
  deployModel,
  readModelStatus,
  type DeploymentResult,
  type ProgressEvent,
} from "../../../src/core";
import { readCurrentPointer, verifyVersionDir } from "../../../src/core/repository";
import { irisModel } from "../../support/onnx/fixtures";
import {
  irisRequest,
  listDir,
  MODEL,
  publish,
  readyVersions,
  startBench,
  type Bench,
} from "./harness";

void describe("deployModel: lock contention, stale lock, crash recovery", () => {
  let bench: Bench;
  let variant = 20;

  before(async () => {
    bench = await startBench();
    await deployModel(
      bench.env,
      irisRequest((await publish(bench, irisModel({ variant: 1 }))).version),
    );
  });
  after(async () => {
    await bench.close();
  });

  /** Run a deployment of `version` in a child process that SIGKILLs itself at `point`. */
  function crashChild(point: string, version: string): Promise<NodeJS.Signals | number | null> {
    return new Promise((resolve, reject) => {
      const child = spawn(
        process.execPath,
        ["--import", "tsx", join(__dirname, "crash-child.ts")],
        {
          env: {
            ...process.env,
            CRASH_AT: point,
            CRASH_DEPLOY: JSON.stringify({ env: bench.env, request: irisRequest(version) }),
          },
          stdio: ["ignore", "ignore", "inherit"],
        },
      );
      child.once("error", reject);
      child.once("exit", (c, signal) => resolve(signal ?? c));
    });
  }

  const nextVersion = async () => (await publish(bench, irisModel({ variant: variant++ }))).version;

  void test("two concurrent deploys without waiting: one commits, the other fails at lock, changing nothing", async () => {
    const [a, b] = [await nextVersion(), await nextVersion()];
    const committedBefore = (await readModelStatus(bench.env, MODEL)).committed!.activeVersion;
    const outcomes = await Promise.allSettled([
      deployModel(bench.env, irisRequest(a)),
      deployModel(bench.env, irisRequest(b)),
    ]);
    const won = outcomes.filter(
      (o): o is PromiseFulfilledResult<DeploymentResult> => o.status === "fulfilled",
    );
    const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === "rejected");
    assert.equal(won.length, 1);
    assert.equal(lost.length, 1);
    const error = lost[0]!.reason as DeploymentError;
    assert.ok(error instanceof DeploymentError);
    assert.equal(error.step, "lock");
    const winner = won[0]!.value.toVersion;
    const loser = winner === a ? b : a;
    assert.match(
      error.message,
      new RegExp(
        `^deploy of model 'iris' version ${loser} failed at step 'lock': lock ${join(bench.root, MODEL, ".deploy.lock").replace(/[.]/g, "\\.")} is held by test \\(pid ${process.pid} on ${hostname()}, deploy iris-classifier version ${winner}, since [0-9T:.Z-]+\\); expected it to be free \\(another deployment is running\\); wait for it to finish; if pid ${process.pid} hangs, stop it \\(kill ${process.pid}\\) and deploy again: a lock whose process has exited is taken over at once — nothing was changed; committed version ${committedBefore}; serving http://127\\.0\\.0\\.1:\\d+: version ${committedBefore}$`,
      ),
    );
    assert.equal((await readModelStatus(bench.env, MODEL)).committed?.activeVersion, winner);
  });

  void test("two concurrent deploys that wait for the lock run one after the other, never interleaved", async () => {
    const [a, b] = [await nextVersion(), await nextVersion()];
    const log: string[] = [];
    const record = (who: string) => (e: ProgressEvent) => {
      if (e.phase === "done" && (e.step === "lock" || e.step === "commit")) {
        log.push(`${who}:${e.step}`);
      }
    };
    const env = { ...bench.env, timeouts: { ...bench.env.timeouts, lockWaitMs: 20_000 } };
    const results = await Promise.all([
      deployModel(env, irisRequest(a), { onProgress: record("a") }),
      deployModel(env, irisRequest(b), { onProgress: record("b") }),
    ]);
    assert.deepEqual(
      results.map((r) => r.outcome),
      ["committed", "committed"],
    );
    const first = log[0]!.split(":")[0];
    const second = first === "a" ? "b" : "a";
    assert.deepEqual(log, [
      `${first}:lock`,
      `${first}:commit`,
      `${second}:lock`,
      `${second}:commit`,
    ]);
  });

  void test("a lock left by a dead process on this host is taken over", async () => {
    const v = await nextVersion();
    await writeFile(
      join(bench.root, MODEL, ".deploy.lock"),
      JSON.stringify({
        token: "dead",
        owner: "ci",
        pid: 2 ** 22 + 12345,
        host: hostname(),
        startedAtUtc: "2026-11-21T00:00:00.000Z",
        operation: "deploy iris-classifier version 1",
      }),
    );
    const result = await deployModel(bench.env, irisRequest(v));
    assert.equal(result.outcome, "committed");
    assert.equal(result.tookOverStaleLock, true);
    assert.deepEqual(
      (await listDir(join(bench.root, MODEL))).filter((n) => n.startsWith(".deploy.lock")),
      [],
    );
  });

  void test("SIGKILL mid-verification, then a re-run of the committed version: unchanged, staging discarded", async () => {
    const committed = (await readModelStatus(bench.env, MODEL)).committed!.activeVersion;
    const v = await nextVersion();
    assert.equal(await crashChild("smoke:done", v), "SIGKILL");
    assert.deepEqual(readyVersions(bench.tritons[0]!, `${MODEL}.staging`), [Number(v)]);
    const result = await deployModel(bench.env, irisRequest(committed));
    assert.equal(result.outcome, "unchanged");
    assert.equal(result.tookOverStaleLock, true);
    assert.ok(result.cleanedUp.includes(`${MODEL}.staging`), result.cleanedUp.join(", "));
    assert.deepEqual(await listDir(bench.root), [MODEL]);
    assert.deepEqual(readyVersions(bench.tritons[0]!, `${MODEL}.staging`), []);
    assert.deepEqual(readyVersions(bench.tritons[0]!), [Number(committed)]);
  });

  for (const point of [
    "download:start",
    "validate:done",
    "ready:done",
    "smoke:done",
    "promote:start",
    "commit:start",
  ]) {
    void test(`SIGKILL at ${point}: invariants hold and the next run converges with no manual cleanup`, async () => {
      const before = await readModelStatus(bench.env, MODEL);
      const v = await nextVersion();
      const code = await crashChild(point, v);
      assert.equal(code, "SIGKILL");
      // Invariant 1 right after the crash: current.json is the previous, complete commit.
      const afterCrash = await readCurrentPointer(join(bench.root, MODEL, "current.json"));
      assert.equal(afterCrash?.activeVersion, before.committed?.activeVersion);
      assert.equal(
        (await verifyVersionDir(join(bench.root, MODEL, afterCrash!.activeVersion))).ok,
        true,
      );

      const result = await deployModel(bench.env, irisRequest(v));
      assert.equal(result.outcome, "committed");
      assert.equal(result.tookOverStaleLock, true);
      const status = await readModelStatus(bench.env, MODEL);
      assert.equal(status.committed?.activeVersion, v);
      assert.equal(status.drift, false);
      assert.deepEqual(readyVersions(bench.tritons[0]!), [Number(v)]);
      assert.deepEqual(readyVersions(bench.tritons[0]!, `${MODEL}.staging`), []);
      assert.deepEqual(await listDir(bench.root), [MODEL]);
      const leftovers = (await listDir(join(bench.root, MODEL))).filter(
        (n) => n.startsWith(".") || n.startsWith("failed_"),
      );
      assert.deepEqual(leftovers, []);
    });
  }
});
