// A failure inside the commit step (after committed-config.json was rewritten, before current.json)
// is rolled back like any other: the committed files are restored byte for byte and Triton serves
// the committed version again (the served model had already been switched to the candidate).
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { DeploymentError, deployModel, runDeployment } from "../../../src/core";
import { MlflowClient } from "../../../src/core/mlflow";
import { mlflowSource } from "../../../src/core/transaction/mlflow-source";
import { modelConfigPort } from "../../../src/core/transaction/model-config-port";
import { tritonEndpoint } from "../../../src/core/transaction/triton-endpoint";
import { irisModel } from "../../support/onnx/fixtures";
import {
  API_HEADER,
  API_KEY,
  currentBytes,
  irisRequest,
  MODEL,
  publish,
  readyVersions,
  REGISTERED,
  startBench,
  type Bench,
} from "./harness";

void describe("a failure inside the commit step", () => {
  let bench: Bench;
  let committed: string;
  before(async () => {
    bench = await startBench();
    committed = (await publish(bench, irisModel({ variant: 1 }))).version;
    await deployModel(bench.env, irisRequest(committed));
  });
  after(async () => {
    await bench.close();
  });

  void test("restores config.pbtxt and committed-config.json and reloads the committed version", async () => {
    const dir = join(bench.root, MODEL);
    const files = async () => ({
      current: await currentBytes(bench.root),
      config: await readFile(join(dir, "config.pbtxt"), "utf8"),
      committedConfig: await readFile(join(dir, "committed-config.json"), "utf8"),
    });
    const before = await files();
    const v = (await publish(bench, irisModel({ variant: 2 }))).version;
    const endpoint = tritonEndpoint({
      baseUrl: bench.tritons[0]!.httpUrl,
      restrictedApi: { header: API_HEADER, value: API_KEY },
    });
    const mlflow = new MlflowClient(bench.env.mlflow);
    const port = modelConfigPort(
      {
        name: MODEL,
        maxBatchSize: 0,
        inputs: irisRequest(v).inputs!,
        outputs: irisRequest(v).outputs!,
        instanceGroup: { kind: "KIND_CPU", count: 1 },
      },
      v,
    );
    const failing = {
      ...port,
      // Only the commit renders the served model's config.pbtxt: fail exactly there.
      renderPbtxt: (name: string, version: string) => {
        if (name === MODEL) throw new Error("disk quota exceeded");
        return port.renderPbtxt(name, version);
      },
    };
    try {
      const error = await runDeployment(
        {
          repositoryRoot: bench.root,
          endpoints: [endpoint],
          source: mlflowSource(mlflow, REGISTERED, v, MODEL),
          config: failing,
          timeouts: { readyMs: 3000, readyPollMs: 20, lockWaitMs: 0, lockStaleAfterMs: 60_000 },
          owner: "test",
        },
        { model: MODEL, registeredModel: REGISTERED, version: v, smoke: { requests: 1 } },
      ).catch((e: unknown) => e);
      assert.ok(error instanceof DeploymentError);
      assert.equal(
        error.message,
        `deploy of model 'iris' version ${v} failed at step 'commit': disk quota exceeded — rolled back; committed version ${committed}; serving ${endpoint.name}: version ${committed}`,
      );
      assert.deepEqual(await files(), before);
      assert.deepEqual(readyVersions(bench.tritons[0]!), [Number(committed)]);
    } finally {
      await endpoint.close();
      await mlflow.close();
    }
  });
});
