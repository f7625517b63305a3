import { z } from "zod";

// Response shapes of Triton's HTTP/REST API (triton-contract.md §1). Built on first use and kept in
// a module-level `let` so the dynamic-provider host can serialise this module.

function buildSchemas() {
  const tensorMetadata = z.object({
    name: z.string(),
    datatype: z.string(),
    shape: z.array(z.number()),
  });
  return {
    serverMetadata: z.object({
      name: z.string(),
      version: z.string(),
      extensions: z.array(z.string()).optional().default([]),
    }),
    repositoryIndex: z.array(
      z.object({
        name: z.string(),
        version: z.string().optional(),
        state: z.string().optional(),
        reason: z.string().optional(),
      }),
    ),
    modelMetadata: z.object({
      name: z.string(),
      versions: z.array(z.string()).optional().default([]),
      platform: z.string().optional().default(""),
      inputs: z.array(tensorMetadata).optional().default([]),
      outputs: z.array(tensorMetadata).optional().default([]),
    }),
    modelConfig: z.record(z.string(), z.unknown()),
    inferResponse: z.object({
      model_name: z.string(),
      model_version: z.string(),
      id: z.string().optional(),
      parameters: z.record(z.string(), z.unknown()).optional(),
      outputs: z
        .array(
          z.object({
            name: z.string(),
            datatype: z.string(),
            shape: z.array(z.number()),
            data: z.array(z.unknown()).optional(),
            parameters: z.record(z.string(), z.unknown()).optional(),
          }),
        )
        .optional()
        .default([]),
    }),
  };
}

export type TritonSchemas = ReturnType<typeof buildSchemas>;

let memo: TritonSchemas | undefined;

export function tritonSchemas(): TritonSchemas {
  memo ??= buildSchemas();
  return memo;
}
