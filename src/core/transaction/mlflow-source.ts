// Adapts helper F's MlflowClient to the transaction's ArtifactSource port: one resolved version.
import type { ProgressListener } from "../progress";
import { MlflowClient, SHA256_TAGS, type ResolvedModelVersion } from "../mlflow";
import { readOnnxSignatureFile } from "../onnx";
import type { ArtifactSource } from "./ports";

/** The ArtifactSource of `registeredModel` version `version`. */
export function mlflowSource(
  client: MlflowClient,
  registeredModel: string,
  version: string,
  model: string,
): ArtifactSource {
  let resolved: ResolvedModelVersion | undefined;
  const describe = async (signal?: AbortSignal) => {
    resolved = await client.resolveVersion(registeredModel, { version }, signal ? { signal } : {});
    return resolved;
  };
  return {
    async describe(signal) {
      const r = await describe(signal);
      const tag = SHA256_TAGS.map((t) => r.tags[t]).find((v) => v !== undefined);
      return { runId: r.runId || undefined, sha256Tag: tag?.trim().toLowerCase() };
    },
    async fetchInto(dir, options) {
      const r = resolved ?? (await describe(options.signal));
      const started = performance.now();
      const emit: ProgressListener = options.onProgress ?? (() => undefined);
      emit({ model, version, step: "download", phase: "start" });
      const result = await client.downloadModel(r, dir, {
        ...(options.signal ? { signal: options.signal } : {}),
        // External data in subdirectories too; a graph that does not decode references nothing
        // here, and validate names what is wrong with it.
        referencedFiles: (path) =>
          readOnnxSignatureFile(path).then(
            (s) => s.externalDataFiles,
            () => [],
          ),
        onProgress: (p) =>
          emit({
            model,
            version,
            step: "download",
            phase: "progress",
            done: p.bytes,
            ...(p.total !== undefined ? { total: p.total } : {}),
            unit: "bytes",
            elapsedMs: performance.now() - started,
            detail: p.fileCount > 1 ? `${p.file} (${p.fileIndex}/${p.fileCount})` : p.file,
          }),
      });
      emit({
        model,
        version,
        step: "download",
        phase: "done",
        done: result.totalBytes,
        unit: "bytes",
        elapsedMs: performance.now() - started,
        detail: `${result.files.length} file(s) via ${result.via}`,
      });
      return result.files.map((f) => ({ path: f.path, sizeBytes: f.sizeBytes, sha256: f.sha256 }));
    },
  };
}
