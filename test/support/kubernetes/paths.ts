// Which API object a request path names (kubernetes-contract.md §1.1).
import type { GroupResource } from "./status";

export interface ApiPath {
  readonly gr: GroupResource;
  readonly kind: string;
  readonly apiVersion: string;
  readonly namespace: string;
  readonly name: string;
  readonly subresource: string;
}

const KINDS: Readonly<Record<string, { kind: string; apiVersion: string; group: string }>> = {
  pods: { kind: "Pod", apiVersion: "v1", group: "" },
  configmaps: { kind: "ConfigMap", apiVersion: "v1", group: "" },
  secrets: { kind: "Secret", apiVersion: "v1", group: "" },
  serviceaccounts: { kind: "ServiceAccount", apiVersion: "v1", group: "" },
  jobs: { kind: "Job", apiVersion: "batch/v1", group: "batch" },
};

export function parseApiPath(pathname: string): ApiPath | undefined {
  const m =
    /^\/(?:api\/v1|apis\/(batch)\/v1)\/namespaces\/([a-z0-9-]+)\/([a-z]+)(?:\/([a-z0-9.-]+)(?:\/([a-z]+))?)?$/.exec(
      pathname,
    );
  if (!m) return undefined;
  const [, group = "", namespace, resource, name = "", subresource = ""] = m as unknown as [
    string,
    string | undefined,
    string,
    string,
    string | undefined,
    string | undefined,
  ];
  const known = KINDS[resource];
  if (known === undefined || known.group !== group) return undefined;
  return {
    gr: { group, resource },
    kind: known.kind,
    apiVersion: known.apiVersion,
    namespace,
    name,
    subresource,
  };
}
