// A private CA with a server certificate for 127.0.0.1 and a client certificate, made with the
// openssl CLI, for the TLS variant of the test server (mlflow-contract.md §5, §8 "Auth": a
// private CA via MLFLOW_TRACKING_SERVER_CERT_PATH and an optional client certificate).
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface TestPki {
  readonly dir: string;
  readonly caCertFile: string;
  readonly serverCertFile: string;
  readonly serverKeyFile: string;
  readonly clientCertFile: string;
  readonly clientKeyFile: string;
  /** A certificate for 127.0.0.1 signed by a different CA (must be rejected). */
  readonly foreignCaCertFile: string;
  readonly caCert: Buffer;
  readonly serverCert: Buffer;
  readonly serverKey: Buffer;
  readonly clientCert: Buffer;
  readonly clientKey: Buffer;
}

function openssl(dir: string, args: string[]): void {
  try {
    execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? "";
    throw new Error(`openssl ${args.join(" ")} failed: ${stderr || (error as Error).message}`);
  }
}

/** The PKI is made afresh for each test run; two days outlasts any run. */
const VALID_DAYS = "2";

/**
 * `openssl req` with a new P-256 key in `<name>.key` and subject CN=<name>: a self-signed
 * certificate `<name>.crt` (a CA), or a signing request `<name>.csr` for a CA to issue.
 */
function newKeyAndRequest(dir: string, name: string, output: "self-signed" | "csr"): void {
  const selfSigned = output === "self-signed";
  openssl(dir, [
    "req",
    ...(selfSigned ? ["-x509"] : []),
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-keyout",
    `${name}.key`,
    "-out",
    selfSigned ? `${name}.crt` : `${name}.csr`,
    ...(selfSigned ? ["-days", VALID_DAYS] : []),
    "-subj",
    `/CN=${name}`,
  ]);
}

function makeCa(dir: string, name: string): void {
  newKeyAndRequest(dir, name, "self-signed");
}

function issue(dir: string, ca: string, name: string, extensions: string): void {
  newKeyAndRequest(dir, name, "csr");
  writeFileSync(join(dir, `${name}.ext`), extensions);
  openssl(dir, [
    "x509",
    "-req",
    "-in",
    `${name}.csr`,
    "-CA",
    `${ca}.crt`,
    "-CAkey",
    `${ca}.key`,
    "-CAcreateserial",
    "-out",
    `${name}.crt`,
    "-days",
    VALID_DAYS,
    "-extfile",
    `${name}.ext`,
  ]);
}

/** Create the PKI under `dir` (which must be private to the test). */
export function createTestPki(dir: string): TestPki {
  mkdirSync(dir, { recursive: true });
  makeCa(dir, "test-ca");
  makeCa(dir, "foreign-ca");
  issue(
    dir,
    "test-ca",
    "server",
    "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n",
  );
  issue(dir, "test-ca", "client", "extendedKeyUsage=clientAuth\n");
  const file = (name: string) => join(dir, name);
  return {
    dir,
    caCertFile: file("test-ca.crt"),
    serverCertFile: file("server.crt"),
    serverKeyFile: file("server.key"),
    clientCertFile: file("client.crt"),
    clientKeyFile: file("client.key"),
    foreignCaCertFile: file("foreign-ca.crt"),
    caCert: readFileSync(file("test-ca.crt")),
    serverCert: readFileSync(file("server.crt")),
    serverKey: readFileSync(file("server.key")),
    clientCert: readFileSync(file("client.crt")),
    clientKey: readFileSync(file("client.key")),
  };
}
