// The test server itself (not Triton behaviour): the CLI entry point, the admin endpoint, and the
// in-process controls (crash, restart, request log) other tests rely on.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { describe, test, type TestContext } from "node:test";
import { irisModel } from "../../support/onnx/fixtures";
import { writeVersion } from "../../support/triton/repository-fixture";
import { http, index, irisInferBody, irisRepo, serveExplicit } from "./helpers";

const MAIN = join(__dirname, "..", "..", "support", "triton", "main.ts");

function startChild(
  t: TestContext,
  args: string[],
): { child: ChildProcess; firstLine: Promise<string> } {
  const child = spawn(process.execPath, ["--import", "tsx", MAIN, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  const lines = createInterface({ input: child.stdout });
  const firstLine = new Promise<string>((resolve, reject) => {
    lines.once("line", resolve);
    child.once("exit", (code) =>
      reject(new Error(`triton-server exited with ${code} before printing its ports`)),
    );
  });
  // Tests that expect an early exit never read the line; the rejection is then expected.
  firstLine.catch(() => undefined);
  return { child, firstLine };
}

async function refusedOrReset(url: string): Promise<boolean> {
  try {
    await http("GET", url);
    return false;
  } catch {
    return true;
  }
}

describe("npm run triton-server (test/support/triton/main.ts)", () => {
  test("prints the bound ports as one JSON line; serves HTTP and metrics; the admin endpoint drives the controls", async (t) => {
    const root = irisRepo(t);
    const { child, firstLine } = startChild(t, [
      `--model-repository=${root}`,
      "--http-port=0",
      "--metrics-port=0",
      "--admin-port=0",
      "--model-control-mode=explicit",
      "--load-model=iris",
      "--metrics-config",
      "summary_latencies=true",
      "--strict-readiness=false",
    ]);
    const ports = JSON.parse(await firstLine) as {
      httpPort: number;
      metricsPort: number;
      adminPort: number;
    };
    assert.deepEqual(Object.keys(ports), ["httpPort", "metricsPort", "adminPort"]);
    const api = `http://127.0.0.1:${ports.httpPort}`;
    const admin = `http://127.0.0.1:${ports.adminPort}`;
    assert.equal((await http("GET", `${api}/v2/health/ready`)).status, 200);
    const metrics = await http("GET", `http://127.0.0.1:${ports.metricsPort}/metrics`);
    assert.match(
      metrics.text,
      /nv_inference_request_summary_us_count\{model="iris",version="1"\} 0/,
    );

    const fail = await http("PUT", `${admin}/admin/execution-failure`, {
      body: { model: "iris", code: "UNAVAILABLE", message: "overloaded" },
    });
    assert.equal(fail.status, 200);
    const failed = await http("POST", `${api}/v2/models/iris/infer`, { body: irisInferBody() });
    assert.deepEqual([failed.status, failed.json()], [503, { error: "overloaded" }]);
    assert.equal(
      (await http("DELETE", `${admin}/admin/execution-failure`, { body: { model: "iris" } }))
        .status,
      200,
    );
    assert.equal(
      (await http("POST", `${api}/v2/models/iris/infer`, { body: irisInferBody() })).status,
      200,
    );
    const log = (await http("GET", `${admin}/admin/request-log`)).json();
    assert.deepEqual(
      log.map((e: { model: string; servedVersion: number; status: number }) => [
        e.model,
        e.servedVersion,
        e.status,
      ]),
      [
        ["iris", 1, 503],
        ["iris", 1, 200],
      ],
    );
    const bad = await http("PUT", `${admin}/admin/latency`, { body: { model: "iris", ms: -1 } });
    assert.deepEqual(
      [bad.status, bad.json()],
      [400, { error: "'ms' must be a non-negative number, got -1" }],
    );

    assert.equal((await http("POST", `${admin}/admin/crash`)).status, 200);
    assert.equal(await refusedOrReset(`${api}/v2/health/live`), true);
    const restarted = await http("POST", `${admin}/admin/restart`);
    assert.deepEqual(restarted.json(), {
      httpPort: ports.httpPort,
      metricsPort: ports.metricsPort,
    });
    assert.equal((await http("GET", `${api}/v2/models/iris/ready`)).status, 200);

    child.kill("SIGTERM");
    const [code] = (await once(child, "exit")) as [number | null];
    assert.equal(code, 0);
  });

  test("a startup model that fails to load: exit code 1 and 'failed to load all models' on stderr", async (t) => {
    const { child } = startChild(t, [
      `--model-repository=${irisRepo(t)}`,
      "--model-control-mode=explicit",
      "--load-model=missing",
      "--http-port=0",
      "--metrics-port=0",
    ]);
    let stderr = "";
    child.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
    const [code] = (await once(child, "exit")) as [number | null];
    assert.equal(code, 1);
    assert.match(stderr, /error: failed to load all models\n$/);
  });
});

describe("in-process controls", () => {
  test("crash drops connections and state; restart reloads the startup models from the repository on the same ports", async (t) => {
    const root = irisRepo(t, [1]);
    const h = await serveExplicit(t, root, ["iris"]);
    const port = h.httpPort;
    h.setLatency("iris", undefined, 1_000);
    const inflight = http("POST", `${h.httpUrl}/v2/models/iris/infer`, { body: irisInferBody() });
    const settled = inflight.then(
      () => "answered",
      () => "connection dropped",
    );
    await new Promise<void>((resolve) => {
      const check = () => (h.inflightRequests("iris") === 1 ? resolve() : setTimeout(check, 5));
      check();
    });
    await h.crash();
    assert.equal(await settled, "connection dropped");
    assert.equal(h.running, false);
    assert.equal(await refusedOrReset(`${h.httpUrl}/v2/health/live`), true);

    // A new version appeared while the server was down: the restart loads what is on disk.
    writeVersion(join(root, "iris"), 2, irisModel({ variant: 2 }));
    h.setLatency("iris", undefined, 0);
    await h.restart();
    assert.equal(h.httpPort, port);
    assert.deepEqual(await index(h), [{ name: "iris", version: "2", state: "READY" }]);
    const res = await http("POST", `${h.httpUrl}/v2/models/iris/infer`, { body: irisInferBody() });
    assert.equal(res.json().model_version, "2");
    assert.deepEqual(
      h.requestLog().map((e) => [e.requestedVersion, e.servedVersion, e.status]),
      [[undefined, 2, 200]],
      "the in-flight request that was cut off is not logged as answered; the log survives the restart",
    );
  });
});
