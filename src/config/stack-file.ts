// Reads a stack's config straight from Pulumi.<stack>.yaml, without Pulumi, for the model CLI and
// the render command. Secrets are not read here (they are `secure:` ciphertext in the file):
// callers take them from the environment (SECRET_KEYS[k].env).
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { ConfigError, setSecretCommand } from "./errors";
import { parseStackConfig } from "./parse";
import { SECRET_KEYS, type StackConfig } from "./schema";

export interface StackFile {
  /** Absolute path of Pulumi.<stack>.yaml. */
  readonly path: string;
  /** Project name from Pulumi.yaml: the namespace prefix of the stack's own keys. */
  readonly project: string;
  /** The stack's own non-secret keys, prefix removed, values as YAML typed them. */
  readonly values: Readonly<Record<string, unknown>>;
  /** Secret keys present in the file as `secure:` values (their ciphertext is not read). */
  readonly secretKeys: readonly string[];
  /** Keys of other namespaces (e.g. `kubernetes:context`), untouched. */
  readonly otherKeys: Readonly<Record<string, unknown>>;
}

function readYaml(path: string): unknown {
  try {
    return parseYaml(readFileSync(path, "utf8")) as unknown;
  } catch (e) {
    throw new ConfigError(path, [`(file): not valid YAML: ${(e as Error).message.split("\n")[0]}`]);
  }
}

/** The project name in `<projectDir>/Pulumi.yaml`. */
/** The stacks of the project: every `Pulumi.<stack>.yaml` beside Pulumi.yaml, sorted by name. */
export function listStacks(projectDir: string): string[] {
  return readdirSync(projectDir)
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();
}

export function readProjectName(projectDir: string): string {
  const path = join(projectDir, "Pulumi.yaml");
  if (!existsSync(path)) {
    throw new ConfigError(path, ["(file): missing, expected a Pulumi project file"]);
  }
  const doc = readYaml(path) as { name?: unknown } | null;
  if (typeof doc?.name !== "string" || doc.name === "") {
    throw new ConfigError(path, ["name: missing, expected the project name"]);
  }
  return doc.name;
}

/** Splits Pulumi.<stack>.yaml into the project's values, its secret keys and other namespaces. */
export function readStackFile(projectDir: string, stack: string): StackFile {
  const project = readProjectName(projectDir);
  const path = join(projectDir, `Pulumi.${stack}.yaml`);
  if (!existsSync(path)) {
    throw new ConfigError(path, [
      `(file): missing, expected the config of stack "${stack}" (create it with: pulumi stack init ${stack})`,
    ]);
  }
  const doc = readYaml(path) as { config?: unknown } | null;
  const config = doc?.config ?? {};
  if (typeof config !== "object" || config === null || Array.isArray(config)) {
    throw new ConfigError(path, ["config: expected a map of <namespace>:<key> to values"]);
  }

  const values: Record<string, unknown> = {};
  const otherKeys: Record<string, unknown> = {};
  const secretKeys: string[] = [];
  const lines: string[] = [];
  for (const [fullKey, value] of Object.entries(config as Record<string, unknown>)) {
    const sep = fullKey.indexOf(":");
    if (sep < 0) {
      lines.push(
        `${fullKey}: unknown key, expected <namespace>:<key> such as ${project}:${fullKey}`,
      );
      continue;
    }
    if (fullKey.slice(0, sep) !== project) {
      otherKeys[fullKey] = value;
      continue;
    }
    const key = fullKey.slice(sep + 1);
    const isSecure =
      typeof value === "object" && value !== null && "secure" in (value as Record<string, unknown>);
    if (key in SECRET_KEYS) {
      if (isSecure) secretKeys.push(key);
      else {
        lines.push(
          `${key}: stored in plain text, expected a secret (set it with: ${setSecretCommand(key, stack)})`,
        );
      }
      continue;
    }
    values[key] = value;
  }
  if (lines.length > 0) throw new ConfigError(path, lines);
  return { path, project, values, secretKeys, otherKeys };
}

/** The validated, typed config of `stack` (non-secret part). Throws ConfigError. */
export function readStackConfig(projectDir: string, stack: string): StackConfig {
  const file = readStackFile(projectDir, stack);
  return parseStackConfig(file.values, file.path);
}
