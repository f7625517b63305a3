// The test server's own promises (issue 4): seeding only through MLflow's write endpoints,
// state that survives a restart on the same data directory, and the standalone entry point
// `npm run mlflow-server -- --port=<p> --data=<dir>`.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { publishOnnxModel, startMlflowServer } from "../../support/mlflow";
import { parseArgs } from "../../support/mlflow/main";
import { API, ARTIFACTS, bytes, call, client, sha256 } from "./helpers";

const MAIN = join(__dirname, "../../support/mlflow/main.ts");

describe("seeding through MLflow's write endpoints", () => {
  test("publishOnnxModel creates the model once, tags, aliases, and returns what it made", async () => {
    const server = await startMlflowServer();
    try {
      const first = await publishOnnxModel(server.url, {
        name: "seeded",
        layout: "run-artifacts",
        files: { "model.onnx": bytes(64, 1) },
        alias: "champion",
        sha256Tag: true,
        tags: { team: "vision" },
      });
      const second = await publishOnnxModel(server.url, {
        name: "seeded",
        layout: "logged-model",
        files: { "model.onnx": bytes(64, 2) },
        alias: "champion",
        sha256Tag: "0".repeat(64),
      });
      assert.deepEqual([first.version, second.version], ["1", "2"]);
      assert.equal(first.modelSha256, sha256(bytes(64, 1)));
      const v1 = await client(server).get(`${API}/model-versions/get?name=seeded&version=1`);
      assert.deepEqual(v1.json.model_version.tags, [
        { key: "team", value: "vision" },
        { key: "sha256", value: sha256(bytes(64, 1)) },
      ]);
      const alias = await client(server).get(
        `${API}/registered-models/alias?name=seeded&alias=champion`,
      );
      assert.equal(alias.json.model_version.version, "2");
      assert.deepEqual(alias.json.model_version.tags, [{ key: "sha256", value: "0".repeat(64) }]);
      // Nothing but MLflow's own endpoints (and no test-control route) was used.
      const paths = server.requests().map((e) => `${e.method} ${e.path.split("?")[0]}`);
      assert.ok(
        paths.every((p) => / \/api\/2\.0\/mlflow(-artifacts)?\//.test(p)),
        paths.join("\n"),
      );
      assert.ok(
        paths.includes(
          "PUT /api/2.0/mlflow-artifacts/artifacts/0/" +
            first.runId +
            "/artifacts/model/model.onnx",
        ),
      );
    } finally {
      await server.close();
    }
  });

  test("a failing write names the request and the answer", async () => {
    const server = await startMlflowServer({ artifactsOnly: true });
    try {
      await assert.rejects(
        publishOnnxModel(server.url, {
          name: "x",
          layout: "runs-uri",
          files: { "model.onnx": "m" },
        }),
        /POST \/api\/2\.0\/mlflow\/runs\/create answered 503: Endpoint: \/api\/2\.0\/mlflow\/runs\/create disabled/,
      );
    } finally {
      await server.close();
    }
  });
});

describe("persistence", () => {
  let dataDir: string;
  before(() => {
    dataDir = mkdtempSync(join(tmpdir(), "mlflow-data-"));
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  test("a restart on the same data directory keeps registry and artifacts", async () => {
    const model = bytes(4096, 9);
    const first = await startMlflowServer({ dataDir });
    const published = await publishOnnxModel(first.url, {
      name: "kept",
      layout: "logged-model",
      files: { "model.onnx": model },
      alias: "prod",
      experimentName: "kept-exp",
    });
    await first.close();

    const second = await startMlflowServer({ dataDir });
    try {
      const http = client(second);
      const alias = await http.get(`${API}/registered-models/alias?name=kept&alias=prod`);
      assert.equal(alias.json.model_version.version, published.version);
      const uri = await http.get(`${API}/model-versions/get-download-uri?name=kept&version=1`);
      const file = await http.get(
        `${ARTIFACTS}/${String(uri.json.artifact_uri).replace(/^mlflow-artifacts:\//, "")}/model.onnx`,
      );
      assert.equal(sha256(file.body), sha256(model));
      const next = await publishOnnxModel(second.url, {
        name: "kept",
        layout: "run-artifacts",
        files: { "model.onnx": "x" },
        experimentName: "kept-exp",
      });
      assert.equal(next.version, "2");
      assert.equal(next.experimentId, published.experimentId);
      const another = await http.post(`${API}/experiments/create`, { name: "fresh" });
      assert.equal(another.json.experiment_id, String(Number(published.experimentId) + 1));
    } finally {
      await second.close();
    }
  });
});

describe("standalone: npm run mlflow-server -- --port=<p> --data=<dir>", () => {
  test("prints its URL first, serves, persists under --data, and stops on SIGTERM", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "mlflow-main-"));
    const child = spawn(
      process.execPath,
      ["--import", "tsx", MAIN, "--port=0", `--data=${dataDir}`],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = "";
        const timer = setTimeout(() => reject(new Error(`no URL printed; stdout: ${out}`)), 20_000);
        child.stdout.on("data", (chunk: Buffer) => {
          out += chunk.toString();
          const line = out.split("\n")[0];
          if (out.includes("\n") && line) {
            clearTimeout(timer);
            resolve(line);
          }
        });
        child.once("exit", (code) => reject(new Error(`exited early with ${code}`)));
      });
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
      const health = await call(url, "GET", "/health");
      assert.deepEqual([health.status, health.text], [200, "OK"]);
      await publishOnnxModel(url, {
        name: "cli",
        layout: "runs-uri",
        files: { "model.onnx": "m" },
      });
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      const [code] = (await exited) as [number | null];
      assert.equal(code, 0);
      const restarted = await startMlflowServer({ dataDir });
      try {
        const mv = await client(restarted).get(`${API}/model-versions/get?name=cli&version=1`);
        assert.equal(mv.status, 200);
      } finally {
        await restarted.close();
      }
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test("arguments map onto server options", () => {
    const options = parseArgs([
      "--port=5000",
      "--data=/tmp/x",
      "--basic-auth=alice:pw:READ",
      "--bearer-token=tok",
      "--int64-as-strings",
      "--alias-on-missing-model=model-not-found",
      "--latest-alias=newest-version",
      "--no-serve-artifacts",
      "--mlflow-version=2.22.0",
    ]);
    assert.deepEqual(options, {
      port: 5000,
      dataDir: "/tmp/x",
      int64AsStrings: true,
      aliasLookupOnMissingModel: "model-not-found",
      latestAlias: "newest-version",
      serveArtifacts: false,
      mlflowVersion: "2.22.0",
      auth: {
        users: [{ username: "alice", password: "pw", permission: "READ" }],
        tokens: [{ token: "tok", permission: undefined }],
      },
    });
  });

  test("a bad argument exits 2 with a message naming it", async () => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", MAIN, "--port=0", "--data=/tmp/x", "--latest-alias=maybe"],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, "exit")) as [number | null];
    assert.equal(code, 2);
    assert.match(stderr, /--latest-alias must be one of reserved, newest-version, got "maybe"/);
  });
});
