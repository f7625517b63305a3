// mlflow-contract.md §4 — errors: the JSON envelope, error_code → HTTP status, the exact
// messages, and the failures that are not JSON at all; §8 "Error bodies", "Non-JSON failures".
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startMlflowServer, type MlflowHandle } from "../../support/mlflow";
import { httpStatusForErrorCode, werkzeugErrorPage } from "../../support/mlflow/errors";
import { API, ARTIFACTS, FLASK_404_HTML, client, missingParam, type Client } from "./helpers";

describe("§4 errors", () => {
  let server: MlflowHandle;
  let http: Client;

  before(async () => {
    server = await startMlflowServer();
    http = client(server);
    await http.post(`${API}/registered-models/create`, { name: "m" });
    await http.post(`${API}/model-versions/create`, { name: "m", source: "s3://b/k" });
  });
  after(() => server.close());

  describe("error_code → HTTP status", () => {
    test("maps every code of the table; unknown codes → 500", () => {
      const table: [string, number][] = [
        ["RESOURCE_DOES_NOT_EXIST", 404],
        ["INVALID_PARAMETER_VALUE", 400],
        ["PERMISSION_DENIED", 403],
        ["UNAUTHENTICATED", 401],
        ["CUSTOMER_UNAUTHORIZED", 401],
        ["INTERNAL_ERROR", 500],
        ["INVALID_STATE", 500],
        ["DATA_LOSS", 500],
        ["NOT_FOUND", 404],
        ["ENDPOINT_NOT_FOUND", 404],
        ["BAD_REQUEST", 400],
        ["RESOURCE_ALREADY_EXISTS", 400],
        ["ALREADY_EXISTS", 409],
        ["RESOURCE_CONFLICT", 409],
        ["ABORTED", 409],
        ["REQUEST_LIMIT_EXCEEDED", 429],
        ["RESOURCE_EXHAUSTED", 429],
        ["TEMPORARILY_UNAVAILABLE", 503],
        ["NOT_IMPLEMENTED", 501],
        ["DEADLINE_EXCEEDED", 504],
        ["CANCELLED", 499],
        ["SOMETHING_NEW", 500],
      ];
      assert.deepEqual(
        table.map(([code]) => [code, httpStatusForErrorCode(code)]),
        table,
      );
    });
  });

  describe("JSON error bodies with the exact messages", () => {
    const cases: [string, string, number, { error_code: string; message: string }][] = [
      [
        "alias not set",
        `${API}/registered-models/alias?name=m&alias=champion`,
        400,
        {
          error_code: "INVALID_PARAMETER_VALUE",
          message: "Registered model alias champion not found.",
        },
      ],
      [
        "alias lookup on a missing model (SQL-store read, the default)",
        `${API}/registered-models/alias?name=ghost&alias=champion`,
        400,
        {
          error_code: "INVALID_PARAMETER_VALUE",
          message: "Registered model alias champion not found.",
        },
      ],
      [
        "registered model missing",
        `${API}/registered-models/get?name=ghost`,
        404,
        {
          error_code: "RESOURCE_DOES_NOT_EXIST",
          message: "Registered Model with name=ghost not found",
        },
      ],
      [
        "model version missing",
        `${API}/model-versions/get?name=m&version=5`,
        404,
        {
          error_code: "RESOURCE_DOES_NOT_EXIST",
          message: "Model Version (name=m, version=5) not found",
        },
      ],
      [
        "run missing",
        `${API}/runs/get?run_id=abc123`,
        404,
        { error_code: "RESOURCE_DOES_NOT_EXIST", message: "Run with id=abc123 not found" },
      ],
      [
        "required param absent (alias)",
        `${API}/registered-models/alias?name=m`,
        400,
        missingParam("alias"),
      ],
      [
        "required param absent (name)",
        `${API}/model-versions/get?version=1`,
        400,
        missingParam("name"),
      ],
      [
        "required param absent (version)",
        `${API}/model-versions/get?name=m`,
        400,
        missingParam("version"),
      ],
    ];
    for (const [name, path, status, body] of cases) {
      test(`${name} → ${status} ${body.error_code}`, async () => {
        const res = await http.get(path);
        assert.equal(res.status, status);
        assert.equal(res.headers["content-type"], "application/json");
        assert.deepEqual(res.json, body);
      });
    }

    test("the switch gives the 404 of newer stores for an alias lookup on a missing model", async () => {
      server.setSwitches({ aliasLookupOnMissingModel: "model-not-found" });
      try {
        const res = await http.get(`${API}/registered-models/alias?name=ghost&alias=champion`);
        assert.equal(res.status, 404);
        assert.deepEqual(res.json, {
          error_code: "RESOURCE_DOES_NOT_EXIST",
          message: "Registered Model with name=ghost not found",
        });
        // An existing model without the alias still answers the 400.
        const unset = await http.get(`${API}/registered-models/alias?name=m&alias=champion`);
        assert.equal(unset.status, 400);
      } finally {
        server.setSwitches({ aliasLookupOnMissingModel: "alias-not-found" });
      }
    });

    test("an empty alias is caught as a missing required parameter before the name check", async () => {
      const res = await http.post(`${API}/registered-models/alias`, {
        name: "m",
        alias: "",
        version: "1",
      });
      assert.deepEqual([res.status, res.json], [400, missingParam("alias")]);
    });
  });

  describe("non-JSON failures", () => {
    test("unknown route → Flask 404 HTML", async () => {
      for (const path of ["/api/2.0/mlflow/not-an-endpoint", "/api/2.1/mlflow/runs/get", "/"]) {
        const res = await http.get(path);
        assert.equal(res.status, 404, path);
        assert.equal(res.headers["content-type"], "text/html; charset=utf-8");
        assert.equal(res.text, FLASK_404_HTML);
      }
    });

    test("a known route with the wrong method → Flask 405 HTML with Allow", async () => {
      const res = await http.call("PUT", `${API}/model-versions/get`);
      assert.equal(res.status, 405);
      assert.equal(res.headers.allow, "GET, HEAD, OPTIONS");
      assert.equal(res.text, werkzeugErrorPage(405));
    });

    test("503 plain text when the proxy is disabled", async () => {
      server.setSwitches({ serveArtifacts: false });
      try {
        const res = await http.get(`${ARTIFACTS}/1/x`);
        assert.equal(res.status, 503);
        assert.equal(res.json, undefined);
        assert.match(
          res.text,
          /^Endpoint: .* disabled due to the mlflow server running with `--no-serve-artifacts`/,
        );
      } finally {
        server.setSwitches({ serveArtifacts: true });
      }
    });

    test("500 on a missing artifact through send_file → Flask HTML, not JSON", async () => {
      const run = await http.post(`${API}/runs/create`, { experiment_id: "0" });
      const res = await http.get(
        `/get-artifact?path=model.onnx&run_id=${run.json.run.info.run_id}`,
      );
      assert.equal(res.status, 500);
      assert.equal(res.text, werkzeugErrorPage(500));
    });

    test("401 and 403 are plain text (see s5-auth-tls for every case)", async () => {
      const secured = await startMlflowServer({
        auth: { users: [{ username: "reader", password: "pw", permission: "READ" }] },
      });
      try {
        const anonymous = await client(secured).get(`${API}/registered-models/get?name=m`);
        assert.equal(anonymous.status, 401);
        assert.equal(anonymous.json, undefined);
        assert.equal(anonymous.headers["www-authenticate"], 'Basic realm="mlflow"');
        const reader = client(secured, {
          headers: { authorization: `Basic ${Buffer.from("reader:pw").toString("base64")}` },
        });
        const write = await reader.post(`${API}/registered-models/create`, { name: "x" });
        assert.deepEqual([write.status, write.text], [403, "Permission denied"]);
      } finally {
        await secured.close();
      }
    });
  });
});
