import { z } from "zod";

// Response shapes of the MLflow REST API (mlflow-contract.md §0–§1). Built on first use and kept
// in a module-level `let`, not as module-level constants, so the dynamic-provider host can
// serialise this module. Unknown fields are ignored, as MLflow's own client does.

function buildSchemas() {
  // int64 fields are JSON numbers on current servers and strings on old ones (§0).
  const int64 = z.union([z.number(), z.string().regex(/^-?\d+$/)]).transform((v) => Number(v));
  // Versions are proto strings; accept a number from a lenient server and normalise to a string.
  const versionString = z.union([z.string(), z.number()]).transform((v) => String(v));
  const tag = z.object({ key: z.string(), value: z.string().optional().default("") });

  const modelVersion = z.object({
    name: z.string(),
    version: versionString,
    source: z.string().optional().default(""),
    run_id: z.string().optional().default(""),
    status: z.string().optional(),
    status_message: z.string().optional(),
    tags: z.array(tag).optional().default([]),
    aliases: z.array(z.string()).optional().default([]),
    model_id: z.string().optional(),
    storage_location: z.string().optional(),
    creation_timestamp: int64.optional(),
    last_updated_timestamp: int64.optional(),
  });

  const fileInfo = z.object({
    path: z.string(),
    is_dir: z.boolean().optional().default(false),
    file_size: int64.optional(),
  });

  return {
    modelVersionResponse: z.object({ model_version: modelVersion }),
    registeredModelResponse: z.object({
      registered_model: z.object({
        name: z.string(),
        aliases: z
          .array(z.object({ alias: z.string(), version: versionString }))
          .optional()
          .default([]),
      }),
    }),
    downloadUriResponse: z.object({ artifact_uri: z.string().min(1) }),
    runResponse: z.object({
      run: z.object({
        info: z.object({
          run_id: z.string().optional(),
          artifact_uri: z.string().min(1),
        }),
      }),
    }),
    loggedModelResponse: z.object({
      model: z.object({
        info: z.object({ model_id: z.string().optional(), artifact_uri: z.string().min(1) }),
      }),
    }),
    // Run-artifact listing (`artifacts/list`): paths relative to the run root, `root_uri` echoed.
    listArtifactsResponse: z.object({
      root_uri: z.string().optional(),
      files: z.array(fileInfo).optional().default([]),
      next_page_token: z.string().optional(),
    }),
    // Proxied listing (`mlflow-artifacts/artifacts?path=`): basenames only.
    proxiedListResponse: z.object({ files: z.array(fileInfo).optional().default([]) }),
  };
}

export type MlflowSchemas = ReturnType<typeof buildSchemas>;
export type RawModelVersion = z.infer<MlflowSchemas["modelVersionResponse"]>["model_version"];

let memo: MlflowSchemas | undefined;

export function mlflowSchemas(): MlflowSchemas {
  memo ??= buildSchemas();
  return memo;
}

/** Validates `body` against `schema`, with an error that names the endpoint and the bad field. */
export function parseResponse<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issues = result.error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join(".") || "<body>"}: ${i.message}`)
    .join("; ");
  throw new Error(`MLflow returned an unexpected response for ${what}: ${issues}`);
}
