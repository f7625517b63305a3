// Publish an ONNX model to any MLflow(-compatible) server the way MLflow clients do, through
// MLflow's own write endpoints only — so the same seeding works against this test server and
// a real MLflow. Layouts (mlflow-contract.md §3, §8 "Source variants"):
// - "run-artifacts": 2.x `log_model` — files under the run, source
//   `mlflow-artifacts:/<exp>/<run>/artifacts/<artifactPath>`;
// - "logged-model": 3.x — a LoggedModel, files under `<exp>/models/m-<id>/artifacts`, nothing
//   under the run, source `models:/m-<id>`;
// - "runs-uri": a plain artifact registered raw as `runs:/<run>/<artifactPath>`;
// - "s3-run-artifacts": the run's root is `s3://…` (not proxied); the files are put into the
//   simulated bucket through the test-control API, as a client would write to S3 directly.
import { createHash } from "node:crypto";
import { request, type Dispatcher } from "undici";
import { CONTROL_PREFIX } from "./control";

export type PublishLayout = "run-artifacts" | "logged-model" | "runs-uri" | "s3-run-artifacts";

export type SeedAuth =
  { readonly username: string; readonly password: string } | { readonly token: string };

export interface PublishOptions {
  /** Registered model name (created when missing). */
  readonly name: string;
  /** File name → content; `model.onnx` plus e.g. an external-data file or `MLmodel`. */
  readonly files: Readonly<Record<string, Uint8Array | string>>;
  readonly layout: PublishLayout;
  /** Point this alias at the new version. */
  readonly alias?: string;
  /**
   * Tag the version with a sha256 (a tool convention, §8 "Integrity"): true → the digest of
   * `model.onnx`; a string → that value as given (e.g. a wrong digest).
   */
  readonly sha256Tag?: boolean | string;
  /** @default "sha256" */
  readonly sha256TagKey?: string;
  /** More model-version tags. */
  readonly tags?: Readonly<Record<string, string>>;
  /** Directory the files go in under the run ("run-artifacts": "model", "runs-uri": "onnx")
   * or the logged model's name ("logged-model": "model"). */
  readonly artifactPath?: string;
  /** Experiment to use (created when missing). @default the Default experiment ("0"); for
   * "s3-run-artifacts" an experiment `s3-artifacts` rooted at `s3://mlflow-test-bucket/…` */
  readonly experimentName?: string;
  readonly auth?: SeedAuth;
  /** For TLS servers (CA, client certificate). */
  readonly dispatcher?: Dispatcher;
}

export interface PublishedModel {
  /** The new version, as the registry names it (a string). */
  readonly version: string;
  readonly runId: string;
  readonly modelId?: string;
  /** The version's `source`. */
  readonly source: string;
  /** What `get-download-uri` answers for it. */
  readonly artifactUri: string;
  readonly experimentId: string;
  /** sha256 of `model.onnx` (hex), when present. */
  readonly modelSha256?: string;
}

const S3_BUCKET = "mlflow-test-bucket";

function toBytes(content: Uint8Array | string): Buffer {
  return typeof content === "string" ? Buffer.from(content, "utf8") : Buffer.from(content);
}

