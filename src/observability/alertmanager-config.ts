// The Alertmanager configuration for one stack. The default receiver is `null`: only alerts that
// carry this stack's `env` label reach a receiver, so an unlabelled or foreign-env alert (a
// mislabelled rule, another Prometheus pointing here) never reaches a production channel.
import type { ObservabilityInput } from "./input";
import { MODEL_ALERT_NAMES } from "./rule-groups";

export const NULL_RECEIVER = "null";

export interface AlertmanagerRoute {
  readonly receiver: string;
  readonly matchers?: readonly string[];
  readonly continue?: boolean;
  readonly group_by?: readonly string[];
  readonly group_wait?: string;
  readonly group_interval?: string;
  readonly repeat_interval?: string;
  readonly routes?: readonly AlertmanagerRoute[];
}

export interface AlertmanagerReceiver {
  readonly name: string;
  readonly slack_configs?: readonly Record<string, unknown>[];
  readonly pagerduty_configs?: readonly Record<string, unknown>[];
}

export interface AlertmanagerConfig {
  readonly route: AlertmanagerRoute;
  readonly receivers: readonly AlertmanagerReceiver[];
  readonly inhibit_rules: readonly Record<string, unknown>[];
}

export function slackReceiverName(env: string): string {
  return `slack-${env}`;
}

export function pagerReceiverName(env: string): string {
  return `pager-${env}`;
}

/** An Alertmanager matcher `label="value"` (values are double-quoted; JSON escaping is valid). */
function matcher(label: string, op: "=" | "=~", value: string): string {
  return `${label}${op}${JSON.stringify(value)}`;
}

// Go templates Alertmanager expands per notification; they use only the annotations our rules set.
const SLACK_TITLE =
  '[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}] ' +
  "{{ .CommonLabels.alertname }} ({{ .CommonLabels.env }}{{ with .CommonLabels.namespace }}/{{ . }}{{ end }})";
const SLACK_TEXT =
  "{{ range .Alerts }}*{{ .Annotations.summary }}*\n{{ .Annotations.description }}\n" +
  "{{ with .Annotations.runbook_url }}Runbook: {{ . }}\n{{ end }}{{ end }}";

export function buildAlertmanagerConfig(input: ObservabilityInput): AlertmanagerConfig {
  const { env, alerting, webhookSecret } = input;
  const slack = slackReceiverName(env);
  const pager = pagerReceiverName(env);
  const ours = matcher("env", "=", env);

  const routes: AlertmanagerRoute[] = [
    // The chart's always-firing heartbeat and its helper alert carry our env (external label) too;
    // they must never page or post.
    { receiver: NULL_RECEIVER, matchers: [matcher("alertname", "=~", "Watchdog|InfoInhibitor")] },
  ];
  if (alerting.pager.enabled) {
    routes.push({
      receiver: pager,
      matchers: [ours, matcher("severity", "=", "critical")],
      continue: true, // critical alerts go to Slack as well
    });
  }
  routes.push({ receiver: slack, matchers: [ours] });

  const receivers: AlertmanagerReceiver[] = [
    { name: NULL_RECEIVER },
    {
      name: slack,
      slack_configs: [
        {
          api_url_file: webhookSecret.slackUrlFile,
          channel: alerting.slack.channel,
          send_resolved: alerting.slack.sendResolved,
          title: SLACK_TITLE,
          text: SLACK_TEXT,
        },
      ],
    },
  ];
  if (alerting.pager.enabled) {
    receivers.push({
      name: pager,
      pagerduty_configs: [
        {
          routing_key_file: webhookSecret.pagerRoutingKeyFile,
          url: alerting.pager.url,
          send_resolved: true,
          description: SLACK_TITLE,
        },
      ],
    });
  }

  return {
    route: {
      receiver: NULL_RECEIVER,
      group_by: alerting.routing.groupBy,
      group_wait: alerting.routing.groupWait,
      group_interval: alerting.routing.groupInterval,
      repeat_interval: alerting.routing.repeatInterval,
      routes,
    },
    receivers,
    inhibit_rules: [
      {
        // A down server explains every model alert in its namespace; page once, not per model.
        source_matchers: [matcher("alertname", "=", "TritonServerDown")],
        target_matchers: [matcher("alertname", "=~", MODEL_ALERT_NAMES.join("|"))],
        equal: ["env", "namespace"],
      },
    ],
  };
}
