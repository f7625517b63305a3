// Parses raw (un-prefixed, non-secret) stack config into the typed StackConfig, or throws a
// ConfigError listing every problem at once, so one `pulumi preview` shows all of them.
import { ConfigError } from "./errors";
import { expectedPhrase, formatIssues } from "./format";
import { StackConfigSchema, type StackConfig } from "./schema";

export function parseStackConfig(raw: unknown, source: string): StackConfig {
  const result = StackConfigSchema.safeParse(raw, { reportInput: true, error: expectedPhrase });
  if (result.success) return result.data;
  throw new ConfigError(source, formatIssues(result.error.issues));
}

/**
 * A config value as Pulumi hands it to a program: structured values (objects, lists) arrive as
 * JSON text, plain strings as themselves.
 */
export function decodeConfigValue(text: string): unknown {
  const trimmed = text.trim();
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    try {
      return JSON.parse(trimmed) as unknown;
    } catch {
      return text;
    }
  }
  return text;
}
