// Reading a stack's config from Pulumi.<stack>.yaml without Pulumi (the model CLI and the render
// command): the project's keys, parsed and defaulted by the schema; secrets never read; clear
// errors for a missing file, a plain-text secret, a key without a namespace.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { ConfigError } from "../../src/config/errors";
import { readStackConfig, readStackFile } from "../../src/config/stack-file";
import { PROJECT_DIR } from "../program/harness/run-stack";

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "stack-file-"));
  dirs.push(dir);
  writeFileSync(join(dir, "Pulumi.yaml"), "name: triton-serving\nruntime: nodejs\n");
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

function linesOf(f: () => unknown): readonly string[] {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    return e.lines;
  }
  assert.fail("expected a ConfigError");
}

const MINIMAL = `config:
  kubernetes:context: kind-mlops
  triton-serving:environment: qa
  triton-serving:namespace: triton-qa
  triton-serving:tritonApiKey:
    secure: AAABAJx1
  triton-serving:storage:
    nfsServer: nfs01
    nfsPath: /exports/qa
    localMountPath: /mnt/qa
  triton-serving:triton:
    image: nvcr.io/nvidia/tritonserver:24.08-py3
  triton-serving:deploy:
    tritonEndpoints: [http://node-1:30800]
  triton-serving:mlflow:
    trackingUri: http://mlflow:5000
  triton-serving:monitoring:
    releaseName: monitoring-qa
    namespace: monitoring-qa
    chart: { version: 88.5.3 }
    grafana: { dashboardLabelValue: triton-qa }
  triton-serving:models: []
`;

describe("readStackFile / readStackConfig", () => {
  test("the real dev and prod files parse", () => {
    assert.equal(readStackConfig(PROJECT_DIR, "dev").namespace, "triton-dev");
    assert.equal(readStackConfig(PROJECT_DIR, "prod").namespace, "triton-prod");
  });

  test("splits the project's keys, secret keys and other namespaces; the schema fills defaults", () => {
    const dir = project({ "Pulumi.qa.yaml": MINIMAL });
    const file = readStackFile(dir, "qa");
    assert.equal(file.path, join(dir, "Pulumi.qa.yaml"));
    assert.equal(file.project, "triton-serving");
    assert.deepEqual(file.secretKeys, ["tritonApiKey"]);
    assert.deepEqual(file.otherKeys, { "kubernetes:context": "kind-mlops" });
    assert.deepEqual(Object.keys(file.values).sort(), [
      "deploy",
      "environment",
      "mlflow",
      "models",
      "monitoring",
      "namespace",
      "storage",
      "triton",
    ]);
    const config = readStackConfig(dir, "qa");
    assert.equal(config.triton.replicas, 1);
    assert.equal(config.triton.adminHeader, "triton-admin-key");
    assert.deepEqual(config.triton.probes.startup, {
      initialDelaySeconds: 0,
      periodSeconds: 10,
      timeoutSeconds: 5,
      failureThreshold: 60,
    });
    assert.deepEqual(config.monitoring.shared, {
      operator: false,
      nodeExporter: false,
      kubeStateMetrics: false,
    });
    assert.equal(config.storage.protect, false);
    assert.equal(config.alerting.pager.enabled, false);
  });

  test("a missing stack file says which stack and how to create it", () => {
    const dir = project({});
    assert.deepEqual(
      linesOf(() => readStackConfig(dir, "staging")),
      [
        '(file): missing, expected the config of stack "staging" (create it with: pulumi stack init staging)',
      ],
    );
  });

  test("a secret stored in plain text is refused with the command that stores it encrypted", () => {
    const dir = project({
      "Pulumi.qa.yaml": MINIMAL.replace(
        "  triton-serving:tritonApiKey:\n    secure: AAABAJx1\n",
        "  triton-serving:tritonApiKey: hunter2\n",
      ),
    });
    const lines = linesOf(() => readStackFile(dir, "qa"));
    assert.deepEqual(lines, [
      "tritonApiKey: stored in plain text, expected a secret (set it with: pulumi config set --secret tritonApiKey <value> --stack qa)",
    ]);
    assert.ok(!lines.join("\n").includes("hunter2"));
  });

  test("a key without a namespace, and invalid YAML", () => {
    const dir = project({
      "Pulumi.a.yaml": "config:\n  namespace: triton-a\n",
      "Pulumi.b.yaml": "config:\n  triton-serving:namespace: [unclosed\n",
    });
    assert.deepEqual(
      linesOf(() => readStackFile(dir, "a")),
      ["namespace: unknown key, expected <namespace>:<key> such as triton-serving:namespace"],
    );
    const yamlLines = linesOf(() => readStackFile(dir, "b"));
    assert.equal(yamlLines.length, 1);
    assert.match(yamlLines[0]!, /^\(file\): not valid YAML: /);
  });

  test("schema errors name the file", () => {
    const dir = project({
      "Pulumi.qa.yaml": MINIMAL.replace("namespace: triton-qa", "namespace: Triton"),
    });
    assert.throws(() => readStackConfig(dir, "qa"), {
      message: `invalid stack config (${join(dir, "Pulumi.qa.yaml")}):\n  - namespace: got "Triton", expected a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters)`,
    });
  });
});
