// triton-contract.md §1.8 and §8.5: explicit model load.
import assert from "node:assert/strict";
import { rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { request as rawRequest } from "node:http";
import { join } from "node:path";
import { describe, test } from "node:test";
import { irisModel } from "../../support/onnx/fixtures";
import { onnxConfig, writeModelDir, writeVersion } from "../../support/triton/repository-fixture";
import type { TritonHandle } from "../../support/triton/server";
import {
  http,
  index,
  irisInferBody,
  irisRepo,
  load,
  serve,
  serveExplicit,
  tempRepo,
  unload,
  until,
} from "./helpers";

const CONFIG_JSON = {
  name: "iris",
  backend: "onnxruntime",
  input: [{ name: "input", data_type: "TYPE_FP32", dims: [1, 4] }],
  output: [{ name: "probabilities", data_type: "TYPE_FP32", dims: [1, 3] }],
};

async function infer(h: TritonHandle, path = "/v2/models/iris/infer"): Promise<number[]> {
  const res = await http("POST", `${h.httpUrl}${path}`, { body: irisInferBody() });
  assert.equal(res.status, 200, res.text);
  return res.json().outputs[0].data;
}

async function inferenceCount(h: TritonHandle): Promise<number> {
  return (await http("GET", `${h.httpUrl}/v2/models/iris/stats`)).json().model_stats[0]
    .inference_count;
}

/** POST with a path sent verbatim (no URL normalization of `..`). */
function rawPost(h: TritonHandle, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = rawRequest({ host: "127.0.0.1", port: h.httpPort, method: "POST", path }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
      );
    });
    req.on("error", reject);
    req.end();
  });
}

describe("§1.8 load: success and blocking", () => {
  test("the call blocks until the load finished and answers 200 with an empty body", async (t) => {
    const h = await serveExplicit(t, irisRepo(t), []);
    h.setLoadDelay("iris", undefined, 300);
    const started = Date.now();
    const res = await load(h, "iris");
    assert.ok(Date.now() - started >= 300);
    assert.equal(res.status, 200);
    assert.equal(res.text, "");
    assert.equal(res.headers["content-type"], "application/json");
    assert.equal((await http("GET", `${h.httpUrl}/v2/models/iris/ready`)).status, 200);
  });

  test("no change on disk and no config: a no-op (change is detected by mtimes only)", async (t) => {
    const root = irisRepo(t, [1]);
    const h = await serveExplicit(t, root, ["iris"]);
    const before = await infer(h);
    assert.equal(await inferenceCount(h), 1);
    assert.equal((await load(h, "iris")).status, 200);
    assert.equal(await inferenceCount(h), 1, "not reloaded: the statistics survived");
    // Overwrite the model in place with an older mtime (as `cp -p` of an older file would):
    // Triton does not notice (§1.8 [inferred]).
    const file = join(root, "iris", "1", "model.onnx");
    const older = new Date(statSync(file).mtimeMs - 60_000);
    writeFileSync(file, irisModel({ variant: 7 }));
    utimesSync(file, older, older);
    assert.equal((await load(h, "iris")).status, 200);
    assert.deepEqual(await infer(h), before, "still the old model");
    // A newer mtime is a change: full reload.
    utimesSync(file, new Date(), new Date(Date.now() + 1000));
    assert.equal((await load(h, "iris")).status, 200);
    assert.notDeepEqual(await infer(h), before);
    assert.equal(await inferenceCount(h), 1, "reloaded: fresh statistics");
  });

  test("a failed load is retried in full next time", async (t) => {
    const h = await serveExplicit(t, irisRepo(t), []);
    h.failLoad("iris", 1, { code: "INTERNAL", message: "transient" });
    assert.equal((await load(h, "iris")).status, 400);
    h.failLoad("iris", 1, undefined);
    assert.equal((await load(h, "iris")).status, 200);
    assert.equal((await http("GET", `${h.httpUrl}/v2/models/iris/ready`)).status, 200);
  });
});

