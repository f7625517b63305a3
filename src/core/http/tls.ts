import { readFileSync } from "node:fs";
import { Agent } from "undici";

/** TLS settings for one remote service. Paths, not contents, so config never holds key material. */
export interface TlsOptions {
  /** PEM CA bundle that signs the server certificate (instead of the system roots). */
  caFile?: string;
  /** PEM client certificate; may also contain the private key (as MLFLOW_TRACKING_CLIENT_CERT_PATH does). */
  certFile?: string;
  /** PEM private key for the client certificate, when it is not inside `certFile`. */
  keyFile?: string;
  /** Skip server certificate verification. For test rigs only. */
  insecureSkipVerify?: boolean;
}

export interface DispatcherOptions {
  tls?: TlsOptions;
  /** TCP + TLS connect timeout. */
  connectTimeoutMs?: number;
}

function readPem(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new Error(`cannot read ${what} "${path}": ${(err as Error).message}`);
  }
}

/**
 * An undici Agent with the given TLS settings. The caller owns it and must `close()` it (the
 * clients do this in their own `close()`).
 */
export function createDispatcher(options: DispatcherOptions = {}): Agent {
  const tls = options.tls ?? {};
  if (tls.insecureSkipVerify && tls.caFile) {
    throw new Error(
      `TLS options conflict: a CA file ("${tls.caFile}") and insecure skip-verify were both given; choose one`,
    );
  }
  const connect: Record<string, unknown> = {};
  if (tls.caFile) connect.ca = readPem(tls.caFile, "CA file");
  if (tls.certFile) {
    const cert = readPem(tls.certFile, "client certificate file");
    connect.cert = cert;
    // A combined PEM carries the key too; Node picks the PRIVATE KEY block out of it.
    connect.key = tls.keyFile ? readPem(tls.keyFile, "client key file") : cert;
  } else if (tls.keyFile) {
    throw new Error(
      `a client key file ("${tls.keyFile}") was given without a client certificate file`,
    );
  }
  if (tls.insecureSkipVerify) connect.rejectUnauthorized = false;
  if (options.connectTimeoutMs !== undefined) connect.timeout = options.connectTimeoutMs;
  return new Agent({ connect });
}
