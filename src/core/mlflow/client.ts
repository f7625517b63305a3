import { mkdir, open } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Agent } from "undici";
import type { z } from "zod";
import {
  createDispatcher,
  HttpClient,
  redactUrl,
  resolveRetryPolicy,
  systemClock,
  type Clock,
  type HttpCall,
  type RetryPolicy,
} from "../http";
import { ArtifactLocator } from "./artifact-locator";
import type { ArtifactEntry, ArtifactSource } from "./artifact-sources";
import { downloadFile, type DownloadedFile, type DownloadProgress } from "./download";
import { isStatus, MlflowError, serverSaid, wrapError } from "./errors";
import { LOCAL_MODEL_FILE, planModelFiles } from "./model-files";
import { authorizationHeader, type MlflowClientOptions } from "./options";
import { mlflowSchemas, parseResponse, type RawModelVersion } from "./schemas";

/** A model version the deployment can use: READY, with everything needed to find its files. JSON-safe. */
export interface ResolvedModelVersion {
  name: string;
  /** MLflow version number as a string ("13"). */
  version: string;
  /** The run that produced it; "" when the version has none (MLflow 3 model without a run). */
  runId: string;
  /** The `source` the version was registered with (`models:/m-…`, `mlflow-artifacts:/…`, `runs:/…`). */
  source: string;
  status: string;
  tags: Record<string, string>;
  /** MLflow 3 LoggedModel id (`m-<hex>`). */
  modelId?: string;
  /** All aliases pointing at this version. */
  aliases: string[];
  /** The alias it was resolved through, when resolved by alias. */
  resolvedAlias?: string;
}

export type VersionSelector = { alias: string } | { version: string | number };

export interface DownloadModelOptions {
  onProgress?: (progress: DownloadProgress) => void;
  signal?: AbortSignal;
  /**
   * The files the downloaded model.onnx references (its external data, relative paths that may
   * be in subdirectories). Each is downloaded too, and one the artifact lacks fails the download
   * naming it. The ONNX reader lives outside this client, so the caller passes it in.
   */
  referencedFiles?: (modelPath: string) => Promise<readonly string[]>;
}

export interface DownloadModelResult {
  /** Every file written, `model.onnx` first; paths relative to the target directory. */
  files: DownloadedFile[];
  totalBytes: number;
  /** sha256 of `model.onnx` (what a version's sha256 tag covers). */
  modelSha256: string;
  /** The version's download URI (`get-download-uri`). */
  artifactUri: string;
  /** How the files were fetched, for logs. */
  via: string;
}

export interface ListArtifactsOptions {
  /** Descend into directories (default true). */
  recursive?: boolean;
  signal?: AbortSignal;
}

/** Tags that carry the expected sha256 of model.onnx (a tool convention: MLflow has no checksum, mlflow-contract.md §8). */
export const SHA256_TAGS = ["sha256", "onnx_sha256"] as const;

const DEFAULT_TIMEOUT_MS = 120_000;

/**
 * MLflow Tracking / Model Registry REST client for what a deployment needs: alias or version →
 * READY model version → its files, streamed to disk and verified.
 */
export class MlflowClient {
  /** The tracking URI, redacted (safe to log). */
  readonly trackingUri: string;
  private readonly http: HttpClient;
  private readonly agent: Agent | undefined;
  private readonly trackingUrl: URL;
  private readonly clock: Clock;
  private readonly retry: RetryPolicy;
  private readonly timeoutMs: number;
  private readonly fileAttempts: number;
  private readonly locator: ArtifactLocator;