describe("§1.8 load: the config override", () => {
  test("`config` (protobuf JSON, proto field names) forces a load: a changed config reloads the version", async (t) => {
    const h = await serveExplicit(t, irisRepo(t), ["iris"]);
    await infer(h);
    const changed = { ...CONFIG_JSON, parameters: { note: { string_value: "v2" } } };
    const res = await load(h, "iris", { parameters: { config: JSON.stringify(changed) } });
    assert.equal(res.status, 200);
    assert.equal(res.text, "");
    assert.equal(await inferenceCount(h), 0, "reloaded: fresh statistics");
    const config = (await http("GET", `${h.httpUrl}/v2/models/iris/config`)).json();
    assert.deepEqual(config.parameters, { note: { string_value: "v2" } });
  });

  test("a `config` differing only in instance_group / version_policy updates the version in place", async (t) => {
    const h = await serveExplicit(t, irisRepo(t), ["iris"]);
    await infer(h);
    const sameModel = { ...CONFIG_JSON, instance_group: [{ kind: "KIND_CPU", count: 3 }] };
    const res = await load(h, "iris", { parameters: { config: JSON.stringify(sameModel) } });
    assert.equal(res.status, 200);
    assert.equal(await inferenceCount(h), 1, "not reloaded: statistics kept");
    const config = (await http("GET", `${h.httpUrl}/v2/models/iris/config`)).json();
    assert.equal(config.instance_group[0].count, 3);
  });

  test("unknown fields are rejected: the protocol doc's `inputs`/`datatype`/`shape` give 500", async (t) => {
    const h = await serveExplicit(t, irisRepo(t), ["iris"]);
    const docExample = {
      name: "iris",
      backend: "onnxruntime",
      inputs: [{ name: "input", datatype: "FP32", shape: [1, 4] }],
    };
    const res = await load(h, "iris", { parameters: { config: JSON.stringify(docExample) } });
    assert.equal(res.status, 500);
    assert.deepEqual(res.json(), {
      error: "failed to load 'iris', failed to poll from model repository",
    });
    assert.equal(
      (await http("GET", `${h.httpUrl}/v2/models/iris/ready`)).status,
      200,
      "still serving",
    );
  });

  test("a later plain load does not revert to config.pbtxt unless files on disk are newer", async (t) => {
    const root = irisRepo(t, [1, 2]);
    const h = await serveExplicit(t, root, ["iris"]);
    assert.deepEqual((await http("GET", `${h.httpUrl}/v2/models/iris`)).json().versions, ["2"]);
    const all = { ...CONFIG_JSON, version_policy: { all: {} } };
    assert.equal(
      (await load(h, "iris", { parameters: { config: JSON.stringify(all) } })).status,
      200,
    );
    assert.deepEqual((await http("GET", `${h.httpUrl}/v2/models/iris`)).json().versions, [
      "1",
      "2",
    ]);
    assert.equal((await load(h, "iris")).status, 200);
    assert.deepEqual(
      (await http("GET", `${h.httpUrl}/v2/models/iris`)).json().versions,
      ["1", "2"],
      "override kept",
    );
    const cfg = join(root, "iris", "config.pbtxt");
    utimesSync(cfg, new Date(), new Date(Date.now() + 60_000));
    assert.equal((await load(h, "iris")).status, 200);
    assert.deepEqual((await http("GET", `${h.httpUrl}/v2/models/iris`)).json().versions, ["2"]);
  });

  test("`file:` overrides require `config` (500); with it the model is built from the files only", async (t) => {
    const root = irisRepo(t, [1]);
    const h = await serveExplicit(t, root, ["iris"]);
    const fromRepo = await infer(h);
    const file = Buffer.from(irisModel({ variant: 9 })).toString("base64");
    const noConfig = await load(h, "iris", { parameters: { "file:2/model.onnx": file } });
    assert.equal(noConfig.status, 500);
    assert.deepEqual(noConfig.json(), {
      error: "failed to load 'iris', failed to poll from model repository",
    });
    // As in Triton's qa test_file_override: the override holds another version; the model is
    // then served from the override directory only (the repository's version 1 goes away).
    const ok = await load(h, "iris", {
      parameters: { config: JSON.stringify(CONFIG_JSON), "file:2/model.onnx": file },
    });
    assert.equal(ok.status, 200);
    assert.equal((await http("GET", `${h.httpUrl}/v2/models/iris/versions/2/ready`)).status, 200);
    assert.equal((await http("GET", `${h.httpUrl}/v2/models/iris/versions/1/ready`)).status, 503);
    assert.notDeepEqual(await infer(h), fromRepo);
    // After a file override the next plain load reloads from the repository directory.
    assert.equal((await load(h, "iris")).status, 200);
    assert.equal((await http("GET", `${h.httpUrl}/v2/models/iris/versions/1/ready`)).status, 200);
    assert.deepEqual(await infer(h), fromRepo);
  });

  test("every parameter value must be a JSON string, and only config / file: are known (500)", async (t) => {
    const h = await serveExplicit(t, irisRepo(t), []);
    const nonString = await load(h, "iris", { parameters: { config: { name: "iris" } } });
    assert.equal(nonString.status, 500);
    assert.deepEqual(nonString.json(), { error: "attempt to access JSON non-string as string" });
    const unknown = await load(h, "iris", { parameters: { version: "2" } });
    assert.equal(unknown.status, 500);
    assert.deepEqual(unknown.json(), { error: "unexpected error on creating Triton parameter" });
  });
});

