// The rendered rules of every stack go through the real promtool: `check rules` (syntax, PromQL,
// templates) and `test rules` with series generated from that stack's thresholds and durations.
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import {
  NOT_STAGING,
  renderObservabilityFiles,
  toYaml,
  type ObservabilityInput,
} from "../../src/observability";
import { allInputs } from "./support/inputs";
import { buildPromtoolTests, STAGING_TEST_NAME } from "./support/promtool-tests";
import { makeTempDir, runTool } from "./support/tools";

const tmp = makeTempDir("promtool-rules");
after(() => tmp.remove());

function writeCase(name: string, rulesFrom: ObservabilityInput, testsFrom: ObservabilityInput) {
  const dir = join(tmp.path, name.replace(/\W+/g, "-"));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "rules.yaml"), renderObservabilityFiles(rulesFrom)["rules.yaml"]);
  writeFileSync(join(dir, "tests.yaml"), toYaml(buildPromtoolTests(testsFrom, "rules.yaml")));
  return dir;
}

for (const { name, input } of allInputs()) {
  void describe(`rules of ${name}`, () => {
    const dir = writeCase(name, input, input);

    void test("promtool check rules accepts all six alerts", async () => {
      const r = await runTool("promtool", ["check", "rules", "rules.yaml"], dir);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /SUCCESS: 6 rules found/);
    });

    void test("promtool test rules: each alert fires once `for` has elapsed, not before, not below the threshold, and resolves", async () => {
      const r = await runTool("promtool", ["test", "rules", "tests.yaml"], dir);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /SUCCESS/);
    });
  });
}

void test("the generated promtool tests fail against rules whose thresholds are too high (the tests can fail)", async () => {
  const [first] = allInputs();
  assert.ok(first);
  const { input } = first;
  const r4 = input.alerting.rules;
  const raised: ObservabilityInput = {
    ...input,
    alerting: {
      ...input.alerting,
      rules: { ...r4, meanLatency: { ...r4.meanLatency, threshold: r4.meanLatency.threshold * 4 } },
    },
  };
  const dir = writeCase("raised-threshold", raised, input);
  const r = await runTool("promtool", ["test", "rules", "tests.yaml"], dir);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stderr + r.stdout, /FAILED/);
  // Only the mean latency scenario breaks; its description names the alert.
  assert.match(r.stderr + r.stdout, /alertname: TritonMeanLatencyHigh/);
  assert.doesNotMatch(r.stderr + r.stdout, /alertname: TritonHighErrorRate/);
});

void test("without the staging exclusion the slow, failing `<model>.staging` fires all four serving alerts (the staging case can fail)", async () => {
  for (const { name, input } of allInputs()) {
    const dir = writeCase(`unfiltered-${name}`, input, input);
    const rulesPath = join(dir, "rules.yaml");
    const rules = readFileSync(rulesPath, "utf8");
    const unfiltered = rules.replaceAll(`, ${NOT_STAGING}`, "");
    assert.notEqual(unfiltered, rules, "the rendered rules carry the staging matcher");
    writeFileSync(rulesPath, unfiltered);
    const r = await runTool("promtool", ["test", "rules", "tests.yaml"], dir);
    const out = r.stdout + r.stderr;
    assert.equal(r.code, 1, out);
    // Only the staging test fails, once per alert at each checked step.
    const failedTests = [...out.matchAll(/name: (.+),\n/g)].map((m) => m[1]);
    assert.deepEqual([...new Set(failedTests)], [STAGING_TEST_NAME], out);
    for (const alert of [
      "TritonMeanLatencyHigh",
      "TritonHighErrorRate",
      "TritonQueueLatencyHigh",
      "TritonP95LatencyHigh",
    ]) {
      assert.match(out, new RegExp(`alertname: ${alert}, time: `), `${name}: ${alert}`);
    }
  }
});
