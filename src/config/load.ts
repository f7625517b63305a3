// The ONLY place that reads Pulumi config. Non-secret keys are parsed through the schema (so a
// typo or a bad value stops `pulumi preview` with a message naming the key); secret keys are read
// only as secret Outputs and never enter the typed config object.
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, setSecretCommand } from "./errors";
import { decodeConfigValue, parseStackConfig } from "./parse";
import { SECRET_KEYS, type SecretKey, type StackConfig } from "./schema";
import { stackIsolationProblems } from "./stack-isolation";

/** The stack's secrets as secret Outputs: pass them only into Kubernetes Secret `stringData`. */
export interface StackSecrets {
  readonly slackWebhookUrl: pulumi.Output<string>;
  readonly tritonApiKey: pulumi.Output<string>;
  readonly pagerRoutingKey?: pulumi.Output<string>;
  readonly mlflowTrackingToken?: pulumi.Output<string>;
  readonly mlflowTrackingPassword?: pulumi.Output<string>;
  readonly nfsSshPrivateKey?: pulumi.Output<string>;
}

export interface LoadedStack {
  readonly config: StackConfig;
  readonly secrets: StackSecrets;
}

/**
 * Reads and validates the current stack's config. Throws a `pulumi.RunError` carrying the
 * ConfigError's message, which lists every problem: the language host prints a RunError's message
 * alone, where any other error would be shown as "failed with an unhandled exception" followed by
 * a stack trace that says nothing to the person fixing a stack file (cmd/run/run.js).
 */
export function loadStackConfig(): LoadedStack {
  const project = pulumi.getProject();
  const stack = pulumi.getStack();
  const prefix = `${project}:`;
  const secretKeys = Object.keys(SECRET_KEYS);

  // allConfig (not per-key reads) so that a misspelt key is reported instead of silently ignored.
  const raw: Record<string, unknown> = {};
  for (const [fullKey, text] of Object.entries(pulumi.runtime.allConfig())) {
    if (!fullKey.startsWith(prefix)) continue;
    const key = fullKey.slice(prefix.length);
    if (secretKeys.includes(key)) continue;
    raw[key] = decodeConfigValue(text);
  }

  const lines: string[] = [];
  let config: StackConfig | undefined;
  try {
    config = parseStackConfig(raw, `stack ${stack}`);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    lines.push(...e.lines);
  }

  const cfg = new pulumi.Config(project);
  const secrets: Partial<Record<SecretKey, pulumi.Output<string>>> = {};
  for (const key of secretKeys as SecretKey[]) {
    const value = cfg.getSecret(key);
    if (value !== undefined) secrets[key] = value;
    else if (SECRET_KEYS[key].required) {
      lines.push(`${key}: missing secret, set it with: ${setSecretCommand(key, stack)}`);
    }
  }
  // Secrets only some configs need, each with the setting that needs it.
  const neededBy: [SecretKey, boolean, string][] = [
    ["pagerRoutingKey", config?.alerting.pager.enabled === true, "alerting.pager.enabled is true"],
    [
      "nfsSshPrivateKey",
      config?.storage.prepareExport !== undefined,
      "storage.prepareExport is set",
    ],
  ];
  for (const [key, needed, setting] of neededBy) {
    if (needed && secrets[key] === undefined) {
      lines.push(
        `${key}: missing secret (${setting}), set it with: ${setSecretCommand(key, stack)}`,
      );
    }
  }
  // Pulumi runs the program in the project directory, beside the other stacks' files.
  if (config !== undefined) lines.push(...stackIsolationProblems(process.cwd(), stack, config));
  if (lines.length > 0 || config === undefined) {
    throw new pulumi.RunError(new ConfigError(`stack ${stack}`, lines).message);
  }
  return { config, secrets: secrets as StackSecrets };
}
