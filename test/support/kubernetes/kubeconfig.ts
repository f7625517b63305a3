// A kubeconfig for the test server (token auth, the private CA inline), as `kubectl config view
// --raw` writes one, so clients load it unmodified.
import { writeFileSync } from "node:fs";
import { stringify } from "yaml";

export interface KubeconfigInput {
  readonly server: string;
  readonly caCert: Buffer;
  readonly token: string;
  readonly namespace: string;
  readonly contextName?: string;
}

export function kubeconfigYaml(input: KubeconfigInput): string {
  const context = input.contextName ?? "test";
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      {
        name: "test-cluster",
        cluster: {
          server: input.server,
          "certificate-authority-data": input.caCert.toString("base64"),
        },
      },
    ],
    users: [{ name: "test-user", user: { token: input.token } }],
    contexts: [
      {
        name: context,
        context: { cluster: "test-cluster", user: "test-user", namespace: input.namespace },
      },
    ],
    "current-context": context,
  });
}

export function writeKubeconfig(path: string, input: KubeconfigInput): string {
  writeFileSync(path, kubeconfigYaml(input), { mode: 0o600 });
  return path;
}