describe("§1.8 load: failures", () => {
  test("under --model-control-mode=none or poll: 503 for load and unload", async (t) => {
    for (const mode of ["none", "poll"]) {
      const h = await serve(t, { modelRepository: irisRepo(t), modelControlMode: mode });
      for (const res of [await load(h, "iris"), await unload(h, "iris")]) {
        assert.equal(res.status, 503, mode);
        assert.deepEqual(res.json(), {
          error: "explicit model load / unload is not allowed if polling is enabled",
        });
      }
    }
  });

  test("a directory missing from every repository: 500 'failed to poll from model repository'", async (t) => {
    const h = await serveExplicit(t, tempRepo(t), []);
    const res = await load(h, "nothere");
    assert.equal(res.status, 500);
    assert.deepEqual(res.json(), {
      error: "failed to load 'nothere', failed to poll from model repository",
    });
  });

  test("config.pbtxt that fails to parse, or a name ≠ directory: the same 500; a served model keeps serving", async (t) => {
    const root = irisRepo(t, [1]);
    writeModelDir(root, "named", {
      config: onnxConfig("other_name"),
      versions: { "1": irisModel() },
    });
    const h = await serveExplicit(t, root, ["iris"]);
    writeFileSync(
      join(root, "iris", "config.pbtxt"),
      'name: "iris"\ninput [ { name: "input" data_type: TYPE_FP32 dims: [1, 4] }\n',
    );
    for (const name of ["iris", "named"]) {
      const res = await load(h, name);
      assert.equal(res.status, 500, name);
      assert.deepEqual(res.json(), {
        error: `failed to load '${name}', failed to poll from model repository`,
      });
    }
    await infer(h);
  });

  test("a backend failure: 400 'load failed for model …: version N is at UNAVAILABLE state: <Code>: <msg>;\\n'", async (t) => {
    const root = tempRepo(t);
    writeModelDir(root, "m", {
      config: onnxConfig("m", { inputDims: [4] }),
      versions: { "1": irisModel() },
    });
    const h = await serveExplicit(t, root, []);
    const res = await load(h, "m");
    assert.equal(res.status, 400);
    assert.deepEqual(res.json(), {
      error:
        "load failed for model 'm': version 1 is at UNAVAILABLE state: Invalid argument: model 'm', tensor 'input': the model expects 2 dimensions (shape [1,4]) but the model configuration specifies 1 dimensions (shape [4]);\n",
    });
  });

  test("no version directory matches the version policy: 400", async (t) => {
    const root = irisRepo(t, [1]);
    writeModelDir(root, "iris", {
      config: onnxConfig("iris", { versionPolicy: "{ specific { versions: [5] } }" }),
    });
    const h = await serveExplicit(t, root, []);
    const res = await load(h, "iris");
    assert.equal(res.status, 400);
    assert.deepEqual(res.json(), {
      error:
        "load failed for model 'iris': at least one version must be available under the version policy of model 'iris'\n",
    });
  });

  test("a model name with path traversal characters: 400", async (t) => {
    const h = await serveExplicit(t, tempRepo(t), []);
    for (const [path, name] of [
      ["/v2/repository/models/../load", ".."],
      ["/v2/repository/models/a%2Fb/load", "a/b"],
    ]) {
      const res = await rawPost(h, path!);
      assert.equal(res.status, 400, path);
      assert.deepEqual(JSON.parse(res.body), {
        error: `invalid model name '${name}', model name must not contain path traversal characters`,
      });
    }
    assert.deepEqual(await index(h), []);
  });

  test("a new version whose files appeared is loaded by the next plain load", async (t) => {
    const root = irisRepo(t, [1]);
    const h = await serveExplicit(t, root, ["iris"]);
    writeVersion(join(root, "iris"), 2, irisModel({ variant: 2 }));
    assert.equal((await load(h, "iris")).status, 200);
    assert.deepEqual(await index(h), [
      { name: "iris", version: "1", state: "UNAVAILABLE", reason: "unloaded" },
      { name: "iris", version: "2", state: "READY" },
    ]);
  });
});

describe("§2.1 poll mode", () => {
  test("new versions are loaded and removed models unloaded by the periodic scan, never by load calls", async (t) => {
    const root = irisRepo(t, [1]);
    const h = await serve(t, {
      modelRepository: root,
      modelControlMode: "poll",
      repositoryPollSecs: 0.1,
    });
    assert.deepEqual(await index(h), [{ name: "iris", version: "1", state: "READY" }]);
    writeVersion(join(root, "iris"), 2, irisModel({ variant: 2 }));
    await until(
      async () => (await http("GET", `${h.httpUrl}/v2/models/iris`)).json().versions?.[0] === "2",
    );
    assert.equal((await infer(h)).length, 3);
    rmSync(join(root, "iris"), { recursive: true });
    await until(async () => (await http("GET", `${h.httpUrl}/v2/models/iris`)).status === 404);
    assert.deepEqual(await index(h), []);
  });
});
