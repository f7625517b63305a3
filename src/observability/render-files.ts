// The four review artefacts of one stack as file contents. The render command writes them; the
// tests feed the very same text to promtool, amtool, prometheus and alertmanager.
import { stringify } from "yaml";
import { buildAlertmanagerConfig } from "./alertmanager-config";
import { buildChartValues } from "./chart-values";
import { buildDashboard } from "./dashboard";
import type { ObservabilityInput } from "./input";
import { buildRuleGroups } from "./rule-groups";

export const RENDERED_FILE_NAMES = [
  "rules.yaml",
  "alertmanager.yaml",
  "dashboard.json",
  "values.yaml",
] as const;
export type RenderedFileName = (typeof RENDERED_FILE_NAMES)[number];

/** YAML for humans: no folding (PromQL and Go templates stay on their lines, diffs stay small). */
export function toYaml(value: unknown): string {
  return stringify(value, { lineWidth: 0 });
}

export function renderObservabilityFiles(
  input: ObservabilityInput,
): Record<RenderedFileName, string> {
  return {
    // `groups:` at the top is the rule file format promtool and Prometheus read.
    "rules.yaml": toYaml({ groups: buildRuleGroups(input) }),
    "alertmanager.yaml": toYaml(buildAlertmanagerConfig(input)),
    "dashboard.json": `${JSON.stringify(buildDashboard(input), null, 2)}\n`,
    "values.yaml": toYaml(buildChartValues(input)),
  };
}
