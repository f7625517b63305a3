// `npm run render -- --stack <name> --out <dir>`: writes the stack's alert rules, Alertmanager
// config, Grafana dashboard and kube-prometheus-stack values as files, without a cluster, so a
// pull request shows exactly what changes. Exit codes: 0 written, 1 bad stack config, 2 bad usage.
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { ConfigError } from "../config/errors";
import { readStackConfig } from "../config/stack-file";
import { observabilityInputFromConfig } from "../observability/from-stack-config";
import { RENDERED_FILE_NAMES, renderObservabilityFiles } from "../observability/render-files";

const USAGE = `usage: npm run render -- --stack <name> --out <dir>

Writes ${RENDERED_FILE_NAMES.join(", ")}
for stack <name> (read from Pulumi.<name>.yaml in the current directory) into <dir>,
creating <dir> if needed.`;

class UsageError extends Error {}

function parseCommandLine(argv: readonly string[]): { stack: string; out: string } {
  let values: { stack?: string; out?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        stack: { type: "string" },
        out: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (values.help === true) throw new UsageError("");
  const missing = (["stack", "out"] as const).filter((k) => !values[k]);
  if (missing.length > 0) {
    throw new UsageError(`missing ${missing.map((k) => `--${k}`).join(" and ")}`);
  }
  return { stack: values.stack as string, out: values.out as string };
}

export function main(argv: readonly string[], cwd: string): number {
  let args: { stack: string; out: string };
  try {
    args = parseCommandLine(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    if (e.message !== "") console.error(`render: ${e.message}`);
    console.error(USAGE);
    return 2;
  }
  let files: Record<string, string>;
  try {
    files = renderObservabilityFiles(
      observabilityInputFromConfig(readStackConfig(cwd, args.stack)),
    );
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    console.error(`render: ${e.message}`);
    return 1;
  }
  const outDir = resolve(cwd, args.out);
  mkdirSync(outDir, { recursive: true });
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(join(outDir, name), content);
    console.log(`wrote ${join(outDir, name)}`);
  }
  return 0;
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2), process.cwd());
}
