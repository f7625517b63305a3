// Which cluster and identity the provider talks to (issue 11 point 1): the stack's
// `kubernetes:kubeconfig` (a path or the file's contents, as the Kubernetes provider accepts it)
// and `kubernetes:context`, or else the ambient kubeconfig ($KUBECONFIG, ~/.kube/config, or the
// in-cluster service account). The client does the auth (token, exec plugins, OIDC).
import type { KubeConfig } from "@kubernetes/client-node";
import { loadClientNode } from "./client-node";

export interface KubeconfigSource {
  /** `kubernetes:kubeconfig`: a file path or the kubeconfig itself (YAML or JSON). */
  readonly kubeconfig?: string;
  /** `kubernetes:context`: a context name of that kubeconfig. */
  readonly context?: string;
}

/** The contents of a kubeconfig rather than a path: a path never spans lines or starts a map. */
export function isInlineKubeconfig(value: string): boolean {
  const trimmed = value.trim();
  return trimmed.includes("\n") || trimmed.startsWith("{") || /^apiVersion\s*:/.test(trimmed);
}

export async function loadKubeConfig(source: KubeconfigSource = {}): Promise<KubeConfig> {
  const { KubeConfig } = await loadClientNode();
  const kc = new KubeConfig();
  const origin =
    source.kubeconfig === undefined || source.kubeconfig === ""
      ? "the ambient kubeconfig"
      : isInlineKubeconfig(source.kubeconfig)
        ? "kubernetes:kubeconfig (inline)"
        : `kubernetes:kubeconfig (${source.kubeconfig})`;
  try {
    if (source.kubeconfig === undefined || source.kubeconfig === "") kc.loadFromDefault();
    else if (isInlineKubeconfig(source.kubeconfig)) kc.loadFromString(source.kubeconfig);
    else kc.loadFromFile(source.kubeconfig);
  } catch (error) {
    throw new Error(`${origin}: cannot be loaded: ${(error as Error).message}`);
  }
  if (source.context !== undefined && source.context !== "") {
    const names = kc.getContexts().map((c) => c.name);
    if (!names.includes(source.context)) {
      throw new Error(
        `kubernetes:context: got "${source.context}", expected one of the contexts of ${origin}: ${names.map((n) => `"${n}"`).join(", ") || "(none)"}`,
      );
    }
    kc.setCurrentContext(source.context);
  }
  if (kc.getCurrentCluster() === null) {
    throw new Error(`${origin}: no current context with a cluster; set kubernetes:context`);
  }
  return kc;
}

/** The namespace of the current context (`default` when it names none). */
export function contextNamespace(kc: KubeConfig): string {
  const current = kc.getContextObject(kc.getCurrentContext());
  return current?.namespace ?? "default";
}
