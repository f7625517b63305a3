import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Agent } from "undici";
import { MlflowClient, MlflowError, mlflowClientOptionsFromEnv } from "../../../src/core/mlflow";
import { startMlflowServer, type MlflowHandle } from "../../support/mlflow";
import { publishOnnxModel } from "../../support/mlflow/seed";
import { createTestPki, type TestPki } from "../../support/mlflow/test-pki";
import { irisModel } from "../../support/onnx/fixtures";

void describe("TLS from MLFLOW_TRACKING_SERVER_CERT_PATH / CLIENT_CERT_PATH / INSECURE_TLS", () => {
  let dir: string;
  let pki: TestPki;
  let server: MlflowHandle;
  let combinedClientPem: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "mlflow-tls-"));
    pki = createTestPki(join(dir, "pki"));
    // MLflow's variable names one file holding the client certificate and its key.
    combinedClientPem = join(dir, "client-combined.pem");
    writeFileSync(
      combinedClientPem,
      Buffer.concat([readFileSync(pki.clientCertFile), readFileSync(pki.clientKeyFile)]),
    );
    server = await startMlflowServer({
      tls: { cert: pki.serverCert, key: pki.serverKey, ca: pki.caCert, requireClientCert: true },
    });
    const seedAgent = new Agent({
      connect: { ca: pki.caCert, cert: pki.clientCert, key: pki.clientKey },
    });
    try {
      await publishOnnxModel(server.url, {
        name: "iris",
        files: { "model.onnx": irisModel() },
        layout: "run-artifacts",
        alias: "champion",
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

  async function attempt(env: Record<string, string>): Promise<unknown> {
    const client = new MlflowClient({
      ...mlflowClientOptionsFromEnv(env, server.url),
      retry: { maxAttempts: 1 },
    });
    try {
      return await client.resolveVersion("iris", { alias: "champion" }).then(
        (v) => v.version,
        (e: unknown) => e,
      );
    } finally {
      await client.close();
    }
  }

  void test("the private CA and a combined client cert+key file", async () => {
    assert.match(server.url, /^https:/);
    assert.equal(
      await attempt({
        MLFLOW_TRACKING_SERVER_CERT_PATH: pki.caCertFile,
        MLFLOW_TRACKING_CLIENT_CERT_PATH: combinedClientPem,
      }),
      "1",
    );
  });

  void test("insecure skip-verify still presents the client certificate", async () => {
    assert.equal(
      await attempt({
        MLFLOW_TRACKING_INSECURE_TLS: "true",
        MLFLOW_TRACKING_CLIENT_CERT_PATH: combinedClientPem,
      }),
      "1",
    );
  });

  void test("a server certificate from another CA is refused", async () => {
    const err = await attempt({
      MLFLOW_TRACKING_SERVER_CERT_PATH: pki.foreignCaCertFile,
      MLFLOW_TRACKING_CLIENT_CERT_PATH: combinedClientPem,
    });
    assert.ok(err instanceof MlflowError);
    assert.equal(err.code, "REQUEST_FAILED");
    assert.match(
      err.message,
      /unable to verify the first certificate|self[- ]signed|unable to get local issuer/i,
    );
  });

  void test("without a client certificate the handshake fails", async () => {
    const err = await attempt({ MLFLOW_TRACKING_SERVER_CERT_PATH: pki.caCertFile });
    assert.ok(err instanceof MlflowError);
    assert.equal(err.code, "REQUEST_FAILED");
  });

  void test("an unreadable CA file is named", () => {
    assert.throws(
      () =>
        new MlflowClient(
          mlflowClientOptionsFromEnv(
            { MLFLOW_TRACKING_SERVER_CERT_PATH: join(dir, "missing.pem") },
            server.url,
          ),
        ),
      {
        message: new RegExp(
          `^cannot read CA file "${join(dir, "missing.pem").replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}": ENOENT`,
        ),
      },
    );
  });
});
