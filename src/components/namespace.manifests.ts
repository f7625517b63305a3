// Pure builder of a Namespace object's metadata.
import { commonLabels, type Labels } from "../lib/labels";

export function buildNamespaceMetadata(
  name: string,
  environment: string,
): { name: string; labels: Labels } {
  // `kubernetes.io/metadata.name` is set by the API server itself; NetworkPolicies select on it.
  return { name, labels: commonLabels(environment) };
}
