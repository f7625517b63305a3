// The policy pack over everything the real program registers, for every stack as configured
// (Pulumi.<stack>.yaml, policy config from scripts/policy-config.ts): no violation. Together with
// policy-rules.test.ts (each rule fails on a bad resource) this says the guardrails hold and the
// stacks meet them.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { listStacks, readStackConfig } from "../../src/config/stack-file";
import { policyConfigFor } from "../../scripts/policy-config";
import { PROJECT_DIR } from "../program/harness/run-stack";
import {
  runStackWithSeededMlflow,
  stackFileValuesWithMlflow,
} from "../program/harness/seeded-stack";
import { testSecrets } from "../program/harness/test-secrets";
import { startPolicyAnalyzer, type PolicyAnalyzer, type Violation } from "./policy-analyzer";

let analyzer: PolicyAnalyzer;
before(async () => {
  analyzer = await startPolicyAnalyzer();
});
after(async () => {
  await analyzer.close();
});

for (const stack of listStacks(PROJECT_DIR)) {
  void describe(`stack ${stack}`, () => {
    const run = runStackWithSeededMlflow({
      stack,
      values: (url) => stackFileValuesWithMlflow(stack, url),
      secrets: testSecrets(stack),
    });

    void test("every registered resource passes every policy with the stack's policy config", async () => {
      await analyzer.configure(policyConfigFor(readStackConfig(PROJECT_DIR, stack)));
      const found: (Violation & { resource: string })[] = [];
      for (const r of run.resources) {
        const violations = await analyzer.analyze(
          { type: r.type, name: r.name, inputs: r.inputs, protect: r.protect },
          stack,
        );
        found.push(...violations.map((v) => ({ ...v, resource: `${r.type}::${r.name}` })));
      }
      assert.deepEqual(found, []);
      // The rules had something to check: the workloads, storage, release and models are there.
      const types = new Set(run.resources.map((r) => r.type));
      for (const type of [
        "kubernetes:apps/v1:Deployment",
        "kubernetes:core/v1:PersistentVolume",
        "kubernetes:helm.sh/v3:Release",
        "pulumi-nodejs:dynamic/triton-serving:ModelDeployment",
      ]) {
        assert.equal(types.has(type), true, `${stack} registers a ${type}`);
      }
    });
  });
}
