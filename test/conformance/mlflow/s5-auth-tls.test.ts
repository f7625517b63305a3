// mlflow-contract.md §5 (and §4 non-JSON errors) — Basic and Bearer auth in front of every
// route, 401/403 bodies, and the TLS variant with a private CA and an optional client
// certificate; §8 "Auth".
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Agent } from "undici";
import {
  createTestPki,
  publishOnnxModel,
  startMlflowServer,
  type MlflowHandle,
  type TestPki,
} from "../../support/mlflow";
import { API, ARTIFACTS, call, client, type Client } from "./helpers";

const UNAUTHENTICATED =
  "You are not authenticated. Please see https://www.mlflow.org/docs/latest/auth/index.html#authenticating-to-mlflow on how to authenticate.";

function basic(user: string, password: string): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}` };
}

describe("§5 authentication", () => {
  let server: MlflowHandle;
  let anonymous: Client;

  before(async () => {
    server = await startMlflowServer({
      auth: {
        users: [
          { username: "admin", password: "s3cret" },
          { username: "reader", password: "r", permission: "READ" },
          { username: "nobody", password: "n", permission: "NO_PERMISSIONS" },
        ],
        tokens: [{ token: "tok-123" }],
      },
    });
    anonymous = client(server);
    await publishOnnxModel(server.url, {
      name: "secured",
      layout: "run-artifacts",
      files: { "model.onnx": Buffer.from("onnx") },
      alias: "champion",
      auth: { username: "admin", password: "s3cret" },
    });
  });
  after(() => server.close());

  function assertUnauthenticated(res: Awaited<ReturnType<Client["get"]>>): void {
    assert.equal(res.status, 401);
    assert.equal(res.text, UNAUTHENTICATED);
    assert.equal(res.headers["www-authenticate"], 'Basic realm="mlflow"');
  }

  test('no credentials → 401 plain text with WWW-Authenticate: Basic realm="mlflow"', async () => {
    assertUnauthenticated(
      await anonymous.get(`${API}/registered-models/alias?name=secured&alias=champion`),
    );
  });

  test("wrong password, unknown user, unknown token, malformed header → the same 401", async () => {
    for (const headers of [
      basic("admin", "wrong"),
      basic("mallory", "s3cret"),
      { authorization: "Bearer nope" },
      { authorization: "Digest abc" },
    ]) {
      assertUnauthenticated(
        await anonymous.get(`${API}/registered-models/alias?name=secured&alias=champion`, {
          headers,
        }),
      );
    }
  });

  test("Basic credentials (MLFLOW_TRACKING_USERNAME/PASSWORD) are accepted", async () => {
    const res = await anonymous.get(`${API}/registered-models/alias?name=secured&alias=champion`, {
      headers: basic("admin", "s3cret"),
    });
    assert.equal(res.status, 200);
    assert.equal(res.json.model_version.version, "1");
  });

  test("a Bearer token (MLFLOW_TRACKING_TOKEN) is accepted", async () => {
    const res = await anonymous.get(`${API}/registered-models/alias?name=secured&alias=champion`, {
      headers: { authorization: "Bearer tok-123" },
    });
    assert.equal(res.status, 200);
  });

  test("artifact downloads are protected too", async () => {
    const uri = await anonymous.get(
      `${API}/model-versions/get-download-uri?name=secured&version=1`,
      {
        headers: basic("admin", "s3cret"),
      },
    );
    const path = String(uri.json.artifact_uri).replace(/^mlflow-artifacts:\//, "");
    assertUnauthenticated(await anonymous.get(`${ARTIFACTS}/${path}/model.onnx`));
    const ok = await anonymous.get(`${ARTIFACTS}/${path}/model.onnx`, {
      headers: { authorization: "Bearer tok-123" },
    });
    assert.deepEqual([ok.status, ok.text], [200, "onnx"]);
  });

  test("/health is unprotected; even an unknown route asks for credentials first", async () => {
    const health = await anonymous.get("/health");
    assert.deepEqual([health.status, health.text], [200, "OK"]);
    assertUnauthenticated(await anonymous.get("/no/such/route"));
  });

  test("authenticated without permission → 403 `Permission denied`", async () => {
    const readerWrite = await anonymous.post(
      `${API}/registered-models/alias`,
      { name: "secured", alias: "x", version: "1" },
      { headers: basic("reader", "r") },
    );
    assert.deepEqual([readerWrite.status, readerWrite.text], [403, "Permission denied"]);
    const readerRead = await anonymous.get(`${API}/registered-models/get?name=secured`, {
      headers: basic("reader", "r"),
    });
    assert.equal(readerRead.status, 200);
    const nobody = await anonymous.get(`${API}/registered-models/get?name=secured`, {
      headers: basic("nobody", "n"),
    });
    assert.deepEqual([nobody.status, nobody.text], [403, "Permission denied"]);
  });

  test("the request log shows what credentials a client sent", async () => {
    server.clearRequests();
    await anonymous.get("/health", { headers: { authorization: "Bearer tok-123" } });
    const entry = await server.waitForRequest((e) => e.path === "/health");
    assert.equal(entry.requestHeaders.authorization, "Bearer tok-123");
  });
});

describe("§5 TLS with a private CA (MLFLOW_TRACKING_SERVER_CERT_PATH, CLIENT_CERT_PATH)", () => {
  let dir: string;
  let pki: TestPki;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), "mlflow-pki-"));
    pki = createTestPki(dir);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("https with the server's CA trusted → 200; a client trusting another CA fails", async () => {
    const server = await startMlflowServer({ tls: { cert: pki.serverCert, key: pki.serverKey } });
    const trusting = new Agent({ connect: { ca: pki.caCert } });
    // Trusts only another CA: the server's certificate must not verify.
    const foreign = new Agent({ connect: { ca: readFileSync(pki.foreignCaCertFile) } });
    try {
      assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/);
      const ok = await call(server.url, "GET", "/health", { dispatcher: trusting });
      assert.deepEqual([ok.status, ok.text], [200, "OK"]);
      await assert.rejects(
        call(server.url, "GET", "/health", { dispatcher: foreign }),
        (error: Error) => {
          const code =
            (error as { cause?: { code?: string } }).cause?.code ??
            (error as { code?: string }).code;
          return code === "UNABLE_TO_VERIFY_LEAF_SIGNATURE" || code === "SELF_SIGNED_CERT_IN_CHAIN";
        },
      );
    } finally {
      await trusting.close();
      await foreign.close();
      await server.close();
    }
  });

  test("with a required client certificate: none → handshake refused; the issued one → 200", async () => {
    const server = await startMlflowServer({
      tls: { cert: pki.serverCert, key: pki.serverKey, ca: pki.caCert, requireClientCert: true },
    });
    const withoutCert = new Agent({ connect: { ca: pki.caCert } });
    const withCert = new Agent({
      connect: { ca: pki.caCert, cert: pki.clientCert, key: pki.clientKey },
    });
    try {
      await assert.rejects(call(server.url, "GET", "/health", { dispatcher: withoutCert }));
      const ok = await call(server.url, "GET", "/health", { dispatcher: withCert });
      assert.deepEqual([ok.status, ok.text], [200, "OK"]);
      const published = await publishOnnxModel(server.url, {
        name: "tls",
        layout: "logged-model",
        files: { "model.onnx": Buffer.from("m") },
        dispatcher: withCert,
      });
      assert.equal(published.version, "1");
    } finally {
      await withoutCert.close();
      await withCert.close();
      await server.close();
    }
  });
});