  constructor(options: MlflowClientOptions) {
    this.trackingUrl = new URL(options.trackingUri);
    this.trackingUri = redactUrl(this.trackingUrl);
    this.clock = options.clock ?? systemClock();
    this.retry = resolveRetryPolicy(options.retry);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.fileAttempts = options.fileAttempts ?? 3;
    const needsAgent =
      options.tls !== undefined &&
      Object.values(options.tls).some((v) => v !== undefined && v !== false);
    this.agent = needsAgent ? createDispatcher({ tls: options.tls }) : undefined;
    this.http = new HttpClient({
      baseUrl: options.trackingUri,
      headers: authorizationHeader(options.auth),
      dispatcher: this.agent,
      timeoutMs: this.timeoutMs,
      retry: this.retry,
      clock: this.clock,
      onRetry: options.onRetry,
    });
    this.locator = new ArtifactLocator(
      this.http,
      this.trackingUrl,
      options.downloadEndpoint ?? "auto",
      (name, version, signal) => this.getDownloadUri(name, version, signal),
    );
  }

  /**
   * Sets a tag on a model version (`POST model-versions/set-tag`, mlflow-contract.md §1.1 and
   * §8 item 8: registry writes take a JSON body). Setting the same value twice is harmless, so
   * the call may be retried like a read.
   */
  async setModelVersionTag(
    name: string,
    version: string,
    key: string,
    value: string,
    signal?: AbortSignal,
  ): Promise<void> {
    await this.writeJson(
      "/api/2.0/mlflow/model-versions/set-tag",
      { name, version, key, value },
      `setting tag ${key} on model version ${name}/${version}`,
      signal,
    );
  }

  /**
   * Points an alias at a version (`POST registered-models/alias`: an upsert, mlflow-contract.md
   * §1.1, so a retry is harmless).
   */
  async setAlias(
    name: string,
    alias: string,
    version: string,
    signal?: AbortSignal,
  ): Promise<void> {
    await this.writeJson(
      "/api/2.0/mlflow/registered-models/alias",
      { name, alias, version },
      `setting alias ${alias} of ${name} to version ${version}`,
      signal,
    );
  }

  /** An idempotent registry write: POST with a JSON body; `doing` names it in the error. */
  private async writeJson(
    path: string,
    json: Record<string, string>,
    doing: string,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    try {
      await this.http.json({ method: "POST", path, json, idempotent: true, signal });
    } catch (err) {
      throw wrapError(err, doing, "write");
    }
  }

  /** Releases pooled connections. */
  async close(): Promise<void> {
    await this.agent?.close();
  }

  /**
   * Resolves an alias or a version number to a READY model version. Missing models, aliases and
   * versions, and versions still registering or failed, are MlflowErrors with a message that names them.
   */
  async resolveVersion(
    registeredModel: string,
    selector: VersionSelector,
    options: { signal?: AbortSignal } = {},
  ): Promise<ResolvedModelVersion> {
    let raw: RawModelVersion;
    let alias: string | undefined;
    if ("alias" in selector) {
      alias = selector.alias;
      raw = await this.getByAlias(registeredModel, alias, options.signal);
    } else {
      raw = await this.getModelVersionRaw(
        registeredModel,
        String(selector.version),
        options.signal,
      );
    }
    const resolved = toResolved(raw, alias);
    const label = `model version ${resolved.name}/${resolved.version}${alias ? ` (alias "${alias}")` : ""}`;
    if (resolved.status === "PENDING_REGISTRATION") {
      throw new MlflowError(
        "VERSION_NOT_READY",
        `${label} is PENDING_REGISTRATION: the registry has not finished creating it; retry once it is READY`,
      );
    }
    if (resolved.status !== "READY") {
      const why = raw.status_message ? `: ${raw.status_message}` : "";
      throw new MlflowError(
        "VERSION_NOT_READY",
        `${label} is ${resolved.status || "without a status"}, not READY${why}`,
      );
    }
    return resolved;
  }

  /** `GET model-versions/get-download-uri`: where the version's files are (MLflow 2 run artifacts or MLflow 3 `models:/m-…`). */
  async getDownloadUri(name: string, version: string, signal?: AbortSignal): Promise<string> {
    try {
      return (
        await this.getJson(
          "/api/2.0/mlflow/model-versions/get-download-uri",
          { name, version },
          mlflowSchemas().downloadUriResponse,
          `the download URI of ${name}/${version}`,
          signal,
        )
      ).artifact_uri;
    } catch (err) {
      throw this.versionError(err, name, version);
    }
  }

