// `npm run sandbox` end to end: it needs no infrastructure, exits 0, and prints the steps of the
// main job — deploy v1, promote to v2 with the preview's version change, a broken v3 rolled back
// with v2 still serving — plus current.json, the history and Triton's metric lines.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { test } from "node:test";
import { findProjectRoot } from "../support/engine/pulumi-project";

const PROJECT_DIR = findProjectRoot(resolve(__dirname));

void test("npm run sandbox: deploy v1, promote to v2, broken v3 rolled back; exit 0", async () => {
  const { code, stdout, stderr } = await new Promise<{
    code: number | null;
    stdout: string;
    stderr: string;
  }>((done, fail) => {
    // What `npm run sandbox` runs (package.json: tsx scripts/sandbox.ts).
    const child = spawn(process.execPath, ["--import", "tsx", "scripts/sandbox.ts"], {
      cwd: PROJECT_DIR,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
    child.on("error", fail);
    child.on("exit", (c) => done({ code: c, stdout: out, stderr: err }));
  });
  assert.equal(code, 0, `exit code; stderr: ${stderr}\nstdout:\n${stdout}`);

  const expectedInOrder = [
    "==> Start the Triton- and MLflow-compatible servers on loopback",
    "==> pulumi preview: the program run as the engine runs it (a mocked resource monitor)",
    "==> Start Pulumi's dynamic-provider host as the engine does (plugin shim, engine's directory)",
    "==> pulumi up: create — deploy version 1",
    "model=iris-classifier step=commit status=ok version=1",
    "    ok   version 1 committed and served",
    "    ok   a version-less request is answered by version 1",
    "==> Promote: alias A moves to version 2 in MLflow; preview, then up",
    "    pulumi preview: ~  model-iris-classifier (update)",
    '        version: "1" => "2"',
    "model=iris-classifier step=deploy status=committed version=2 from=1",
    "    ok   version 2 committed (previous 1)",
    "    ok   a version-less request is answered by version 2",
    '        version: "2" => "3"',
    "model=iris-classifier step=validate status=failed version=3",
    "    ! error: deploy of model 'iris-classifier' version 3 failed at step 'validate': ",
    "    ok   `pulumi up` fails with the transaction's message; Pulumi keeps the version 2 state",
    "    ok   current.json is byte-identical to before the attempt",
    "    ok   version 2 still serves",
    "==> iris-classifier/current.json",
    '      "active_version": "2",',
    '      "previous_version": "1",',
    "==> iris-classifier/history.jsonl",
    '"outcome":"committed","from_version":null,"to_version":"1"',
    '"outcome":"committed","from_version":"1","to_version":"2"',
    '"outcome":"rolled_back","from_version":"2","to_version":"3"',
    '==> Triton metrics for model="iris-classifier"',
    'nv_inference_request_success{model="iris-classifier",version="2"}',
    "==> Sandbox OK: version 2 serves; broken version 3 was rolled back",
  ];
  let from = 0;
  for (const line of expectedInOrder) {
    const at = stdout.indexOf(line, from);
    assert.ok(at >= 0, `expected after offset ${from}: ${line}\n--- stdout ---\n${stdout}`);
    from = at + line.length;
  }
  assert.match(
    stdout,
    / — rolled back; committed version 2; serving http:\/\/127\.0\.0\.1:\d+: version 2\n/,
  );
  // Production never saw version 3: no metric series for it on the served model.
  assert.doesNotMatch(stdout, /model="iris-classifier",version="3"/);
  assert.doesNotMatch(stdout, /FAIL/);
});
