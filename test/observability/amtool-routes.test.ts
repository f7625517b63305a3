// Every stack's rendered Alertmanager config goes through the real amtool: `check-config`, and
// `config routes test` for an alert of this env, of another env, and without any env label.
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { renderObservabilityFiles } from "../../src/observability";
import { allInputs } from "./support/inputs";
import { makeTempDir, runTool } from "./support/tools";

const tmp = makeTempDir("amtool-routes");
after(() => tmp.remove());

const inputs = allInputs();
const allEnvs = inputs.map((i) => i.input.env);

/** The receivers amtool prints for an alert with these labels (comma-separated, in route order). */
async function receiversFor(configFile: string, labels: Record<string, string>): Promise<string> {
  const args = [
    "config",
    "routes",
    "test",
    `--config.file=${configFile}`,
    ...Object.entries(labels).map(([k, v]) => `${k}=${v}`),
  ];
  const r = await runTool("amtool", args);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  return r.stdout.trim();
}

for (const { name, input } of inputs) {
  void describe(`Alertmanager config of ${name}`, () => {
    const dir = join(tmp.path, name.replace(/\W+/g, "-"));
    mkdirSync(dir, { recursive: true });
    const file = join(dir, "alertmanager.yaml");
    writeFileSync(file, renderObservabilityFiles(input)["alertmanager.yaml"]);
    const env = input.env;
    const model = { namespace: input.tritonNamespace, model: input.models[0] ?? "m" };

    void test("amtool check-config accepts it", async () => {
      const r = await runTool("amtool", ["check-config", file]);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /SUCCESS/);
      const receivers = input.alerting.pager.enabled ? 3 : 2;
      assert.match(r.stdout, new RegExp(`${receivers} receivers`));
      assert.match(r.stdout, /1 inhibit rules/);
    });

    void test(`an env="${env}" warning goes to slack-${env} only`, async () => {
      const labels = { alertname: "TritonMeanLatencyHigh", env, severity: "warning", ...model };
      assert.equal(await receiversFor(file, labels), `slack-${env}`);
    });

    void test(`an env="${env}" critical goes to Slack, and to the pager when one is configured`, async () => {
      const labels = { alertname: "TritonServerDown", env, severity: "critical", ...model };
      assert.equal(
        await receiversFor(file, labels),
        input.alerting.pager.enabled ? `pager-${env},slack-${env}` : `slack-${env}`,
      );
    });

    const foreignEnvs = [...new Set([...allEnvs.filter((e) => e !== env), `not-${env}`])];
    for (const other of foreignEnvs) {
      void test(`an env="${other}" critical reaches no receiver (null)`, async () => {
        const labels = {
          alertname: "TritonServerDown",
          env: other,
          severity: "critical",
          ...model,
        };
        assert.equal(await receiversFor(file, labels), "null");
      });
    }

    void test("an alert without an env label reaches no receiver (null)", async () => {
      const labels = { alertname: "TritonServerDown", severity: "critical", ...model };
      assert.equal(await receiversFor(file, labels), "null");
    });

    void test("the chart's Watchdog heartbeat with our env reaches no receiver (null)", async () => {
      assert.equal(
        await receiversFor(file, { alertname: "Watchdog", env, severity: "none" }),
        "null",
      );
    });
  });
}
