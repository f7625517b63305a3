import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { MODEL_USAGE } from "../../src/cli/model-args";
import { corruptModel, irisModel } from "../support/onnx/fixtures";
import {
  API_KEY,
  MODEL,
  publish,
  readyVersions,
  startBench,
  type Bench,
} from "../core/transaction/harness";
import { benchEnv, makeProject, REPO, runCli } from "./cli-project";

const run = runCli;

void describe("npm run model", () => {
  let bench: Bench;
  let project: string;
  let env: Record<string, string>;

  before(async () => {
    bench = await startBench();
    project = await makeProject();
    env = benchEnv(bench);
  });
  after(async () => {
    await bench.close();
  });

  void test("usage errors exit 2 with a line naming the argument", async () => {
    const cases: [string[], string][] = [
      [["deploy"], "--stack is required (e.g. --stack dev)"],
      [
        ["launch", "--stack", "cli"],
        'unknown command "launch"; expected one of deploy, status, verify, history',
      ],
      [
        ["deploy", "--stack", "cli", "--alias", "a", "--version", "3"],
        "--alias and --version exclude each other; give one",
      ],
      [
        ["deploy", "--stack", "cli", "--version", "v3"],
        '--version "v3" is not a model version; expected digits such as 12',
      ],
      [
        ["status", "--stack", "cli", "--model", "nope"],
        '--model "nope" is not a model of stack cli; expected one of: iris',
      ],
      [
        ["status", "--stack", "cli", "--colour"],
        'unknown option "--colour"; expected one of --stack, --model, --alias, --version, --project-dir, --limit, --json',
      ],
    ];
    for (const [argv, message] of cases) {
      const r = await run(argv, env, project);
      assert.equal(r.code, 2, argv.join(" "));
      assert.equal(r.stderr, `error: ${message}\n\n${MODEL_USAGE}\n`);
      assert.equal(r.stdout, "");
    }
  });

  void test("a missing stack file or a bad override is a config error: exit 2", async () => {
    const missing = await run(["status", "--stack", "nope"], env, project);
    assert.equal(missing.code, 2);
    assert.equal(
      missing.stderr,
      `error: invalid stack config (${join(project, "Pulumi.nope.yaml")}):\n  - (file): missing, expected the config of stack "nope" (create it with: pulumi stack init nope)\n`,
    );
    const badRoot = await run(
      ["status", "--stack", "cli"],
      { ...env, TRITON_SERVING_REPOSITORY_ROOT: "models" },
      project,
    );
    assert.equal(badRoot.code, 2);
    // An unmounted export: a setup error, not "never deployed", and nothing is created.
    const unmounted = join(bench.root, "not-mounted");
    const noMount = await run(
      ["status", "--stack", "cli"],
      { ...env, TRITON_SERVING_REPOSITORY_ROOT: unmounted },
      project,
    );
    assert.equal(noMount.code, 2);
    assert.equal(
      noMount.stderr,
      `error: model repository root ${unmounted} is not a directory on this machine; expected the NFS export mounted there (stack config storage.localMountPath)\n`,
    );
    assert.equal(noMount.stdout, "");
    assert.equal(existsSync(unmounted), false);
    assert.equal(
      badRoot.stderr,
      `error: TRITON_SERVING_REPOSITORY_ROOT "models" is not an absolute path; expected the model repository mount, e.g. /mnt/models\n\n${MODEL_USAGE}\n`,
    );
  });

  void test("deploy resolves the stack's alias and commits (exit 0); a re-run is unchanged (exit 0)", async () => {
    const v = await publish(bench, irisModel({ variant: 1 }), { alias: "champion" });
    const first = await run(["deploy", "--stack", "cli"], env, project);
    assert.equal(first.code, 0, first.stderr);
    assert.match(
      first.stdout,
      new RegExp(
        `^iris: committed version ${v.version} \\(first deployment\\) in \\d+\\.\\ds; sha256 ${v.sha256}; verified on 1 endpoint\\(s\\), 2 generated request\\(s\\), p95 [0-9.]+ ms\\n$`,
      ),
    );
    // One structured line per step on stderr (not a terminal).
    const steps = first.stderr
      .trim()
      .split("\n")
      .map((l) => /step=(\S+) status=(\S+)/.exec(l)?.slice(1).join(":"));
    assert.deepEqual(steps, [
      "lock:ok",
      "snapshot:ok",
      "resolve:ok",
      "download:ok",
      "materialize:ok",
      "validate:ok",
      "load:ok",
      "ready:ok",
      "smoke:ok",
      "promote:ok",
      "commit:ok",
    ]);
    const again = await run(["deploy", "--stack", "cli"], env, project);
    assert.equal(again.code, 0);
    assert.equal(again.stdout, `iris: unchanged, version ${v.version} is committed and served\n`);
  });

  void test("status, verify and history report the committed version", async () => {
    const status = await run(["status", "--stack", "cli", "--json"], env, project);
    assert.equal(status.code, 0);
    const parsed = JSON.parse(status.stdout);
    const version = parsed.models[0].committed.activeVersion as string;
    assert.equal(parsed.models[0].drift, false);
    assert.deepEqual(parsed.models[0].served, [
      { endpoint: bench.tritons[0]!.httpUrl, readyVersions: [version] },
    ]);
    const human = await run(["status", "--stack", "cli"], env, project);
    assert.equal(
      human.stdout,
      `iris: committed version ${version} (alias champion) at ${parsed.models[0].committed.updatedAtUtc}\n  ${bench.tritons[0]!.httpUrl}: serving version ${version}\n`,
    );
    const verify = await run(["verify", "--stack", "cli"], env, project);
    assert.equal(verify.code, 0, verify.stderr);
    assert.match(
      verify.stdout,
      new RegExp(
        `^iris: verified version ${version} on http://127\\.0\\.0\\.1:\\d+ \\(2 generated request\\(s\\), p95 [0-9.]+ ms\\)\\n$`,
      ),
    );
    const history = await run(["history", "--stack", "cli", "--limit", "1"], env, project);
    assert.equal(history.code, 0);
    const [last] = JSON.parse(
      (await run(["history", "--stack", "cli", "--limit", "1", "--json"], env, project)).stdout,
    ).models[0].entries;
    assert.equal(history.stdout, `${last.at_utc} iris committed - -> ${version}\n`);
  });

  void test("verify stops at an interrupt (SIGINT's abort signal) and exits 1", async () => {
    const interrupted = AbortSignal.abort(new Error("interrupted (SIGINT)"));
    const r = await run(["verify", "--stack", "cli"], env, project, interrupted);
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      'iris: verification failed: Triton metadata of model "iris" failed: interrupted (SIGINT)\n',
    );
    assert.equal(r.stdout, "");
  });

  void test("verify exits 1 when the served version fails its smoke check; status shows drift", async () => {
    const triton = bench.tritons[0]!;
    const version = readyVersions(triton)[0]!;
    triton.failExecution(MODEL, undefined, { code: "INTERNAL", message: "CUDA error" });
    try {
      const r = await run(["verify", "--stack", "cli"], env, project);
      assert.equal(r.code, 1);
      assert.equal(
        r.stderr,
        `iris: verification failed: model 'iris' version ${version} on ${triton.httpUrl}: smoke request 1 of 2 failed: Triton inference of model "iris" failed: HTTP 500: CUDA error (POST ${triton.httpUrl}/v2/models/iris/versions/${version}/infer)\n`,
      );
    } finally {
      triton.resetControls();
    }
    await triton.crash();
    await triton.restart();
    const status = await run(["status", "--stack", "cli"], env, project);
    assert.equal(status.code, 5);
    assert.ok(
      status.stdout.endsWith(
        `  ${triton.httpUrl}: serving nothing\n  DRIFT: an endpoint does not serve exactly the committed version\n`,
      ),
      status.stdout,
    );
    // A re-run of deploy repairs the pod (unchanged, exit 0).
    const repair = await run(["deploy", "--stack", "cli"], env, project);
    assert.equal(repair.code, 0, repair.stderr);
    assert.equal(
      repair.stdout,
      `iris: unchanged, version ${version} is committed and served; reloaded it on ${triton.httpUrl}\n`,
    );
  });

  void test("a failed deploy exits 1 and says what serves; --json carries the result", async () => {
    const committed = (await run(["status", "--stack", "cli", "--json"], env, project)).stdout;
    const version = JSON.parse(committed).models[0].committed.activeVersion as string;
    const bad = await publish(bench, corruptModel());
    const r = await run(
      ["deploy", "--stack", "cli", "--version", bad.version, "--json"],
      env,
      project,
    );
    assert.equal(r.code, 1);
    const message = `deploy of model 'iris' version ${bad.version} failed at step 'validate': model.onnx is not a valid ONNX model: protobuf decoding failed (index out of range) — rolled back; committed version ${version}; serving ${bench.tritons[0]!.httpUrl}: version ${version}`;
    assert.ok(r.stderr.endsWith(`iris: ${message}\n`), r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.results[0].outcome, "rolled_back");
    assert.equal(out.results[0].step, "validate");
    assert.equal(out.results[0].error, message);
    assert.equal(JSON.stringify(out).includes(API_KEY), false, "no secret in the output");
  });

  void test("an alias that does not resolve exits 1 and changes nothing", async () => {
    const committed = readyVersions(bench.tritons[0]!)[0]!;
    const r = await run(["deploy", "--stack", "cli", "--alias", "nosuchalias"], env, project);
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      `iris: cannot resolve alias nosuchalias of registered model 'iris-classifier': registered model "iris-classifier" has no alias "nosuchalias"; its aliases are champion→${committed} (MLflow: INVALID_PARAMETER_VALUE: Registered model alias nosuchalias not found.) — nothing was changed\n`,
    );
    assert.equal(r.stdout, "");
    assert.deepEqual(readyVersions(bench.tritons[0]!), [committed]);
  });

  void test("a rollback that fails too exits 3", async () => {
    const triton = bench.tritons[0]!;
    const committed = readyVersions(triton)[0]!;
    const v = await publish(bench, irisModel({ variant: 2 }));
    // The served model refuses every load: the promotion fails, and so does the reload of the
    // committed version (in memory the committed version keeps serving, as Triton would).
    triton.failLoad(MODEL, undefined, { code: "INTERNAL", message: "disk full" });
    try {
      const r = await run(["deploy", "--stack", "cli", "--version", v.version], env, project);
      assert.equal(r.code, 3, r.stderr);
      const load = (version: number | string) =>
        `Triton load of model "iris" failed: HTTP 400: load failed for model 'iris': version ${version} is at UNAVAILABLE state: Internal: disk full; (POST ${triton.httpUrl}/v2/repository/models/iris/load)`;
      assert.equal(
        r.stderr.split("\n").at(-2),
        `iris: deploy of model 'iris' version ${v.version} failed at step 'promote': ${load(v.version)} — rollback FAILED (${load(committed)}); committed version ${committed}; serving ${triton.httpUrl}: version ${committed}`,
      );
      assert.equal(r.stderr.endsWith("\n"), true);
    } finally {
      triton.resetControls();
    }
    assert.deepEqual(readyVersions(triton), [committed]);
  });

  void test("the npm script entry point exits with the code (usage error: 2)", () => {
    const r = spawnSync(
      process.execPath,
      ["--import", "tsx", join(REPO, "src/cli/model.ts"), "deploy"],
      {
        encoding: "utf8",
      },
    );
    assert.equal(r.status, 2);
    assert.equal(r.stderr, `error: --stack is required (e.g. --stack dev)\n\n${MODEL_USAGE}\n`);
  });
});
