// The `alerting` stack config: generic defaults, clear rejections, and a description on every
// field (the README's config reference is generated from the schema).
import assert from "node:assert/strict";
import { test } from "node:test";
import { z } from "zod";
import { AlertingConfigSchema } from "../../src/config/observability";

void test("an empty alerting block gets the documented generic defaults", () => {
  const c = AlertingConfigSchema.parse({});
  assert.deepEqual(c.rules, {
    window: "5m",
    meanLatency: { threshold: 500, for: "5m", severity: "warning" },
    errorRatio: { threshold: 0.05, for: "5m", severity: "critical" },
    queueLatency: { threshold: 100, for: "5m", severity: "warning" },
    p95Latency: { threshold: 1000, for: "10m", severity: "warning" },
    serverDown: { for: "2m", severity: "critical" },
    modelNotServing: { for: "5m", severity: "critical" },
  });
  assert.deepEqual(c.routing, {
    groupBy: ["alertname", "env", "namespace", "model"],
    groupWait: "30s",
    groupInterval: "5m",
    repeatInterval: "4h",
  });
  assert.deepEqual(c.slack, { channel: "#triton-alerts", sendResolved: true });
  assert.deepEqual(c.pager, { enabled: false, url: "https://events.pagerduty.com/v2/enqueue" });
  assert.equal(c.runbookBaseUrl, "https://github.com/triton-serving/triton-serving");
});

void test("a partial block keeps the other defaults of the same alert", () => {
  const c = AlertingConfigSchema.parse({ rules: { meanLatency: { threshold: 200 } } });
  assert.deepEqual(c.rules.meanLatency, { threshold: 200, for: "5m", severity: "warning" });
});

function issues(value: unknown): string[] {
  const r = AlertingConfigSchema.safeParse(value);
  assert.equal(r.success, false, `expected ${JSON.stringify(value)} to be rejected`);
  return r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
}

void test("bad values are rejected with the key and what is expected", () => {
  assert.deepEqual(issues({ rules: { window: "5 minutes" } }), [
    "rules.window: a Prometheus duration such as 30s, 5m or 1h30m",
  ]);
  assert.deepEqual(issues({ rules: { window: "0m" } }), [
    "rules.window: a Prometheus duration above zero, such as 30s or 5m",
  ]);
  assert.deepEqual(issues({ routing: { groupInterval: "0s" } }), [
    "routing.groupInterval: a Prometheus duration above zero, such as 30s or 5m",
  ]);
  assert.deepEqual(issues({ rules: { meanLatency: { for: "" } } }), [
    "rules.meanLatency.for: a Prometheus duration such as 30s, 5m or 1h30m",
  ]);
  assert.deepEqual(issues({ rules: { errorRatio: { threshold: 1.5 } } }), [
    "rules.errorRatio.threshold: a threshold below 1 (the error ratio is a fraction of requests)",
  ]);
  assert.deepEqual(issues({ rules: { queueLatency: { threshold: 0 } } }), [
    "rules.queueLatency.threshold: a number > 0",
  ]);
  assert.deepEqual(issues({ rules: { serverDown: { severity: "page" } } }), [
    'rules.serverDown.severity: one of: "critical", "warning", "info"',
  ]);
  assert.deepEqual(issues({ pager: { enabled: true, url: "ftp://pager.example.com" } }), [
    "pager.url: an http(s) URL",
  ]);
  assert.deepEqual(issues({ slack: { channel: "alerts dev" } }), [
    "slack.channel: a Slack channel such as #triton-alerts",
  ]);
});

void test("a misspelt key is an error, not silently ignored", () => {
  const [issue] = AlertingConfigSchema.safeParse({ rules: { meanLatncy: {} } }).error?.issues ?? [];
  assert.equal(issue?.code, "unrecognized_keys");
  assert.deepEqual(issue?.path, ["rules"]);
});

void test("there is no place for a webhook URL in the config (it comes from a secret)", () => {
  assert.equal(issues({ slack: { apiUrl: "https://hooks.slack.com/services/x" } }).length, 1);
});

void test("every field of the alerting config has a description", () => {
  const missing: string[] = [];
  const walk = (schema: Record<string, unknown>, path: string) => {
    const props = schema.properties as Record<string, Record<string, unknown>> | undefined;
    for (const [key, child] of Object.entries(props ?? {})) {
      if (typeof child.description !== "string" || child.description === "") {
        missing.push(`${path}${key}`);
      }
      walk(child, `${path}${key}.`);
    }
  };
  walk(z.toJSONSchema(AlertingConfigSchema, { io: "input" }), "");
  assert.deepEqual(missing, []);
});
