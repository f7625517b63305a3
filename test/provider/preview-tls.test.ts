// The preview resolves aliases with the same MLflow options as the deploy: an MLflow behind a
// private CA (MLFLOW_TRACKING_SERVER_CERT_PATH) and Basic auth from the stack's username and the
// password secret works at preview exactly as it does at `up`.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Agent } from "undici";
import { readStackConfig } from "../../src/config/stack-file";
import { resolveModelVersion } from "../../src/provider/resolve-model-version";
import { PROJECT_DIR } from "../program/harness/run-stack";
import { startMlflowServer, type MlflowHandle } from "../support/mlflow";
import { publishOnnxModel, type PublishedModel } from "../support/mlflow/seed";
import { createTestPki } from "../support/mlflow/test-pki";
import { irisModel } from "../support/onnx/fixtures";

const USER = { username: "ci", password: "preview-tls-password" };

void describe("preview-time resolution over TLS with a private CA", () => {
  let dir: string;
  let caFile: string;
  let server: MlflowHandle;
  let published: PublishedModel;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "preview-tls-"));
    const pki = createTestPki(join(dir, "pki"));
    caFile = join(dir, "ca.pem");
    writeFileSync(caFile, pki.caCert);
    server = await startMlflowServer({
      tls: { cert: pki.serverCert, key: pki.serverKey },
      auth: { users: [USER] },
    });
    const seedAgent = new Agent({ connect: { ca: pki.caCert } });
    try {
      published = await publishOnnxModel(server.url, {
        name: "iris-classifier",
        files: { "model.onnx": irisModel() },
        layout: "run-artifacts",
        alias: "A",
        auth: USER,
        dispatcher: seedAgent,
      });
    } finally {
      await seedAgent.close();
    }
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const origin = () => new URL(server.url).origin;
  const config = () => {
    const c = readStackConfig(PROJECT_DIR, "dev");
    c.mlflow = { ...c.mlflow, trackingUri: server.url, username: USER.username };
    return c;
  };

  void test("trusts the CA named by MLFLOW_TRACKING_SERVER_CERT_PATH", async () => {
    const c = config();
    assert.deepEqual(
      await resolveModelVersion(
        c,
        c.models[0]!,
        { password: USER.password },
        { MLFLOW_TRACKING_SERVER_CERT_PATH: caFile },
      ),
      { version: published.version, runId: published.runId },
    );
  });

  void test("without the CA the preview fails, naming the model, alias and tracking URI", async () => {
    const c = config();
    await assert.rejects(resolveModelVersion(c, c.models[0]!, { password: USER.password }, {}), {
      message:
        `cannot resolve model 'iris-classifier' (MLflow registered model 'iris-classifier', alias 'A') ` +
        `at MLflow ${origin()}/: resolving alias "A" of registered model "iris-classifier" failed: ` +
        `GET ${origin()}/api/2.0/mlflow/registered-models/alias?name=iris-classifier&alias=A failed: ` +
        `unable to verify the first certificate (UNABLE_TO_VERIFY_LEAF_SIGNATURE) (after 3 attempts); ` +
        "expected a reachable tracking server where that alias exists (the preview resolves it to the version that `up` deploys)",
    });
  });
});