  /**
   * Lists an artifact URI (recursively by default). Paths are relative to `uri`; directories are
   * included with `isDir: true`.
   */
  async listArtifacts(uri: string, options: ListArtifactsOptions = {}): Promise<ArtifactEntry[]> {
    const source = await this.locator.sourceFor(uri, { signal: options.signal });
    try {
      return await this.listFrom(source, "", options.recursive ?? true, options.signal);
    } catch (err) {
      throw wrapError(err, `listing ${uri} (${source.description})`);
    }
  }

  /**
   * Streams the ONNX model (`model.onnx` or the only `*.onnx`, saved as `model.onnx`) and the
   * files beside it that it may reference (external data) into `targetDir`, which is created.
   * Each file is checked against the listed size, hashed while streaming and fsynced; a reset or a
   * short body restarts that file. A `sha256`/`onnx_sha256` tag on the version must match model.onnx.
   */
  async downloadModel(
    resolved: ResolvedModelVersion,
    targetDir: string,
    options: DownloadModelOptions = {},
  ): Promise<DownloadModelResult> {
    const expectedSha256 = expectedDigest(resolved);
    const artifactUri = await this.getDownloadUri(resolved.name, resolved.version, options.signal);
    const source = await this.locator.sourceFor(artifactUri, {
      name: resolved.name,
      version: resolved.version,
      runId: resolved.runId || undefined,
      modelId: resolved.modelId,
      signal: options.signal,
    });
    const where = `model version ${resolved.name}/${resolved.version} (${artifactUri})`;
    let listing: ArtifactEntry[];
    try {
      listing = await source.list("", options.signal);
    } catch (err) {
      throw wrapError(err, `listing the files of ${where} (${source.description})`);
    }
    const plan = planModelFiles(listing, where);
    const todo = [
      { entry: plan.model, local: LOCAL_MODEL_FILE },
      ...plan.companions.map((entry) => ({ entry, local: entry.path })),
    ];

    await mkdir(targetDir, { recursive: true });
    const files: DownloadedFile[] = [];
    for (let i = 0; i < todo.length; i++) {
      const item = todo[i]!;
      await mkdir(dirname(join(targetDir, item.local)), { recursive: true });
      files.push(
        await downloadFile({
          http: this.http,
          source,
          remotePath: item.entry.path,
          localPath: join(targetDir, item.local),
          name: item.local,
          expectedSize: item.entry.sizeBytes,
          ...(i === 0 && expectedSha256 ? { expectedSha256 } : {}),
          fileIndex: i + 1,
          fileCount: todo.length,
          attempts: this.fileAttempts,
          retry: this.retry,
          clock: this.clock,
          timeoutMs: this.timeoutMs,
          signal: options.signal,
          onProgress: options.onProgress,
        }),
      );
      if (i === 0 && options.referencedFiles !== undefined) {
        // The graph is on disk: add the external data it names that the top level lacks.
        const referenced = await options.referencedFiles(join(targetDir, LOCAL_MODEL_FILE));
        const planned = new Set(todo.map((t) => t.local));
        const nested = referenced.filter((f) => !planned.has(f));
        for (const entry of await this.locateFiles(source, nested, where, options.signal)) {
          todo.push({ entry, local: entry.path });
        }
      }
    }
    for (const dir of new Set(todo.map((t) => dirname(join(targetDir, t.local))))) {
      await fsyncDir(dir);
    }
    const model = files[0];
    if (model === undefined) throw new Error("unreachable: the model file is always planned first");
    return {
      files,
      totalBytes: files.reduce((sum, f) => sum + f.sizeBytes, 0),
      modelSha256: model.sha256,
      artifactUri,
      via: source.description,
    };
  }

