// Standalone MLflow-compatible test server:
//   npm run mlflow-server -- --port=<p> --data=<dir> [options]
// Prints its URL on the first line of stdout, then serves until SIGINT/SIGTERM. State lives
// under --data, so a restart on the same directory keeps registry and artifacts.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { BasicUser, BearerToken, MlflowServerOptions, Permission } from "./options";
import { startMlflowServer } from "./server";

const USAGE = `usage: npm run mlflow-server -- --port=<p> --data=<dir> [options]
  --host=<addr>                 listen address (default 127.0.0.1)
  --mlflow-version=<v>          impersonated release (default 3.4.0; <3 has no logged-model routes)
  --basic-auth=<user>:<pass>[:<READ|EDIT|MANAGE|NO_PERMISSIONS>]   repeatable
  --bearer-token=<token>[:<permission>]                             repeatable
  --int64-as-strings            emit int64 fields as JSON strings (very old servers)
  --alias-on-missing-model=<alias-not-found|model-not-found>
  --latest-alias=<reserved|newest-version>
  --empty-strings=<omit|emit>
  --no-serve-artifacts          proxied artifact routes answer 503
  --artifacts-only              tracking and registry routes answer 503
  --tls-cert=<pem> --tls-key=<pem> [--tls-ca=<pem> --require-client-cert]`;

const PERMISSIONS: readonly Permission[] = ["READ", "EDIT", "MANAGE", "NO_PERMISSIONS"];

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

function permissionOf(value: string | undefined, flag: string): Permission | undefined {
  if (value === undefined) return undefined;
  if (!(PERMISSIONS as readonly string[]).includes(value)) {
    fail(`${flag}: permission must be one of ${PERMISSIONS.join(", ")}, got "${value}"`);
  }
  return value as Permission;
}

function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) {
    fail(`--${flag} must be one of ${allowed.join(", ")}, got "${value}"`);
  }
  return value as T;
}

export function parseArgs(argv: readonly string[]): MlflowServerOptions {
  let port: number | undefined;
  let dataDir: string | undefined;
  const users: BasicUser[] = [];
  const tokens: BearerToken[] = [];
  const options: Record<string, unknown> = {};
  const tls: Record<string, unknown> = {};
  for (const arg of argv) {
    const m = /^--([a-z0-9-]+)(?:=(.*))?$/.exec(arg);
    if (!m) fail(`unexpected argument "${arg}"`);
    const [, flag, value] = m;
    const need = () =>
      value === undefined || value === "" ? fail(`--${flag} needs a value`) : value;
    switch (flag) {
      case "port": {
        port = Number(need());
        if (!Number.isInteger(port) || port < 0 || port > 65535) {
          fail(`--port must be 0-65535, got "${value}"`);
        }
        break;
      }
      case "data":
        dataDir = resolve(need());
        break;
      case "host":
        options.host = need();
        break;
      case "mlflow-version":
        options.mlflowVersion = need();
        break;
      case "basic-auth": {
        const [username, password, permission] = need().split(":");
        if (!username || password === undefined) {
          fail(`--basic-auth must be <user>:<pass>[:<permission>]`);
        }
        users.push({ username, password, permission: permissionOf(permission, "--basic-auth") });
        break;
      }
      case "bearer-token": {
        const [token, permission] = need().split(":");
        tokens.push({ token: token!, permission: permissionOf(permission, "--bearer-token") });
        break;
      }
      case "int64-as-strings":
        options.int64AsStrings = true;
        break;
      case "alias-on-missing-model":
        options.aliasLookupOnMissingModel = oneOf(flag, need(), [
          "alias-not-found",
          "model-not-found",
        ]);
        break;
      case "latest-alias":
        options.latestAlias = oneOf(flag, need(), ["reserved", "newest-version"]);
        break;
      case "empty-strings":
        options.emptyStrings = oneOf(flag, need(), ["omit", "emit"]);
        break;
      case "no-serve-artifacts":
        options.serveArtifacts = false;
        break;
      case "artifacts-only":
        options.artifactsOnly = true;
        break;
      case "tls-cert":
        tls.cert = readFileSync(need());
        break;
      case "tls-key":
        tls.key = readFileSync(need());
        break;
      case "tls-ca":
        tls.ca = readFileSync(need());
        break;
      case "require-client-cert":
        tls.requireClientCert = true;
        break;
      default:
        fail(`unknown option --${flag}`);
    }
  }
  if (port === undefined) fail("--port is required");
  if (dataDir === undefined) fail("--data is required");
  if ((tls.cert === undefined) !== (tls.key === undefined)) {
    fail("--tls-cert and --tls-key go together");
  }
  return {
    ...options,
    port,
    dataDir,
    ...(users.length > 0 || tokens.length > 0 ? { auth: { users, tokens } } : {}),
    ...(tls.cert !== undefined ? { tls: tls as unknown as MlflowServerOptions["tls"] } : {}),
  };
}

async function main(): Promise<void> {
  const handle = await startMlflowServer(parseArgs(process.argv.slice(2)));
  process.stdout.write(`${handle.url}\n`);
  process.stderr.write(
    `MLflow-compatible test server on ${handle.url} (data ${handle.dataDir}, test control ${handle.controlUrl})\n`,
  );
  const stop = () => {
    void handle.close().then(() => process.exit(0));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`mlflow-server failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  });
}
