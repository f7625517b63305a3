// The pure builders: what the tools cannot see (labels we promise, no inline secrets, selectors,
// the dashboard's shape) asserted with exact values, plus the runbook anchors the alerts link to.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { parse as parseYaml } from "yaml";
import {
  ALERT_NAMES,
  buildAlertmanagerConfig,
  buildChartValues,
  buildDashboard,
  buildRuleGroups,
  dashboardUid,
  NOT_STAGING,
  RUNBOOKS_PATH,
  runbookUrl,
  type ObservabilityInput,
} from "../../src/observability";
import { githubAnchor, markdownHeadings } from "../docs/citations";
import {
  allInputs,
  PROJECT_DIR,
  projectStacks,
  stackInput,
  syntheticInput,
} from "./support/inputs";

const qa = syntheticInput();
const rulesOf = (input: ObservabilityInput) => buildRuleGroups(input).flatMap((g) => g.rules);

/** Number of `{…}` series selectors in a PromQL expression. */
function countSelectors(expr: string): number {
  return [...expr.matchAll(/\w\{/g)].length;
}

function countOccurrences(text: string, part: string): number {
  return text.split(part).length - 1;
}

void describe("alert rules", () => {
  void test("one rule per alert, with the severity from config and the env label", () => {
    const rules = rulesOf(qa);
    assert.deepEqual(
      rules.map((r) => [r.alert, r.labels, r.for]),
      [
        ["TritonMeanLatencyHigh", { severity: "warning", env: "qa" }, "90s"],
        ["TritonHighErrorRate", { severity: "critical", env: "qa" }, "2m"],
        ["TritonQueueLatencyHigh", { severity: "critical", env: "qa" }, "3m"],
        ["TritonP95LatencyHigh", { severity: "warning", env: "qa" }, "4m"],
        ["TritonServerDown", { severity: "critical", env: "qa" }, "1m"],
        ["TritonModelNotServing", { severity: "warning", env: "qa" }, "3m"],
      ],
    );
  });

  void test("every alert has summary, description and a runbook_url anchor", () => {
    for (const r of rulesOf(qa)) {
      assert.deepEqual(Object.keys(r.annotations), ["summary", "description", "runbook_url"]);
      assert.equal(
        r.annotations.runbook_url,
        `https://git.example.com/ops/triton-serving/blob/main/docs/runbooks.md#runbook-${r.alert.toLowerCase()}`,
      );
    }
  });

  void test("runbook_url: a repository page gets docs/runbooks.md, a page URL is kept", () => {
    assert.equal(
      runbookUrl("https://github.com/acme/serving/", "TritonServerDown"),
      "https://github.com/acme/serving/blob/main/docs/runbooks.md#runbook-tritonserverdown",
    );
    assert.equal(
      runbookUrl("https://wiki.example.com/triton/runbooks.html#old", "TritonHighErrorRate"),
      "https://wiki.example.com/triton/runbooks.html#runbook-tritonhigherrorrate",
    );
    assert.equal(
      runbookUrl(
        "https://git.example.com/ops/x/-/blob/stable/docs/runbooks.md",
        "TritonModelNotServing",
      ),
      "https://git.example.com/ops/x/-/blob/stable/docs/runbooks.md#runbook-tritonmodelnotserving",
    );
  });

  void test("threshold alerts show the measured value in the description", () => {
    for (const r of rulesOf(qa).slice(0, 4)) {
      assert.match(r.annotations.description ?? "", /\{\{ (printf "%\.1f" )?\$value/, r.alert);
    }
  });

  void test("the expressions use Triton's metric names, scoped to the stack's namespace", () => {
    const byName = Object.fromEntries(rulesOf(qa).map((r) => [r.alert, r.expr]));
    assert.equal(
      byName.TritonMeanLatencyHigh,
      'sum by (namespace, model) (rate(nv_inference_request_duration_us{namespace="triton-qa", model!~".*\\\\.staging"}[3m]))\n' +
        '  / sum by (namespace, model) (rate(nv_inference_request_success{namespace="triton-qa", model!~".*\\\\.staging"}[3m]))\n' +
        "  / 1000\n> 250",
    );
    assert.equal(
      byName.TritonP95LatencyHigh,
      'max by (namespace, model) (nv_inference_request_summary_us{namespace="triton-qa", model!~".*\\\\.staging", quantile="0.95"}) / 1000\n> 750',
    );
    assert.equal(
      byName.TritonServerDown,
      'up{namespace="triton-qa", job="triton-qa"} == 0\nor absent(up{namespace="triton-qa", job="triton-qa"})',
    );
    assert.equal(
      byName.TritonModelNotServing,
      'absent(nv_inference_request_success{namespace="triton-qa", model="resnet50", model!~".*\\\\.staging"})\n' +
        'or absent(nv_inference_request_success{namespace="triton-qa", model="text-encoder", model!~".*\\\\.staging"})',
    );
    assert.match(
      byName.TritonHighErrorRate ?? "",
      /nv_inference_request_failure\{namespace="triton-qa", model!~"\.\*\\\\\.staging"\}/,
    );
  });

  void test("every per-model selector leaves out the core's staging models", () => {
    for (const r of rulesOf(qa)) {
      if (r.alert === "TritonServerDown") continue; // about scrape targets, not models
      assert.equal(
        countSelectors(r.expr),
        countOccurrences(r.expr, NOT_STAGING),
        `${r.alert}: ${r.expr}`,
      );
    }
  });

  void test("a stack without models has no TritonModelNotServing rule", () => {
    assert.deepEqual(
      rulesOf({ ...qa, models: [] }).map((r) => r.alert),
      ALERT_NAMES.filter((a) => a !== "TritonModelNotServing"),
    );
  });

  void test("each stack file's models are the ones TritonModelNotServing watches", () => {
    for (const stack of projectStacks()) {
      const input = stackInput(stack);
      const rule = rulesOf(input).find((r) => r.alert === "TritonModelNotServing");
      for (const m of input.models) {
        assert.ok(rule?.expr.includes(`model="${m}"`), `${stack}: ${m}`);
      }
    }
  });
});

void test("docs/runbooks.md has a runbook heading for every alert whose anchor is the runbook_url's", () => {
  const doc = readFileSync(join(PROJECT_DIR, RUNBOOKS_PATH), "utf8");
  const anchors = markdownHeadings(doc).map(githubAnchor);
  const linked = rulesOf(qa).map((r) => {
    const [page, anchor] = (r.annotations.runbook_url ?? "").split("#");
    assert.ok(page?.endsWith(`/${RUNBOOKS_PATH}`), `${r.alert} links to ${page}`);
    return anchor;
  });
  assert.deepEqual(
    linked,
    ALERT_NAMES.map((a) => `runbook-${a.toLowerCase()}`),
  );
  for (const anchor of linked) {
    assert.ok(anchors.includes(anchor ?? ""), `no heading for #${anchor} in ${RUNBOOKS_PATH}`);
  }
  // The project's stacks keep the default base: the repository's page on GitHub.
  for (const stack of projectStacks()) {
    for (const r of rulesOf(stackInput(stack))) {
      assert.equal(
        r.annotations.runbook_url,
        `https://github.com/triton-serving/triton-serving/blob/main/docs/runbooks.md#runbook-${r.alert.toLowerCase()}`,
        `${stack}: ${r.alert}`,
      );
    }
  }
  assert.match(doc, /`nv_inference_request_failure` counts only failures \*after\*/);
  assert.match(doc, /HTTP\s+4xx/);
  assert.match(doc, /belong to the gateway/);
});

void describe("Alertmanager config", () => {
  void test("default receiver null; this env to Slack, critical also to the pager", () => {
    const c = buildAlertmanagerConfig(qa);
    assert.equal(c.route.receiver, "null");
    assert.deepEqual(c.route.routes, [
      { receiver: "null", matchers: ['alertname=~"Watchdog|InfoInhibitor"'] },
      { receiver: "pager-qa", matchers: ['env="qa"', 'severity="critical"'], continue: true },
      { receiver: "slack-qa", matchers: ['env="qa"'] },
    ]);
    assert.deepEqual(
      c.receivers.map((r) => r.name),
      ["null", "slack-qa", "pager-qa"],
    );
  });

  void test("no pager receiver or route when the pager is off", () => {
    const c = buildAlertmanagerConfig({
      ...qa,
      alerting: { ...qa.alerting, pager: { ...qa.alerting.pager, enabled: false } },
    });
    assert.deepEqual(
      c.receivers.map((r) => r.name),
      ["null", "slack-qa"],
    );
    assert.equal(c.route.routes?.length, 2);
  });

  void test("webhook URL and routing key are read from the mounted Secret, never inline", () => {
    const c = buildAlertmanagerConfig(qa);
    const slack = c.receivers.find((r) => r.name === "slack-qa")?.slack_configs?.[0];
    const pager = c.receivers.find((r) => r.name === "pager-qa")?.pagerduty_configs?.[0];
    assert.equal(
      slack?.api_url_file,
      "/etc/alertmanager/secrets/monitoring-qa-alert-webhooks/slack-webhook-url",
    );
    assert.equal(slack?.api_url, undefined);
    assert.equal(slack?.channel, "#qa-alerts");
    assert.equal(slack?.send_resolved, false);
    assert.equal(
      pager?.routing_key_file,
      "/etc/alertmanager/secrets/monitoring-qa-alert-webhooks/pager-routing-key",
    );
    assert.equal(pager?.routing_key, undefined);
    for (const { input } of allInputs()) {
      assert.doesNotMatch(
        JSON.stringify(buildAlertmanagerConfig(input)),
        /hooks\.slack\.com|"api_url"/,
      );
    }
  });

  void test("TritonServerDown inhibits the model alerts of the same env and namespace", () => {
    assert.deepEqual(buildAlertmanagerConfig(qa).inhibit_rules, [
      {
        source_matchers: ['alertname="TritonServerDown"'],
        target_matchers: [
          'alertname=~"TritonMeanLatencyHigh|TritonHighErrorRate|TritonQueueLatencyHigh|TritonP95LatencyHigh|TritonModelNotServing"',
        ],
        equal: ["env", "namespace"],
      },
    ]);
  });

  void test("grouping comes from config", () => {
    const r = buildAlertmanagerConfig(qa).route;
    assert.deepEqual(
      [r.group_by, r.group_wait, r.group_interval, r.repeat_interval],
      [["alertname", "env", "namespace", "model"], "30s", "5m", "4h"],
    );
  });
});

void describe("dashboard", () => {
  const d = buildDashboard(qa);

  void test("a stable uid per env, distinct across the project's stacks", () => {
    assert.equal(d.uid, "triton-serving-qa");
    assert.equal(buildDashboard(qa).uid, d.uid);
    const uids = allInputs().map(({ input }) => buildDashboard(input).uid);
    assert.equal(new Set(uids).size, uids.length);
    assert.equal(dashboardUid("a-very-long-environment-name-for-testing").length, 40);
  });

  void test("variables datasource, namespace, model, version; namespace preselects the stack's", () => {
    const vars = d.templating.list;
    assert.deepEqual(
      vars.map((v) => v.name),
      ["datasource", "namespace", "model", "version"],
    );
    assert.deepEqual(vars[1]?.current, { selected: true, text: "triton-qa", value: "triton-qa" });
  });

  void test("the panels the operators look at, each querying the selected datasource", () => {
    assert.deepEqual(
      d.panels.map((p) => p.title),
      [
        "Requests per second",
        "Mean latency",
        "p95 latency",
        "Queue time",
        "Failure rate",
        "CPU utilisation",
        "Memory used",
        "Total inferences",
        "Serving version",
      ],
    );
    for (const p of d.panels) {
      assert.deepEqual(p.datasource, { type: "prometheus", uid: "${datasource}" });
      assert.equal(p.targets.length, 1);
    }
    assert.equal(new Set(d.panels.map((p) => p.id)).size, d.panels.length);
  });

  void test("the model variable and every per-model panel leave out the core's staging models", () => {
    const model = d.templating.list.find((v) => v.name === "model");
    assert.equal(
      model?.definition,
      'label_values(nv_inference_request_success{namespace="$namespace", model!~".*\\\\.staging"}, model)',
    );
    assert.deepEqual(model?.query, { query: model?.definition, refId: "model-variable" });
    const version = d.templating.list.find((v) => v.name === "version");
    assert.ok(String(version?.definition).includes(NOT_STAGING), String(version?.definition));
    for (const p of d.panels) {
      const expr = p.targets[0]?.expr ?? "";
      const perModel = expr.includes('model=~"$model"');
      assert.equal(perModel, !["CPU utilisation", "Memory used"].includes(p.title), p.title);
      if (perModel) {
        assert.equal(
          countSelectors(expr),
          countOccurrences(expr, NOT_STAGING),
          `${p.title}: ${expr}`,
        );
      }
    }
  });
});

void describe("kube-prometheus-stack values", () => {
  const v = buildChartValues(qa) as Record<string, Record<string, Record<string, unknown>>>;
  const spec = v.prometheus?.prometheusSpec ?? {};

  void test("Prometheus selects only this release's objects in this stack's namespaces", () => {
    const release = { matchLabels: { release: "monitoring-qa" } };
    const namespaces = {
      matchExpressions: [
        {
          key: "kubernetes.io/metadata.name",
          operator: "In",
          values: ["triton-qa", "monitoring-qa"],
        },
      ],
    };
    for (const kind of ["serviceMonitor", "podMonitor", "probe", "rule"]) {
      assert.deepEqual(spec[`${kind}Selector`], release, kind);
      assert.deepEqual(spec[`${kind}NamespaceSelector`], namespaces, kind);
      assert.equal(spec[`${kind}SelectorNilUsesHelmValues`], false, kind);
    }
    assert.deepEqual(spec.externalLabels, { env: "qa" });
  });

  void test("Alertmanager gets the generated config and mounts the webhook Secret", () => {
    assert.deepEqual(v.alertmanager?.config, buildAlertmanagerConfig(qa));
    assert.deepEqual(v.alertmanager?.alertmanagerSpec, {
      secrets: ["monitoring-qa-alert-webhooks"],
    });
  });

  void test("shared parts follow the flags; Grafana loads only this env's dashboards", () => {
    assert.deepEqual(
      [v.crds, v.prometheusOperator, v.nodeExporter, v.kubeStateMetrics, v.defaultRules],
      [
        { enabled: false },
        { enabled: false },
        { enabled: false },
        { enabled: false },
        { create: false },
      ],
    );
    assert.deepEqual(v.grafana, {
      enabled: true,
      sidecar: {
        dashboards: {
          enabled: true,
          label: "grafana_dashboard",
          labelValue: "qa",
          searchNamespace: "monitoring-qa",
        },
      },
    });
    const owner = buildChartValues({
      ...qa,
      monitoring: {
        ...qa.monitoring,
        prometheusOperator: true,
        crds: true,
        nodeExporter: true,
        grafana: false,
      },
    });
    assert.deepEqual(
      [owner.crds, owner.prometheusOperator, owner.nodeExporter, owner.defaultRules, owner.grafana],
      [
        { enabled: true },
        { enabled: true },
        { enabled: true },
        { create: true },
        { enabled: false },
      ],
    );
  });

  void test("every key we set exists in the chart's values (88.5.3), so no setting is silently ignored", () => {
    const defaults = parseYaml(
      readFileSync(join(__dirname, "fixtures", "kube-prometheus-stack-88.5.3.values.yaml"), "utf8"),
    ) as unknown;
    const unknownKeysIn = (values: unknown): string[] => {
      const found: string[] = [];
      const walk = (ours: unknown, theirs: unknown, path: string) => {
        if (typeof ours !== "object" || ours === null || Array.isArray(ours)) return;
        // Below a free-form map (default `{}`) or a non-map default, any key is fine.
        if (typeof theirs !== "object" || theirs === null || Array.isArray(theirs)) return;
        if (Object.keys(theirs).length === 0) return;
        for (const [k, child] of Object.entries(ours)) {
          if (!(k in theirs)) found.push(`${path}${k}`);
          else walk(child, (theirs as Record<string, unknown>)[k], `${path}${k}.`);
        }
      };
      walk(values, defaults, "");
      return found;
    };
    // The check itself can fail:
    assert.deepEqual(unknownKeysIn({ prometheus: { prometheusSpec: { externalLabel: {} } } }), [
      "prometheus.prometheusSpec.externalLabel",
    ]);
    const unknownKeys: string[] = [];
    for (const { input } of allInputs()) {
      const values = buildChartValues({
        ...input,
        monitoring: {
          ...input.monitoring,
          retention: "3d",
          retentionSize: "10GB",
          storageSize: "20Gi",
          scrapeInterval: "15s",
          evaluationInterval: "15s",
          prometheusPodLabels: { app: "p" },
        },
      });
      unknownKeys.push(...unknownKeysIn(values));
    }
    // alertmanager.config is Alertmanager's own schema (checked by amtool), not the chart's.
    assert.deepEqual(
      unknownKeys.filter((k) => !k.startsWith("alertmanager.config.")),
      [],
    );
  });
});
