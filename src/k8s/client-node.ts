// @kubernetes/client-node is ESM-only and large (thousands of generated models): it is loaded
// once, on first use, by dynamic import, so a CommonJS caller that never talks to a cluster
// (the local runner) does not pay for it.
export type ClientNode = typeof import("@kubernetes/client-node");

let loading: Promise<ClientNode> | undefined;

export function loadClientNode(): Promise<ClientNode> {
  loading ??= import("@kubernetes/client-node");
  return loading;
}
