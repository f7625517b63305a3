// Preview = up (issue 13 point 1): the versions a PR preview resolved are the versions merge
// deploys, or `up` fails before registering anything, naming both versions and what to do.
// The real program under mocks against the MLflow-compatible server; the alias moves between the
// preview and the up through the server's `set-alias` fault, which re-points the alias right
// after the preview's alias lookup is answered (mlflow-contract.md §8, "alias re-pointed between
// two reads").
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { RecordedResource } from "../support/pulumi-mocks";
import { runStack } from "../program/harness/run-stack";
import { MODEL_DEPLOYMENT_TYPE } from "../provider/capture-provider";
import { stackFileValuesWithMlflow } from "../program/harness/seeded-stack";
import { testSecrets } from "../program/harness/test-secrets";
import { startSeededMlflow, type SeededMlflow } from "../provider/seeded-mlflow";
import {
  differencesFromReviewed,
  parseReviewedVersions,
  type ReviewedVersions,
} from "../../src/provider/reviewed-versions";

const ALIAS_LOOKUP =
  /^\/api\/2\.0\/mlflow\/registered-models\/alias\?name=iris-classifier&alias=A$/;

interface Run {
  error: string | undefined;
  resources: RecordedResource[];
}

let mlflow: SeededMlflow;
let dir: string;

before(async () => {
  mlflow = await startSeededMlflow();
  dir = mkdtempSync(join(tmpdir(), "preview-equals-up-"));
});
after(async () => {
  await mlflow.close();
  rmSync(dir, { recursive: true, force: true });
});

/** `pulumi preview`/`up` of stack dev as the engine runs it, with these variables exported. */
async function runDev(preview: boolean, env: Record<string, string>): Promise<Run> {
  const run = await runStack({
    stack: "dev",
    values: stackFileValuesWithMlflow("dev", mlflow.url),
    secrets: testSecrets("dev"),
    preview,
    env,
  });
  return { error: run.ok ? undefined : run.error, resources: run.resources };
}

const deploymentVersion = (run: Run) =>
  run.resources.find((r) => r.type === MODEL_DEPLOYMENT_TYPE)?.inputs.version;

void describe("the alias moves between the PR preview and up", () => {
  let recorded: string;
  let preview: Run;
  let refused: Run;
  let deployed: Run;

  before(async () => {
    recorded = join(dir, "reviewed-dev.json");
    // Someone promotes version 1 with alias A right after the preview looked the alias up.
    mlflow.handle.faults.add({
      path: ALIAS_LOOKUP,
      method: "GET",
      kind: "set-alias",
      name: "iris-classifier",
      alias: "A",
      version: "1",
    });
    preview = await runDev(true, { TRITON_SERVING_RECORD_VERSIONS: recorded });
    refused = await runDev(false, { TRITON_SERVING_EXPECTED_VERSIONS: recorded });
    // The operator points the alias back, as the message says; up now deploys the reviewed version.
    const res = await fetch(`${mlflow.url}/api/2.0/mlflow/registered-models/alias`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "iris-classifier", alias: "A", version: "2" }),
    });
    assert.equal(res.status, 200);
    deployed = await runDev(false, { TRITON_SERVING_EXPECTED_VERSIONS: recorded });
  });

  void test("the preview records the version it showed, per model", () => {
    assert.equal(preview.error, undefined);
    assert.equal(deploymentVersion(preview), "2");
    assert.deepEqual(JSON.parse(readFileSync(recorded, "utf8")), {
      stack: "dev",
      models: {
        "iris-classifier": {
          registeredModel: "iris-classifier",
          alias: "A",
          version: "2",
          runId: mlflow.versions[1]!.runId,
        },
      },
    });
  });

  void test("up refuses with both versions and what to do, and registers nothing", () => {
    assert.equal(
      refused.error,
      "refusing to deploy versions that differ from the reviewed preview; nothing was changed:\n" +
        "  - model 'iris-classifier': the reviewed preview showed version 2, but alias 'A' of " +
        "registered model 'iris-classifier' now resolves to version 1; re-run the preview of this " +
        "commit and review it, or run up without TRITON_SERVING_EXPECTED_VERSIONS, or point alias " +
        "'A' of 'iris-classifier' back to version 2",
    );
    // Only the stack itself: no namespace, no release, no Triton, no ModelDeployment.
    assert.deepEqual(
      refused.resources.map((r) => r.type),
      ["pulumi:pulumi:Stack"],
    );
  });

  void test("with the alias back on the reviewed version, up deploys exactly it", () => {
    assert.equal(deployed.error, undefined);
    assert.equal(deploymentVersion(deployed), "2");
    assert.equal(deployed.resources.length, preview.resources.length);
  });
});

void describe("comparing with the reviewed versions", () => {
  const reviewed: ReviewedVersions = {
    stack: "dev",
    models: {
      m: { registeredModel: "reg", alias: "A", version: "2", runId: "r2" },
      gone: { registeredModel: "old", version: "4", runId: "r4" },
    },
  };

  void test("the same versions: no difference", () => {
    const now = { stack: "dev", models: { ...reviewed.models } };
    assert.deepEqual(differencesFromReviewed("dev", now, reviewed, "f.json"), []);
  });

  void test("a pinned version, a new model, a removed model, another registered model", () => {
    const now: ReviewedVersions = {
      stack: "dev",
      models: {
        m: { registeredModel: "other", alias: "A", version: "2", runId: "r2" },
        added: { registeredModel: "new", version: "7", runId: "r7" },
      },
    };
    const redo =
      "re-run the preview of this commit and review it, or run up without TRITON_SERVING_EXPECTED_VERSIONS";
    assert.deepEqual(differencesFromReviewed("dev", now, reviewed, "f.json"), [
      `model 'm': the reviewed preview deployed registered model 'reg', this run 'other'; ${redo}`,
      `model 'added' (pinned version 7, version 7) was not in the reviewed preview; ${redo}`,
      `model 'gone' was in the reviewed preview but this run does not deploy it; ${redo}`,
    ]);
  });

  void test("a pinned version that changed names both versions", () => {
    const now: ReviewedVersions = {
      stack: "dev",
      models: { ...reviewed.models, gone: { registeredModel: "old", version: "5", runId: "r5" } },
    };
    assert.deepEqual(differencesFromReviewed("dev", now, reviewed, "f.json"), [
      "model 'gone': the reviewed preview showed version 4, but pinned version 5 of registered " +
        "model 'old' now resolves to version 5; re-run the preview of this commit and review it, " +
        "or run up without TRITON_SERVING_EXPECTED_VERSIONS",
    ]);
  });

  void test("another stack's file is refused", () => {
    assert.deepEqual(
      differencesFromReviewed("prod", { stack: "prod", models: {} }, reviewed, "f.json"),
      [
        "f.json records a preview of stack 'dev', not of stack 'prod'; pass the file the preview of stack 'prod' wrote",
      ],
    );
  });

  void test("a file that is not a reviewed-versions file names the key", () => {
    assert.throws(() => parseReviewedVersions('{"stack":"dev","models":{"m":{}}}', "f.json"), {
      message:
        "TRITON_SERVING_EXPECTED_VERSIONS=f.json is not a reviewed-versions file: models.m.registeredModel: " +
        "Invalid input: expected string, received undefined; expected " +
        '{"stack": "<stack>", "models": {"<model>": {"registeredModel", "version", "runId", "alias"?}}}',
    });
  });
});