  /**
   * The listing entries of `paths` (relative to the model directory, possibly nested), listing
   * each directory level once; a path the artifact does not have fails naming it.
   */
  private async locateFiles(
    source: ArtifactSource,
    paths: readonly string[],
    where: string,
    signal: AbortSignal | undefined,
  ): Promise<ArtifactEntry[]> {
    const listings = new Map<string, Promise<ArtifactEntry[]>>();
    const listDir = (dir: string): Promise<ArtifactEntry[]> => {
      let listed = listings.get(dir);
      if (listed === undefined) {
        listed = source.list(dir, signal).catch((err: unknown) => {
          throw wrapError(err, `listing ${dir}/ of ${where} (${source.description})`);
        });
        listings.set(dir, listed);
      }
      return listed;
    };
    const found: ArtifactEntry[] = [];
    const missing: string[] = [];
    for (const path of paths) {
      const segments = path.split("/");
      let entry: ArtifactEntry | undefined;
      for (let depth = 1; depth <= segments.length; depth++) {
        const dir = segments.slice(0, depth - 1).join("/");
        const want = segments.slice(0, depth).join("/");
        entry = (await listDir(dir)).find((e) => e.path === want);
        const last = depth === segments.length;
        if (entry === undefined || entry.isDir === last) {
          entry = undefined;
          break;
        }
      }
      if (entry === undefined) missing.push(path);
      else found.push(entry);
    }
    if (missing.length > 0) {
      throw new MlflowError(
        "EXTERNAL_DATA_MISSING",
        `model.onnx references external data ${missing.map((m) => `'${m}'`).join(", ")}, which ${where} does not have; expected ${missing.length === 1 ? "that file" : "those files"} at that path relative to model.onnx in the artifact`,
      );
    }
    return found;
  }

  private async getByAlias(
    name: string,
    alias: string,
    signal?: AbortSignal,
  ): Promise<RawModelVersion> {
    try {
      return (
        await this.getJson(
          "/api/2.0/mlflow/registered-models/alias",
          { name, alias },
          mlflowSchemas().modelVersionResponse,
          `alias "${alias}" of ${name}`,
          signal,
        )
      ).model_version;
    } catch (err) {
      if (isStatus(err, 404)) {
        throw new MlflowError(
          "MODEL_NOT_FOUND",
          `registered model "${name}" does not exist in MLflow at ${this.trackingUri} (${serverSaid(err)})`,
          err,
        );
      }
      if (
        isStatus(err, 400, "INVALID_PARAMETER_VALUE") &&
        /alias .* not found/i.test(err.serverMessage ?? "")
      ) {
        // SQL and file stores give this same answer when the model itself is missing (mlflow-contract.md §4).
        const aliases = await this.registeredModelAliases(name, signal);
        if (aliases === "missing") {
          throw new MlflowError(
            "MODEL_NOT_FOUND",
            `registered model "${name}" does not exist in MLflow at ${this.trackingUri} (looking up alias "${alias}": ${serverSaid(err)})`,
            err,
          );
        }
        const known =
          aliases === undefined
            ? ""
            : aliases.length === 0
              ? "; the model has no aliases"
              : `; its aliases are ${aliases.map((a) => `${a.alias}→${a.version}`).join(", ")}`;
        throw new MlflowError(
          "ALIAS_NOT_FOUND",
          `registered model "${name}" has no alias "${alias}"${known} (MLflow: ${serverSaid(err)})`,
          err,
        );
      }
      if (isStatus(err, 400)) {
        throw new MlflowError(
          "REQUEST_FAILED",
          `MLflow rejected alias "${alias}" of registered model "${name}": ${serverSaid(err)}`,
          err,
        );
      }
      throw wrapError(err, `resolving alias "${alias}" of registered model "${name}"`);
    }
  }

