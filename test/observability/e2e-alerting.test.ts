// End to end on loopback with the real servers: a Prometheus scraping the Triton-compatible test
// server with this stack's rendered rules, an Alertmanager with this stack's rendered config whose
// Slack and PagerDuty URLs point at a local receiver. Only the durations and thresholds are
// test-sized; the env, namespace, model and routing are those of the project's first stack.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { AlertingConfigSchema } from "../../src/config/observability";
import {
  buildDashboard,
  renderObservabilityFiles,
  toYaml,
  type ObservabilityInput,
} from "../../src/observability";
import { irisModel } from "../support/onnx/fixtures";
import { onnxConfig, startTritonServer, writeModelDir, type TritonHandle } from "../support/triton";
import { projectStacks, stackInput } from "./support/inputs";
import {
  amAlerts,
  amPostAlerts,
  isReady,
  promAlerts,
  promLabelValues,
  promQuery,
} from "./support/prometheus-api";
import {
  freePort,
  makeTempDir,
  startServerProcess,
  waitFor,
  type ServerProcess,
} from "./support/tools";
import { startWebhookReceiver, type WebhookReceiver } from "./support/webhook-receiver";

const stack = projectStacks()[0] ?? "";
const base = stackInput(stack);
const env = base.env;
const ns = base.tritonNamespace;
const model = base.models[0] ?? "iris";
const RATE_WINDOW = "5s";
const DEADLINE_MS = 30_000;

/** Test-sized alerting: seconds instead of minutes; only the mean latency can fire from traffic. */
function e2eInput(receiverUrl: string, dir: string): ObservabilityInput {
  return {
    ...base,
    alerting: AlertingConfigSchema.parse({
      runbookBaseUrl: base.alerting.runbookBaseUrl,
      rules: {
        window: RATE_WINDOW,
        meanLatency: { threshold: 50, for: "2s", severity: "warning" },
        errorRatio: { threshold: 0.5, for: "2s" },
        queueLatency: { threshold: 1000, for: "2s" },
        p95Latency: { threshold: 5000, for: "2s" },
        serverDown: { for: "2s" },
        modelNotServing: { for: "2s" },
      },
      routing: { groupWait: "1s", groupInterval: "1s", repeatInterval: "1h" },
      slack: base.alerting.slack,
      pager: { enabled: true, url: `${receiverUrl}/pager` },
    }),
    // The files Alertmanager would find in the mounted Secret.
    webhookSecret: {
      name: base.webhookSecret.name,
      slackUrlFile: join(dir, "slack-webhook-url"),
      pagerRoutingKeyFile: join(dir, "pager-routing-key"),
    },
  };
}

interface SlackPayload {
  channel?: string;
  attachments?: { title?: string; text?: string }[];
}
interface PagerPayload {
  routing_key?: string;
  event_action?: string;
  payload?: { summary?: string; custom_details?: Record<string, string> };
}

