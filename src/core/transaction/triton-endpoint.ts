// Adapts helper F's TritonClient to the transaction's TritonEndpoint port.
import { TritonClient, TritonError, type TritonClientOptions } from "../triton";
import type { TritonEndpoint } from "./ports";

/** The codes under which Triton (any era) says "this model/version is not available". */
function isNotAvailable(error: unknown): boolean {
  return (
    error instanceof TritonError &&
    (error.code === "NOT_FOUND" || error.code === "UNAVAILABLE" || error.code === "INVALID_ARG")
  );
}

/** A TritonEndpoint over one Triton HTTP URL (one pod). `close` releases its connections. */
export function tritonEndpoint(
  options: TritonClientOptions,
): TritonEndpoint & { client: TritonClient; close: () => Promise<void> } {
  const client = new TritonClient(options);
  return {
    client,
    // The redacted URL, without the trailing slash URL normalisation adds.
    name: client.endpoint.replace(/\/$/, ""),
    close: () => client.close(),
    load: (model, configJson, signal) =>
      client.load(model, {
        ...(configJson !== undefined
          ? { config: JSON.parse(configJson) as Record<string, unknown> }
          : {}),
        ...(signal ? { signal } : {}),
      }),
    unload: (model, signal) => client.unload(model, signal ? { signal } : {}),
    isVersionReady: (model, version, signal) => client.modelReady(model, version, signal),
    readyVersions: async (model, signal) => {
      try {
        const metadata = await client.modelMetadata(model, undefined, signal);
        return [...metadata.versions].sort((a, b) => Number(a) - Number(b));
      } catch (error) {
        if (isNotAvailable(error)) return [];
        throw error;
      }
    },
    metadata: (model, version, signal) => client.modelMetadata(model, version, signal),
    infer: async (model, version, inputs, signal) => {
      const result = await client.infer(model, version, inputs, signal ? { signal } : {});
      return {
        modelName: result.modelName,
        modelVersion: result.modelVersion,
        outputs: result.outputs.map((o) => ({
          name: o.name,
          datatype: o.datatype,
          shape: o.shape,
          data: o.data ?? [],
        })),
      };
    },
  };
}