  /** The model's aliases, "missing" when the model does not exist, undefined when that cannot be told. */
  private async registeredModelAliases(
    name: string,
    signal?: AbortSignal,
  ): Promise<{ alias: string; version: string }[] | "missing" | undefined> {
    try {
      return (
        await this.getJson(
          "/api/2.0/mlflow/registered-models/get",
          { name },
          mlflowSchemas().registeredModelResponse,
          `registered model ${name}`,
          signal,
        )
      ).registered_model.aliases;
    } catch (err) {
      if (isStatus(err, 404)) return "missing";
      return undefined;
    }
  }

  private async getModelVersionRaw(
    name: string,
    version: string,
    signal?: AbortSignal,
  ): Promise<RawModelVersion> {
    if (!/^\d+$/.test(version)) {
      throw new MlflowError(
        "REQUEST_FAILED",
        `model version "${version}" of "${name}" is not a version number; expected digits such as "3"`,
      );
    }
    try {
      return (
        await this.getJson(
          "/api/2.0/mlflow/model-versions/get",
          { name, version },
          mlflowSchemas().modelVersionResponse,
          `model version ${name}/${version}`,
          signal,
        )
      ).model_version;
    } catch (err) {
      throw this.versionError(err, name, version);
    }
  }

  /** `GET` an MLflow REST endpoint and parse the answer; `what` names it in a schema error. */
  private async getJson<T>(
    path: string,
    query: HttpCall["query"],
    schema: z.ZodType<T>,
    what: string,
    signal: AbortSignal | undefined,
  ): Promise<T> {
    const res = await this.http.json({ method: "GET", path, query, signal });
    return parseResponse(schema, res.body, what);
  }

  private versionError(err: unknown, name: string, version: string): Error {
    if (isStatus(err, 404)) {
      const modelMissing = /Registered Model/i.test(err.serverMessage ?? "");
      return new MlflowError(
        modelMissing ? "MODEL_NOT_FOUND" : "VERSION_NOT_FOUND",
        modelMissing
          ? `registered model "${name}" does not exist in MLflow at ${this.trackingUri} (${serverSaid(err)})`
          : `registered model "${name}" has no version ${version} (${serverSaid(err)})`,
        err,
      );
    }
    return wrapError(err, `reading model version ${name}/${version}`);
  }

  private async listFrom(
    source: ArtifactSource,
    dir: string,
    recursive: boolean,
    signal?: AbortSignal,
  ): Promise<ArtifactEntry[]> {
    const out: ArtifactEntry[] = [];
    for (const entry of await source.list(dir, signal)) {
      out.push(entry);
      if (recursive && entry.isDir) {
        out.push(...(await this.listFrom(source, entry.path, true, signal)));
      }
    }
    return out;
  }
}

function toResolved(raw: RawModelVersion, alias: string | undefined): ResolvedModelVersion {
  const tags: Record<string, string> = {};
  for (const t of raw.tags) tags[t.key] = t.value;
  return {
    name: raw.name,
    version: raw.version,
    runId: raw.run_id,
    source: raw.source,
    status: raw.status ?? "",
    tags,
    ...(raw.model_id ? { modelId: raw.model_id } : {}),
    aliases: raw.aliases,
    ...(alias !== undefined ? { resolvedAlias: alias } : {}),
  };
}

function expectedDigest(
  resolved: ResolvedModelVersion,
): { value: string; tag: string } | undefined {
  for (const tag of SHA256_TAGS) {
    const value = resolved.tags[tag];
    if (value === undefined) continue;
    const normalized = value.trim().toLowerCase();
    if (!/^[0-9a-f]{64}$/.test(normalized)) {
      throw new MlflowError(
        "SHA256_MISMATCH",
        `model version ${resolved.name}/${resolved.version} has a "${tag}" tag "${value}" that is not a sha256 hex digest (64 hex characters)`,
      );
    }
    return { value: normalized, tag };
  }
  return undefined;
}

async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
