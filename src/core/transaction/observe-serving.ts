// What every endpoint serves, for the error and result of a deployment.
import { errorMessage, type ServingState } from "../errors";
import type { TritonEndpoint } from "./ports";

/** What each endpoint serves now (errors reported per endpoint, never thrown). */
export async function observeServing(
  deps: { endpoints: TritonEndpoint[]; signal?: AbortSignal },
  model: string,
  committedVersion: string | undefined,
): Promise<ServingState> {
  const endpoints = await Promise.all(
    deps.endpoints.map(async (endpoint) => {
      try {
        return {
          endpoint: endpoint.name,
          readyVersions: await endpoint.readyVersions(model, deps.signal),
        };
      } catch (error) {
        return { endpoint: endpoint.name, readyVersions: [], error: errorMessage(error) };
      }
    }),
  );
  return { committedVersion, endpoints };
}
