// The one error type for bad stack configuration: a list of lines, each naming the key, the value
// and what is allowed. `pulumi preview`, the CLI and the render command all stop on it.
export class ConfigError extends Error {
  override readonly name = "ConfigError";

  constructor(
    /** Where the config came from, e.g. `stack dev` or `/path/Pulumi.dev.yaml`. */
    readonly source: string,
    /** One problem per line: `<key path>: got <value>, expected <what is allowed>`. */
    readonly lines: readonly string[],
  ) {
    super(`invalid stack config (${source}):\n${lines.map((l) => `  - ${l}`).join("\n")}`);
  }
}

/** The command that sets a missing or plain-text secret, exactly as an operator would type it. */
export function setSecretCommand(key: string, stack: string): string {
  return `pulumi config set --secret ${key} <value> --stack ${stack}`;
}