void describe(`alerting end to end for stack ${stack} (env ${env})`, () => {
  const tmp = makeTempDir("e2e-alerting");
  let receiver: WebhookReceiver | undefined;
  let triton: TritonHandle | undefined;
  let prometheus: ServerProcess | undefined;
  let alertmanager: ServerProcess | undefined;
  let promUrl = "";
  let amUrl = "";
  let traffic: { stop(): Promise<void> } | undefined;
  let input: ObservabilityInput;

  const slackPosts = () =>
    (receiver?.posts ?? []).filter((p) => p.path === "/slack").map((p) => p.body as SlackPayload);
  const pagerPosts = () =>
    (receiver?.posts ?? []).filter((p) => p.path === "/pager").map((p) => p.body as PagerPayload);
  const slackTitles = () => slackPosts().map((p) => p.attachments?.[0]?.title ?? "");
  const diagnostics = () =>
    `\n--- prometheus ---\n${prometheus?.output().slice(-3000)}\n--- alertmanager ---\n${alertmanager?.output().slice(-3000)}`;

  before(async () => {
    receiver = await startWebhookReceiver();
    input = e2eInput(receiver.url, tmp.path);
    writeFileSync(input.webhookSecret.slackUrlFile, `${receiver.url}/slack`);
    writeFileSync(input.webhookSecret.pagerRoutingKeyFile, "e2e-routing-key");

    const repo = join(tmp.path, "model-repo");
    writeModelDir(repo, model, { config: onnxConfig(model), versions: { "1": irisModel() } });
    triton = await startTritonServer({
      modelRepository: repo,
      modelControlMode: "explicit",
      loadModels: [model],
      metricsConfig: ["summary_latencies=true"],
    });
    traffic = startTraffic(triton.httpUrl, model);

    const files = renderObservabilityFiles(input);
    writeFileSync(join(tmp.path, "rules.yaml"), files["rules.yaml"]);
    writeFileSync(join(tmp.path, "alertmanager.yaml"), files["alertmanager.yaml"]);

    const amPort = await freePort();
    amUrl = `http://127.0.0.1:${amPort}`;
    alertmanager = startServerProcess(
      "alertmanager",
      "prometheus-alertmanager",
      [
        `--config.file=${join(tmp.path, "alertmanager.yaml")}`,
        `--storage.path=${join(tmp.path, "am-data")}`,
        `--web.listen-address=127.0.0.1:${amPort}`,
        "--cluster.listen-address=", // no gossip port: a single local instance
      ],
      tmp.path,
    );

    const promPort = await freePort();
    promUrl = `http://127.0.0.1:${promPort}`;
    writeFileSync(
      join(tmp.path, "prometheus.yml"),
      toYaml({
        global: {
          scrape_interval: "1s",
          evaluation_interval: "1s",
          external_labels: { env },
        },
        rule_files: ["rules.yaml"],
        alerting: {
          alertmanagers: [
            { api_version: "v2", static_configs: [{ targets: [`127.0.0.1:${amPort}`] }] },
          ],
        },
        scrape_configs: [
          {
            job_name: "triton",
            // What the ServiceMonitor's target labels give in the cluster: the pod's namespace.
            static_configs: [
              { targets: [new URL(triton.metricsUrl ?? "").host], labels: { namespace: ns } },
            ],
          },
        ],
      }),
    );
    prometheus = startServerProcess(
      "prometheus",
      "prometheus",
      [
        `--config.file=${join(tmp.path, "prometheus.yml")}`,
        `--storage.tsdb.path=${join(tmp.path, "prom-data")}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
      ],
      tmp.path,
    );
    await waitFor("Alertmanager ready", () => isReady(`${amUrl}/-/ready`), DEADLINE_MS);
    await waitFor("Prometheus ready", () => isReady(`${promUrl}/-/ready`), DEADLINE_MS);
  });

  after(async () => {
    await traffic?.stop();
    await prometheus?.stop();
    await alertmanager?.stop();
    await triton?.stop();
    await receiver?.close();
    tmp.remove();
  });

  void test("Prometheus scrapes the Triton-format metrics of the model", async () => {
    const up = await waitFor(
      "the Triton target to be up",
      async () => {
        const r = await promQuery(promUrl, 'up{job="triton"} == 1');
        return r.length === 1 ? r : undefined;
      },
      DEADLINE_MS,
    );
    assert.equal(up[0]?.metric.namespace, ns);
  });

  void test("every dashboard variable and panel query returns data for the model", async () => {
    const dashboard = buildDashboard(input);
    const substitute = (expr: string) =>
      expr
        .replaceAll("$namespace", ns)
        .replaceAll("$model", model)
        .replaceAll("$version", ".*")
        .replaceAll("$__rate_interval", RATE_WINDOW);

    // Variables: what Grafana's label_values(<selector>, <label>) asks Prometheus.
    const variables = Object.fromEntries(
      dashboard.templating.list
        .filter((v) => v.type === "query")
        .map((v) => [v.name as string, v.definition as string]),
    );
    const expectedValues: Record<string, string> = { namespace: ns, model, version: "1" };
    for (const [name, definition] of Object.entries(variables)) {
      const m = /^label_values\((.+), (\w+)\)$/.exec(substitute(definition));
      assert.ok(m, `variable ${name}: ${definition}`);
      const values = await promLabelValues(promUrl, m[2] ?? "", m[1] ?? "");
      assert.deepEqual(values, [expectedValues[name]], `variable ${name}`);
    }

    for (const panel of dashboard.panels) {
      const expr = substitute(panel.targets[0]?.expr ?? "");
      const result = await waitFor(
        `data for panel "${panel.title}": ${expr}`,
        async () => {
          const r = await promQuery(promUrl, expr);
          return r.length > 0 && r.every((s) => !Number.isNaN(Number(s.value[1]))) ? r : undefined;
        },
        DEADLINE_MS,
      );
      const perModel = !["CPU utilisation", "Memory used"].includes(panel.title);
      if (perModel) {
        assert.deepEqual(
          result.map((s) => s.metric.model),
          [model],
          `panel "${panel.title}" is about the model under test`,
        );
      }
    }
    const serving = await promQuery(
      promUrl,
      substitute(dashboard.panels[8]?.targets[0]?.expr ?? ""),
    );
    assert.deepEqual(serving[0]?.metric, { model, version: "1" });
    assert.equal(serving[0]?.value[1], "1");
  });

  void test(`raising the latency makes TritonMeanLatencyHigh reach slack-${env} and nothing else`, async () => {
    assert.deepEqual(
      (await promAlerts(promUrl)).filter((a) => a.state === "firing"),
      [],
      "nothing fires before the latency goes up",
    );
    triton?.setLatency(model, undefined, 150);

    const post = await waitFor(
      "a Slack post for TritonMeanLatencyHigh",
      () =>
        slackPosts().find((p) =>
          /^\[FIRING:1\] TritonMeanLatencyHigh /.test(p.attachments?.[0]?.title ?? ""),
        ),
      DEADLINE_MS,
    ).catch((e: Error) => assert.fail(e.message + diagnostics()));
    assert.equal(post.channel, input.alerting.slack.channel);
    assert.equal(post.attachments?.[0]?.title, `[FIRING:1] TritonMeanLatencyHigh (${env}/${ns})`);
    const text = post.attachments?.[0]?.text ?? "";
    assert.match(
      text,
      new RegExp(
        `^\\*Triton mean latency high: ${model}\\*\\nMean request latency of model ${model} in ${ns} \\(env ${env}\\) is \\d+\\.\\d ms over ${RATE_WINDOW}, above 50 ms\\.\\nRunbook: ${base.alerting.runbookBaseUrl}/blob/main/docs/runbooks\\.md#runbook-tritonmeanlatencyhigh\\n$`,
      ),
    );
    const measured = Number(/is (\d+\.\d) ms/.exec(text)?.[1]);
    assert.ok(measured > 50 && measured < 400, `measured mean latency ${measured} ms`);

    // Alertmanager routed it to the Slack receiver only (warning: no pager).
    const [amAlert] = (await amAlerts(amUrl)).filter(
      (a) => a.labels.alertname === "TritonMeanLatencyHigh",
    );
    assert.deepEqual(amAlert?.receivers, [{ name: `slack-${env}` }]);
    assert.deepEqual(
      [
        amAlert?.labels.env,
        amAlert?.labels.namespace,
        amAlert?.labels.model,
        amAlert?.labels.severity,
      ],
      [env, ns, model, "warning"],
    );

    // Nothing else fires in Prometheus; nothing else was posted anywhere.
    assert.deepEqual(
      (await promAlerts(promUrl))
        .filter((a) => a.state === "firing")
        .map((a) => a.labels.alertname),
      ["TritonMeanLatencyHigh"],
    );
    assert.deepEqual(slackTitles(), [`[FIRING:1] TritonMeanLatencyHigh (${env}/${ns})`]);
    assert.deepEqual(pagerPosts(), []);
  });

  void test("the alert resolves when the latency goes back down (resolved notice to Slack)", async () => {
    triton?.setLatency(model, undefined, 0);
    await waitFor(
      "a resolved Slack post for TritonMeanLatencyHigh",
      () => slackTitles().find((t) => t.startsWith("[RESOLVED] TritonMeanLatencyHigh")),
      DEADLINE_MS,
    );
    assert.deepEqual(pagerPosts(), []);
  });

  void test("alerts without env or with another env reach no receiver; a critical of ours pages too", async () => {
    const before = receiver?.posts.length ?? 0;
    await amPostAlerts(amUrl, [
      { labels: { alertname: "E2EUnlabelled", severity: "critical", namespace: ns } },
      {
        labels: {
          alertname: "E2EForeignEnv",
          env: `not-${env}`,
          severity: "critical",
          namespace: ns,
        },
      },
      // The sentinel: same timing as the others, so once it arrives the others would have too.
      { labels: { alertname: "E2ESentinel", env, severity: "critical", namespace: ns } },
    ]);
    await waitFor(
      "the sentinel on Slack and on the pager",
      () => {
        const slack = slackTitles().some((t) => t.includes("E2ESentinel"));
        const pager = pagerPosts().some((p) => (p.payload?.summary ?? "").includes("E2ESentinel"));
        return slack && pager ? true : undefined;
      },
      DEADLINE_MS,
    );
    const later = JSON.stringify(receiver?.posts.slice(before).map((p) => p.body));
    assert.doesNotMatch(later, /E2EUnlabelled|E2EForeignEnv/);
    assert.equal(pagerPosts().at(-1)?.routing_key, "e2e-routing-key");

    const routed = Object.fromEntries(
      (await amAlerts(amUrl))
        .filter((a) => a.labels.alertname?.startsWith("E2E"))
        .map((a) => [a.labels.alertname, a.receivers.map((r) => r.name).sort()]),
    );
    assert.deepEqual(routed, {
      E2EUnlabelled: ["null"],
      E2EForeignEnv: ["null"],
      E2ESentinel: [`pager-${env}`, `slack-${env}`],
    });
  });

  void test("TritonServerDown inhibits the model alerts of its namespace, not of another", async () => {
    const down = {
      alertname: "TritonServerDown",
      env,
      severity: "critical",
      namespace: "e2e-inhibit",
    };
    const modelAlert = { alertname: "TritonHighErrorRate", env, severity: "warning", model };
    await amPostAlerts(amUrl, [
      { labels: down },
      { labels: { ...modelAlert, namespace: "e2e-inhibit" } },
      { labels: { ...modelAlert, namespace: "e2e-other" } },
    ]);
    const states = await waitFor(
      "the model alert of the down namespace to be suppressed",
      async () => {
        const alerts = (await amAlerts(amUrl)).filter(
          (a) => a.labels.alertname === "TritonHighErrorRate",
        );
        const byNs = Object.fromEntries(alerts.map((a) => [a.labels.namespace, a.status]));
        return byNs["e2e-inhibit"]?.state === "suppressed" && byNs["e2e-other"] ? byNs : undefined;
      },
      DEADLINE_MS,
    );
    assert.equal(states["e2e-inhibit"]?.inhibitedBy.length, 1);
    assert.equal(states["e2e-other"]?.state, "active");
  });
});

/** Sequential inference requests, about 20 per second, until stopped (steady traffic). */
function startTraffic(httpUrl: string, model: string): { stop(): Promise<void> } {
  let running = true;
  const body = JSON.stringify({
    inputs: [{ name: "input", datatype: "FP32", shape: [1, 4], data: [5.1, 3.5, 1.4, 0.2] }],
  });
  const loop = (async () => {
    while (running) {
      const started = Date.now();
      const res = await fetch(`${httpUrl}/v2/models/${model}/infer`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      }).catch(() => undefined);
      await res?.arrayBuffer();
      // Pacing, not waiting for an event: keeps the load light on a 2-core runner.
      const pause = 50 - (Date.now() - started);
      if (pause > 0) await new Promise((r) => setTimeout(r, pause));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
    },
  };
}
