// triton-contract.md §1.1, §1.2, §2.1 and §8.2: health, readiness (strict by default), startup.
import assert from "node:assert/strict";
import { createServer, connect } from "node:net";
import { join } from "node:path";
import { describe, test } from "node:test";
import { irisModel } from "../../support/onnx/fixtures";
import { onnxConfig, writeModelDir, writeVersion } from "../../support/triton/repository-fixture";
import { TestControls, startTritonServer } from "../../support/triton/server";
import { http, index, irisRepo, load, serve, serveExplicit, tempRepo, until } from "./helpers";

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect(port, "127.0.0.1");
    sock.once("connect", () => {
      sock.destroy();
      resolve(false);
    });
    sock.once("error", (e: NodeJS.ErrnoException) => resolve(e.code === "ECONNREFUSED"));
  });
}

describe("§1.1 health endpoints", () => {
  test("live and ready answer 200 with an empty body", async (t) => {
    const h = await serveExplicit(t, irisRepo(t), ["iris"]);
    for (const kind of ["live", "ready"]) {
      const res = await http("GET", `${h.httpUrl}/v2/health/${kind}`);
      assert.equal(res.status, 200, kind);
      assert.equal(res.text, "", kind);
    }
  });

  test("§1.2 GET /v2 is the server metadata", async (t) => {
    const h = await serveExplicit(t, irisRepo(t), []);
    const res = await http("GET", `${h.httpUrl}/v2`);
    assert.equal(res.status, 200);
    // The version is the server's default (options.ts); the extensions are §1.2's list, in order.
    assert.deepEqual(res.json(), {
      name: "triton",
      version: "2.73.0dev",
      extensions: [
        "classification",
        "sequence",
        "model_repository",
        "model_repository(unload_dependents)",
        "schedule_policy",
        "model_configuration",
        "system_shared_memory",
        "cuda_shared_memory",
        "binary_tensor_data",
        "parameters",
        "statistics",
        "trace",
        "logging",
      ],
    });
  });
});

describe("§1.1 strict readiness (the default)", () => {
  test("a failed load of a new version flips ready to 400 (empty body) while live stays 200", async (t) => {
    const root = irisRepo(t, [1]);
    const h = await serveExplicit(t, root, ["iris"]);
    h.failLoad("iris", 2, { code: "INTERNAL", message: "GPU instances not supported" });
    writeVersion(join(root, "iris"), 2, irisModel({ variant: 2 }));
    assert.equal((await load(h, "iris")).status, 400);
    const ready = await http("GET", `${h.httpUrl}/v2/health/ready`);
    assert.equal(ready.status, 400);
    assert.equal(ready.text, "");
    assert.equal((await http("GET", `${h.httpUrl}/v2/health/live`)).status, 200);
  });

  test("ready is 400 while a version is LOADING, and 200 again once it is READY", async (t) => {
    const root = irisRepo(t, [1]);
    const h = await serveExplicit(t, root, []);
    h.setLoadDelay("iris", undefined, 400);
    const loading = load(h, "iris");
    await until(async () => (await index(h)).some((e) => e.state === "LOADING"));
    assert.deepEqual(await index(h), [{ name: "iris", version: "1", state: "LOADING" }]);
    assert.equal((await http("GET", `${h.httpUrl}/v2/health/ready`)).status, 400);
    assert.equal((await loading).status, 200);
    assert.equal((await http("GET", `${h.httpUrl}/v2/health/ready`)).status, 200);
  });

  test("a version UNAVAILABLE with reason 'unloaded' does not count against readiness", async (t) => {
    const h = await serveExplicit(t, irisRepo(t), ["iris"]);
    assert.equal((await http("POST", `${h.httpUrl}/v2/repository/models/iris/unload`)).status, 200);
    await until(async () => (await index(h))[0]?.reason === "unloaded");
    assert.equal((await http("GET", `${h.httpUrl}/v2/health/ready`)).status, 200);
  });

  test("--strict-readiness=false: ready stays 200 after a failed new version", async (t) => {
    const root = irisRepo(t, [1]);
    const h = await serveExplicit(t, root, ["iris"], { strictReadiness: false });
    h.failLoad("iris", 2, { message: "boom" });
    writeVersion(join(root, "iris"), 2, irisModel());
    assert.equal((await load(h, "iris")).status, 400);
    assert.equal((await http("GET", `${h.httpUrl}/v2/health/ready`)).status, 200);
  });
});

