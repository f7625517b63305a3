// Invariant 3 at the finest grain (issue 15): a deployment SIGKILLed just before ANY file operation
// of promote and commit — not only at step boundaries — leaves, after the next run (a failed one or
// an identical re-run), current.json, committed-config.json, config.pbtxt and the committed
// version's files in agreement, nothing behind, and a restarted server serves exactly the committed
// version with exactly the committed sha256. Two scenarios, one test file each (they run in
// parallel): one server and a new version number; two servers and a version number another
// registered model already committed (its `<v>/` must not be replaced before the commit point).
import assert from "node:assert/strict";
import { join } from "node:path";
import { DeploymentError, deployModel } from "../../../src/core";
import { readCurrentPointer } from "../../../src/core/repository";
import { corruptModel, irisModel } from "../../support/onnx/fixtures";
import {
  committedFilesDisagree,
  deployInChild,
  leftoversIn,
  restartedServersDisagree,
} from "./crash-checks";
import { currentBytes, irisRequest, MODEL, publish, REGISTERED, startBench } from "./harness";

const OTHER_REGISTERED = "iris-other";

/** The file operations of the commit (the recovery after a kill repeats its last eight). */
const COMMIT_OPERATIONS = [
  "write .commit-pending.json (temporary file)",
  "rename into .commit-pending.json",
  "fsync the directory of .commit-pending.json",
  "write current.json (temporary file)",
  "rename into current.json",
  "fsync the directory of current.json",
];
const DERIVED_FILE_OPERATIONS = [
  "write committed-config.json (temporary file)",
  "rename into committed-config.json",
  "fsync the directory of committed-config.json",
  "write config.pbtxt (temporary file)",
  "rename into config.pbtxt",
  "fsync the directory of config.pbtxt",
  "remove the pending commit record",
];

export interface KillScenario {
  name: string;
  pods: number;
  reuse: boolean;
  /** The file operations of promote and commit, in order: one kill before each. */
  operations: string[];
}

export const NEW_VERSION: KillScenario = {
  name: "1 server, a new version number",
  pods: 1,
  reuse: false,
  operations: [
    "rename the staged 2/ into the model directory",
    "fsync the model directory",
    ...COMMIT_OPERATIONS,
    ...DERIVED_FILE_OPERATIONS,
  ],
};

export const REUSED_VERSION: KillScenario = {
  name: "2 servers, a version number reused by another registered model",
  pods: 2,
  reuse: true,
  // Promote leaves the committed 1/ alone; it is replaced only after current.json names the
  // candidate (iris-other's version 1, another model under the same number).
  operations: [
    ...COMMIT_OPERATIONS,
    "move aside the replaced 1/",
    "rename the staged 1/ into place",
    "fsync the model directory",
    "remove the replaced 1/",
    ...DERIVED_FILE_OPERATIONS,
  ],
};

/** Kill a deployment before each of the scenario's file operations in turn, checking each. */
export async function killBeforeEveryOperation(scenario: KillScenario): Promise<void> {
  const bench = await startBench({ pods: scenario.pods, startupModels: [MODEL] });
  try {
    const variantOfSha = new Map<string, number>();
    const published = async (variant: number, registeredModel: string) => {
      const p = await publish(bench, irisModel({ variant }), { registeredModel });
      variantOfSha.set(p.sha256!, variant);
      return p;
    };
    const base = await published(1, REGISTERED);
    const candidate = await published(2, scenario.reuse ? OTHER_REGISTERED : REGISTERED);
    assert.equal(candidate.version, scenario.reuse ? base.version : "2");
    const broken = await publish(bench, corruptModel());
    const baseRequest = irisRequest(base.version);
    const candidateRequest = irisRequest(candidate.version, {
      registeredModel: scenario.reuse ? OTHER_REGISTERED : REGISTERED,
    });
    await deployModel(bench.env, baseRequest);

    const killedAt: string[] = [];
    for (let operation = 0; ; operation++) {
      const before = await currentBytes(bench.root);
      const child = await deployInChild(bench.env, candidateRequest, {
        env: { CRASH_AT_FILE_OPERATION: String(operation) },
      });
      if (child.end === 10) break; // past the last file operation: the deployment finished
      assert.equal(child.end, "SIGKILL", `operation ${operation}`);
      killedAt.push(child.stdout);
      const where = `killed before '${child.stdout}' (operation ${operation})`;

      // Right after the kill: current.json is the old commit byte for byte, or the new one.
      const after = await currentBytes(bench.root);
      if (after !== before) {
        const named = await readCurrentPointer(join(bench.root, MODEL, "current.json"));
        assert.deepEqual(
          [named?.activeVersion, named?.sha256],
          [candidate.version, candidate.sha256],
          where,
        );
      }

      // The next run: a failed deployment or an identical re-run, alternating; the commit's
      // operations sit at other parities in the two scenarios, so each gets both.
      if ((operation + (scenario.reuse ? 1 : 0)) % 2 === 0) {
        await assert.rejects(deployModel(bench.env, irisRequest(broken.version)), DeploymentError);
      } else {
        const committed = await readCurrentPointer(join(bench.root, MODEL, "current.json"));
        const rerun = committed?.sha256 === candidate.sha256 ? candidateRequest : baseRequest;
        assert.equal((await deployModel(bench.env, rerun)).outcome, "unchanged", where);
      }
      assert.deepEqual(await committedFilesDisagree(bench.root), [], where);
      assert.deepEqual(await leftoversIn(bench.root), [], where);
      assert.deepEqual(
        await restartedServersDisagree(bench.root, bench.tritons, variantOfSha),
        [],
        where,
      );
      // Back to the base commit for the next kill point.
      await deployModel(bench.env, baseRequest);
    }
    assert.deepEqual(killedAt, scenario.operations);
  } finally {
    await bench.close();
  }
}
