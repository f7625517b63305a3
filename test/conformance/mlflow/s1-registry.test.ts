// mlflow-contract.md §1.1 — Model Registry endpoints, ModelVersion / RegisteredModel objects,
// statuses, deleted versions, alias upsert and re-pointing; §8 items 1–3 and 8.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startMlflowServer, type MlflowHandle } from "../../support/mlflow";
import { API, client, type Client } from "./helpers";

const T = 1_750_000_000_000;

async function createVersion(http: Client, name: string, source: string, extra: object = {}) {
  const res = await http.post(`${API}/model-versions/create`, { name, source, ...extra });
  assert.equal(res.status, 200, res.text);
  return res.json.model_version as { version: string };
}

describe("§1.1 registry", () => {
  let server: MlflowHandle;
  let http: Client;

  before(async () => {
    server = await startMlflowServer({ now: () => T });
    http = client(server);
    await http.post(`${API}/registered-models/create`, { name: "detector" });
    await createVersion(http, "detector", "mlflow-artifacts:/0/r1/artifacts/model");
    await createVersion(http, "detector", "mlflow-artifacts:/0/r2/artifacts/model");
    await createVersion(http, "detector", "mlflow-artifacts:/0/r3/artifacts/model");
  });
  after(() => server.close());

  describe("GET registered-models/alias", () => {
    test("answers {model_version} with string version, READY, aliases, source", async () => {
      await http.post(`${API}/registered-models/alias`, {
        name: "detector",
        alias: "champion",
        version: "2",
      });
      const res = await http.get(`${API}/registered-models/alias?name=detector&alias=champion`);
      assert.equal(res.status, 200);
      assert.deepEqual(res.json, {
        model_version: {
          name: "detector",
          version: "2",
          creation_timestamp: T,
          last_updated_timestamp: T,
          current_stage: "None",
          source: "mlflow-artifacts:/0/r2/artifacts/model",
          status: "READY",
          aliases: ["champion"],
        },
      });
    });
  });

  describe("POST / DELETE registered-models/alias", () => {
    test("set answers {} and re-pointing an existing alias silently replaces it", async () => {
      const first = await http.post(`${API}/registered-models/alias`, {
        name: "detector",
        alias: "candidate",
        version: "1",
      });
      assert.deepEqual([first.status, first.json], [200, {}]);
      const repoint = await http.post(`${API}/registered-models/alias`, {
        name: "detector",
        alias: "candidate",
        version: "3",
      });
      assert.deepEqual([repoint.status, repoint.json], [200, {}]);
      const now = await http.get(`${API}/registered-models/alias?name=detector&alias=candidate`);
      assert.equal(now.json.model_version.version, "3");
      const v1 = await http.get(`${API}/model-versions/get?name=detector&version=1`);
      assert.equal("aliases" in v1.json.model_version, false);
    });

    test("delete answers {}; deleting an alias that does not exist is a no-op", async () => {
      await http.post(`${API}/registered-models/alias`, {
        name: "detector",
        alias: "temp",
        version: "1",
      });
      const del = await http.del(`${API}/registered-models/alias`, {
        name: "detector",
        alias: "temp",
      });
      assert.deepEqual([del.status, del.json], [200, {}]);
      const again = await http.del(`${API}/registered-models/alias`, {
        name: "detector",
        alias: "temp",
      });
      assert.deepEqual([again.status, again.json], [200, {}]);
      const gone = await http.get(`${API}/registered-models/alias?name=detector&alias=temp`);
      assert.equal(gone.status, 400);
    });

    test("delete on a model that does not exist → 404", async () => {
      const res = await http.del(`${API}/registered-models/alias`, { name: "nope", alias: "a" });
      assert.equal(res.status, 404);
      assert.deepEqual(res.json, {
        error_code: "RESOURCE_DOES_NOT_EXIST",
        message: "Registered Model with name=nope not found",
      });
    });

    test("set validates the alias name (characters, reserved `latest` and `v<digits>`)", async () => {
      const cases: [string, string][] = [
        [
          "bad alias!",
          "Invalid alias name: 'bad alias!'. Names may only contain alphanumerics, underscores (_), and dashes (-).",
        ],
        ["latest", "'latest' alias name (case insensitive) is reserved."],
        ["LaTeSt", "'latest' alias name (case insensitive) is reserved."],
        ["v3", "Version alias name 'v3' is reserved."],
        ["V12", "Version alias name 'V12' is reserved."],
      ];
      for (const [alias, message] of cases) {
        const res = await http.post(`${API}/registered-models/alias`, {
          name: "detector",
          alias,
          version: "1",
        });
        assert.equal(res.status, 400, alias);
        assert.deepEqual(res.json, { error_code: "INVALID_PARAMETER_VALUE", message }, alias);
      }
    });

    test("set to a version that does not exist → 404 Model Version not found", async () => {
      const res = await http.post(`${API}/registered-models/alias`, {
        name: "detector",
        alias: "champion",
        version: "99",
      });
      assert.equal(res.status, 404);
      assert.deepEqual(res.json, {
        error_code: "RESOURCE_DOES_NOT_EXIST",
        message: "Model Version (name=detector, version=99) not found",
      });
    });
  });

  describe("`latest`", () => {
    test("GET …/alias?alias=latest → 400 reserved (older servers, the default)", async () => {
      const res = await http.get(`${API}/registered-models/alias?name=detector&alias=latest`);
      assert.equal(res.status, 400);
      assert.deepEqual(res.json, {
        error_code: "INVALID_PARAMETER_VALUE",
        message: "'latest' alias name (case insensitive) is reserved.",
      });
    });

    test("with the ≥3.3 switch, `latest` resolves to the newest version", async () => {
      server.setSwitches({ latestAlias: "newest-version" });
      try {
        const res = await http.get(`${API}/registered-models/alias?name=detector&alias=latest`);
        assert.equal(res.status, 200);
        assert.equal(res.json.model_version.version, "3");
      } finally {
        server.setSwitches({ latestAlias: "reserved" });
      }
    });
  });

  describe("GET registered-models/get", () => {
    test("answers name, timestamps, latest_versions, aliases as {alias, version}; no user_id", async () => {
      await http.post(`${API}/registered-models/create`, { name: "shape" });
      await createVersion(http, "shape", "s3://bucket/a");
      await http.post(`${API}/registered-models/alias`, {
        name: "shape",
        alias: "prod",
        version: "1",
      });
      const res = await http.get(`${API}/registered-models/get?name=shape`);
      assert.equal(res.status, 200);
      assert.deepEqual(res.json, {
        registered_model: {
          name: "shape",
          creation_timestamp: T,
          last_updated_timestamp: T,
          latest_versions: [
            {
              name: "shape",
              version: "1",
              creation_timestamp: T,
              last_updated_timestamp: T,
              current_stage: "None",
              source: "s3://bucket/a",
              status: "READY",
              aliases: ["prod"],
            },
          ],
          aliases: [{ alias: "prod", version: "1" }],
        },
      });
    });

    test("creating the same model twice → 400 RESOURCE_ALREADY_EXISTS", async () => {
      const res = await http.post(`${API}/registered-models/create`, { name: "detector" });
      assert.equal(res.status, 400);
      assert.deepEqual(res.json, {
        error_code: "RESOURCE_ALREADY_EXISTS",
        message: "Registered Model (name=detector) already exists.",
      });
    });
  });

  describe("model-versions/get and get-download-uri", () => {
    test("get answers {model_version}", async () => {
      const res = await http.get(`${API}/model-versions/get?name=detector&version=1`);
      assert.equal(res.status, 200);
      assert.equal(res.json.model_version.source, "mlflow-artifacts:/0/r1/artifacts/model");
    });

    test("get-download-uri answers {artifact_uri} = the source when no storage location is set", async () => {
      const res = await http.get(`${API}/model-versions/get-download-uri?name=detector&version=1`);
      assert.deepEqual(
        [res.status, res.json],
        [200, { artifact_uri: "mlflow-artifacts:/0/r1/artifacts/model" }],
      );
    });

    test("a version of a model that does not exist → 404 Model Version not found", async () => {
      const res = await http.get(`${API}/model-versions/get?name=ghost&version=1`);
      assert.equal(res.status, 404);
      assert.deepEqual(res.json, {
        error_code: "RESOURCE_DOES_NOT_EXIST",
        message: "Model Version (name=ghost, version=1) not found",
      });
    });

    test("create on a model that does not exist → 404 Registered Model not found", async () => {
      const res = await http.post(`${API}/model-versions/create`, {
        name: "ghost",
        source: "s3://b/k",
      });
      assert.equal(res.status, 404);
      assert.deepEqual(res.json, {
        error_code: "RESOURCE_DOES_NOT_EXIST",
        message: "Registered Model with name=ghost not found",
      });
    });
  });

  describe("model-versions/search and get-latest-versions", () => {
    test("search with filter name='x' answers that model's versions", async () => {
      const res = await http.get(
        `${API}/model-versions/search?filter=${encodeURIComponent("name='detector'")}`,
      );
      assert.equal(res.status, 200);
      assert.deepEqual(
        res.json.model_versions.map((v: { version: string }) => v.version),
        ["3", "2", "1"],
      );
      assert.equal("next_page_token" in res.json, false);
    });

    test("max_results pages with next_page_token; more than 200000 → 400", async () => {
      const filter = encodeURIComponent("name='detector'");
      const first = await http.get(`${API}/model-versions/search?filter=${filter}&max_results=2`);
      assert.equal(first.json.model_versions.length, 2);
      assert.equal(typeof first.json.next_page_token, "string");
      const second = await http.get(
        `${API}/model-versions/search?filter=${filter}&max_results=2&page_token=${encodeURIComponent(first.json.next_page_token)}`,
      );
      assert.deepEqual(
        second.json.model_versions.map((v: { version: string }) => v.version),
        ["1"],
      );
      assert.equal("next_page_token" in second.json, false);
      const tooMany = await http.get(`${API}/model-versions/search?max_results=200001`);
      assert.equal(tooMany.status, 400);
      assert.equal(tooMany.json.error_code, "INVALID_PARAMETER_VALUE");
    });

    test("get-latest-versions (GET and POST) answers the newest version per stage", async () => {
      const get = await http.get(`${API}/registered-models/get-latest-versions?name=detector`);
      assert.deepEqual(
        get.json.model_versions.map((v: { version: string; current_stage: string }) => [
          v.version,
          v.current_stage,
        ]),
        [["3", "None"]],
      );
      const post = await http.post(`${API}/registered-models/get-latest-versions`, {
        name: "detector",
        stages: ["None"],
      });
      assert.deepEqual(post.json, get.json);
      const none = await http.post(`${API}/registered-models/get-latest-versions`, {
        name: "detector",
        stages: ["Production"],
      });
      assert.deepEqual(none.json, {});
    });
  });

  describe("statuses", () => {
    test("an async registry's version is PENDING_REGISTRATION for N reads, then READY", async () => {
      await http.post(`${API}/registered-models/create`, { name: "async" });
      server.setSwitches({ asyncRegistration: { pendingReads: 2, outcome: "READY" } });
      try {
        const created = await createVersion(http, "async", "s3://b/async");
        assert.equal((created as unknown as { status: string }).status, "PENDING_REGISTRATION");
      } finally {
        server.setSwitches({ asyncRegistration: undefined });
      }
      const statuses: string[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await http.get(`${API}/model-versions/get?name=async&version=1`);
        statuses.push(res.json.model_version.status);
      }
      assert.deepEqual(statuses, ["PENDING_REGISTRATION", "PENDING_REGISTRATION", "READY"]);
    });

    test("FAILED_REGISTRATION with a status message; latest_versions lists only READY", async () => {
      await http.post(`${API}/registered-models/create`, { name: "failing" });
      await createVersion(http, "failing", "s3://b/ok");
      server.setSwitches({
        asyncRegistration: {
          pendingReads: 0,
          outcome: "FAILED_REGISTRATION",
          statusMessage: "copy failed",
        },
      });
      try {
        await createVersion(http, "failing", "s3://b/bad");
      } finally {
        server.setSwitches({ asyncRegistration: undefined });
      }
      const read = await http.get(`${API}/model-versions/get?name=failing&version=2`);
      assert.equal(read.json.model_version.status, "FAILED_REGISTRATION");
      assert.equal(read.json.model_version.status_message, "copy failed");
      const model = await http.get(`${API}/registered-models/get?name=failing`);
      assert.deepEqual(
        model.json.registered_model.latest_versions.map((v: { version: string }) => v.version),
        ["1"],
      );
    });

    test("the test-control API sets a status directly", async () => {
      server.setModelVersionStatus("failing", "1", "PENDING_REGISTRATION");
      const res = await http.get(`${API}/model-versions/get?name=failing&version=1`);
      assert.equal(res.json.model_version.status, "PENDING_REGISTRATION");
      server.setModelVersionStatus("failing", "1", "READY");
    });
  });

  describe("deleted versions", () => {
    test("a deleted version answers 404, loses its aliases, and its number is not reused", async () => {
      await http.post(`${API}/registered-models/create`, { name: "deleting" });
      await createVersion(http, "deleting", "s3://b/1");
      await createVersion(http, "deleting", "s3://b/2");
      await http.post(`${API}/registered-models/alias`, {
        name: "deleting",
        alias: "prod",
        version: "2",
      });
      const del = await http.del(`${API}/model-versions/delete`, {
        name: "deleting",
        version: "2",
      });
      assert.deepEqual([del.status, del.json], [200, {}]);
      const get = await http.get(`${API}/model-versions/get?name=deleting&version=2`);
      assert.equal(get.status, 404);
      assert.deepEqual(get.json, {
        error_code: "RESOURCE_DOES_NOT_EXIST",
        message: "Model Version (name=deleting, version=2) not found",
      });
      const uri = await http.get(`${API}/model-versions/get-download-uri?name=deleting&version=2`);
      assert.equal(uri.status, 404);
      const alias = await http.get(`${API}/registered-models/alias?name=deleting&alias=prod`);
      assert.deepEqual(
        [alias.status, alias.json.message],
        [400, "Registered model alias prod not found."],
      );
      const next = await createVersion(http, "deleting", "s3://b/3");
      assert.equal(next.version, "3");
    });
  });

  describe("model-version tags", () => {
    test("set-tag / delete-tag; a sha256 tag shows in `tags`", async () => {
      const digest = "a".repeat(64);
      const set = await http.post(`${API}/model-versions/set-tag`, {
        name: "detector",
        version: "1",
        key: "sha256",
        value: digest,
      });
      assert.deepEqual([set.status, set.json], [200, {}]);
      const tagged = await http.get(`${API}/model-versions/get?name=detector&version=1`);
      assert.deepEqual(tagged.json.model_version.tags, [{ key: "sha256", value: digest }]);
      const del = await http.del(`${API}/model-versions/delete-tag`, {
        name: "detector",
        version: "1",
        key: "sha256",
      });
      assert.deepEqual([del.status, del.json], [200, {}]);
      const untagged = await http.get(`${API}/model-versions/get?name=detector&version=1`);
      assert.equal("tags" in untagged.json.model_version, false);
    });

    test("set-tag on a version that does not exist → 404", async () => {
      const res = await http.post(`${API}/model-versions/set-tag`, {
        name: "detector",
        version: "42",
        key: "sha256",
        value: "x",
      });
      assert.equal(res.status, 404);
      assert.equal(res.json.message, "Model Version (name=detector, version=42) not found");
    });
  });
});