function authHeader(auth: SeedAuth | undefined): Record<string, string> {
  if (!auth) return {};
  if ("token" in auth) return { authorization: `Bearer ${auth.token}` };
  return {
    authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString("base64")}`,
  };
}

class SeedClient {
  constructor(
    private readonly baseUrl: string,
    private readonly options: PublishOptions,
  ) {}

  private async call(
    method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE",
    path: string,
    body?: unknown,
    raw?: Buffer,
  ): Promise<{ status: number; json: Record<string, unknown>; text: string }> {
    const url = path.startsWith("http") ? path : `${this.baseUrl.replace(/\/+$/, "")}${path}`;
    const headers: Record<string, string> = { ...authHeader(this.options.auth) };
    let payload: string | Buffer | undefined;
    if (raw !== undefined) {
      headers["content-type"] = "application/octet-stream";
      payload = raw;
    } else if (body !== undefined) {
      headers["content-type"] = "application/json";
      payload = JSON.stringify(body);
    }
    const response = await request(url, {
      method,
      headers,
      body: payload,
      ...(this.options.dispatcher ? { dispatcher: this.options.dispatcher } : {}),
    });
    const text = await response.body.text();
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      json = {};
    }
    return { status: response.statusCode, json, text };
  }

  async ok(
    method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE",
    path: string,
    body?: unknown,
    raw?: Buffer,
  ): Promise<Record<string, unknown>> {
    const result = await this.call(method, path, body, raw);
    if (result.status !== 200) {
      throw new Error(
        `seeding MLflow at ${this.baseUrl}: ${method} ${path} answered ${result.status}: ${result.text.slice(0, 500)}`,
      );
    }
    return result.json;
  }

  async status(method: "GET", path: string): Promise<number> {
    return (await this.call(method, path)).status;
  }

  async experimentId(name: string, artifactLocation?: string): Promise<string> {
    const found = await this.call(
      "GET",
      `/api/2.0/mlflow/experiments/get-by-name?experiment_name=${encodeURIComponent(name)}`,
    );
    if (found.status === 200) {
      return String((found.json.experiment as Record<string, unknown>).experiment_id);
    }
    const created = await this.ok("POST", "/api/2.0/mlflow/experiments/create", {
      name,
      ...(artifactLocation !== undefined ? { artifact_location: artifactLocation } : {}),
    });
    return String(created.experiment_id);
  }
}

function sha256Hex(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

/** Publish `files` as a new version of `name`, in the given layout; see the file comment. */
export async function publishOnnxModel(
  baseUrl: string,
  options: PublishOptions,
): Promise<PublishedModel> {
  const client = new SeedClient(baseUrl, options);
  const files = Object.entries(options.files).map(([name, content]) => ({
    name,
    data: toBytes(content),
  }));
  const modelFile = files.find((f) => f.name === "model.onnx");
  const modelSha256 = modelFile ? sha256Hex(modelFile.data) : undefined;
  if (options.sha256Tag === true && modelSha256 === undefined) {
    throw new Error(
      `sha256Tag: true needs a "model.onnx" in files (got ${files.map((f) => f.name).join(", ")})`,
    );
  }

  const s3 = options.layout === "s3-run-artifacts";
  const experimentName = options.experimentName ?? (s3 ? "s3-artifacts" : undefined);
  const experimentId =
    experimentName === undefined
      ? "0"
      : await client.experimentId(
          experimentName,
          s3 ? `s3://${S3_BUCKET}/${encodeURIComponent(experimentName)}` : undefined,
        );

  const created = await client.ok("POST", "/api/2.0/mlflow/runs/create", {
    experiment_id: experimentId,
    start_time: Date.now(),
    run_name: `publish-${options.name}`,
  });
  const runInfo = (created.run as { info: { run_id: string; artifact_uri: string } }).info;
  const runId = runInfo.run_id;

  const upload = async (rootUri: string, dir: string | undefined) => {
    for (const file of files) {
      const relative = [dir, file.name].filter((p) => p !== undefined && p !== "").join("/");
      if (rootUri.startsWith("s3://")) {
        const key = `${rootUri.slice("s3://".length)}/${relative}`;
        await client.ok(
          "PUT",
          `${new URL(baseUrl).origin}${CONTROL_PREFIX}/s3/${key}`,
          undefined,
          file.data,
        );
      } else {
        // mlflow-contract.md §2.2: `mlflow-artifacts:/<p>` → PUT /api/2.0/mlflow-artifacts/artifacts/<p>.
        const path = `${rootUri.replace(/^mlflow-artifacts:\/*/, "")}/${relative}`;
        const encoded = path.split("/").map(encodeURIComponent).join("/");
        await client.ok(
          "PUT",
          `/api/2.0/mlflow-artifacts/artifacts/${encoded}`,
          undefined,
          file.data,
        );
      }
    }
  };

  let source: string;
  let modelId: string | undefined;
  const versionRequest: Record<string, unknown> = { name: options.name, run_id: runId };
  if (options.layout === "logged-model") {
    const logged = await client.ok("POST", "/api/2.0/mlflow/logged-models", {
      experiment_id: experimentId,
      name: options.artifactPath ?? "model",
      model_type: "onnx",
      source_run_id: runId,
    });
    const info = (logged.model as { info: { model_id: string; artifact_uri: string } }).info;
    modelId = info.model_id;
    await upload(info.artifact_uri, undefined);
    await client.ok("PATCH", `/api/2.0/mlflow/logged-models/${modelId}`, {
      model_id: modelId,
      status: "LOGGED_MODEL_READY",
    });
    source = `models:/${modelId}`;
    versionRequest.model_id = modelId;
  } else if (options.layout === "runs-uri") {
    const dir = options.artifactPath ?? "onnx";
    await upload(runInfo.artifact_uri, dir);
    source = `runs:/${runId}/${dir}`;
  } else {
    const dir = options.artifactPath ?? "model";
    await upload(runInfo.artifact_uri, dir);
    source = `${runInfo.artifact_uri}/${dir}`;
  }
  versionRequest.source = source;

  await client.ok("POST", "/api/2.0/mlflow/runs/update", {
    run_id: runId,
    status: "FINISHED",
    end_time: Date.now(),
  });

  const modelStatus = await client.status(
    "GET",
    `/api/2.0/mlflow/registered-models/get?name=${encodeURIComponent(options.name)}`,
  );
  if (modelStatus === 404) {
    await client.ok("POST", "/api/2.0/mlflow/registered-models/create", { name: options.name });
  }
  const tags = Object.entries(options.tags ?? {}).map(([key, value]) => ({ key, value }));
  const mv = await client.ok("POST", "/api/2.0/mlflow/model-versions/create", {
    ...versionRequest,
    ...(tags.length > 0 ? { tags } : {}),
  });
  const version = String((mv.model_version as { version: string }).version);

  if (options.sha256Tag !== undefined && options.sha256Tag !== false) {
    await client.ok("POST", "/api/2.0/mlflow/model-versions/set-tag", {
      name: options.name,
      version,
      key: options.sha256TagKey ?? "sha256",
      value: options.sha256Tag === true ? modelSha256 : options.sha256Tag,
    });
  }
  if (options.alias !== undefined) {
    await client.ok("POST", "/api/2.0/mlflow/registered-models/alias", {
      name: options.name,
      alias: options.alias,
      version,
    });
  }
  const download = await client.ok(
    "GET",
    `/api/2.0/mlflow/model-versions/get-download-uri?name=${encodeURIComponent(options.name)}&version=${version}`,
  );
  return {
    version,
    runId,
    ...(modelId !== undefined ? { modelId } : {}),
    source,
    artifactUri: String(download.artifact_uri),
    experimentId,
    ...(modelSha256 !== undefined ? { modelSha256 } : {}),
  };
}