describe("§1.1/§8.2 startup", () => {
  test("no port listens until the startup models have loaded", async (t) => {
    const root = irisRepo(t);
    const [httpPort, metricsPort] = [await freePort(), await freePort()];
    const controls = new TestControls();
    controls.setLoadDelay("iris", undefined, 300);
    let started = false;
    const starting = startTritonServer({
      modelRepository: root,
      modelControlMode: "explicit",
      loadModels: ["iris"],
      httpPort,
      metricsPort,
      controls,
    }).then((h) => {
      started = true;
      return h;
    });
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(started, false);
    assert.equal(await refused(httpPort), true);
    assert.equal(await refused(metricsPort), true);
    const h = await starting;
    t.after(() => h.stop());
    assert.equal(h.httpPort, httpPort);
    assert.equal((await http("GET", `${h.httpUrl}/v2/health/ready`)).status, 200);
  });

  test("--exit-on-error (default true): a failing startup model fails startup with 'failed to load all models'", async (t) => {
    const root = tempRepo(t);
    writeModelDir(root, "broken", {
      config: onnxConfig("broken", { inputDims: [4] }),
      versions: { "1": irisModel() },
    });
    await assert.rejects(
      startTritonServer({
        modelRepository: root,
        modelControlMode: "explicit",
        loadModels: ["broken"],
      }),
      { message: "failed to load all models" },
    );
  });

  test("--exit-on-error=false: the server starts, live 200, ready 400 (a model with no version is not ready)", async (t) => {
    const root = tempRepo(t);
    writeModelDir(root, "empty", { config: onnxConfig("empty") });
    const h = await serve(t, { modelRepository: root, exitOnError: false });
    assert.equal((await http("GET", `${h.httpUrl}/v2/health/live`)).status, 200);
    assert.equal((await http("GET", `${h.httpUrl}/v2/health/ready`)).status, 400);
  });

  test("model control none loads every model at startup; explicit loads only --load-model (or * for all)", async (t) => {
    const root = irisRepo(t);
    writeModelDir(root, "other", { config: onnxConfig("other"), versions: { "1": irisModel() } });
    const none = await serve(t, { modelRepository: root });
    assert.deepEqual(
      (await index(none)).map((e) => `${e.name}:${e.state}`),
      ["iris:READY", "other:READY"],
    );
    const explicit = await serveExplicit(t, root, ["iris"]);
    assert.deepEqual(await index(explicit), [
      { name: "iris", version: "1", state: "READY" },
      { name: "other" },
    ]);
    const star = await serveExplicit(t, root, ["*"]);
    assert.deepEqual(
      (await index(star)).map((e) => `${e.name}:${e.state}`),
      ["iris:READY", "other:READY"],
    );
  });

  test("§2.1 flag errors: --load-model needs explicit mode; '*' must be alone", async (t) => {
    const root = tempRepo(t);
    await assert.rejects(startTritonServer({ modelRepository: root, loadModels: ["m"] }), {
      message:
        "Error: Use of '--load-model' requires setting '--model-control-mode=explicit' as well.",
    });
    await assert.rejects(
      startTritonServer({
        modelRepository: root,
        modelControlMode: "explicit",
        loadModels: ["*", "m"],
      }),
      { message: "Wildcard model name '*' must be the ONLY startup model if specified at all." },
    );
  });
});
