// Reaching the files behind an artifact root URI (a run's, a logged model's, a version's
// download URI) on the server side, as `artifacts/list`, `/get-artifact` and friends do.
import { MlflowError } from "../errors";
import { joinUri, parseArtifactLocation, type ArtifactLocation } from "../paths";
import type { ServerCore } from "../router";

/** The storage behind a root URI; 500 for a scheme this server has no storage for. */
export function storageFor(core: ServerCore, rootUri: string): ArtifactLocation {
  const location = parseArtifactLocation(rootUri);
  if (location) return location;
  const runs = /^runs:\/([^/]+)\/?(.*)$/.exec(rootUri);
  if (runs) {
    // A `runs:/<run>/<path>` URI resolves through the run's artifact root (mlflow-contract.md §3).
    const run = core.store.getRun(runs[1]!);
    return storageFor(core, joinUri(run.artifactUri, runs[2]));
  }
  const model = /^models:\/(m-[^/]+)\/?(.*)$/.exec(rootUri);
  if (model) {
    const logged = core.store.getLoggedModel(model[1]!);
    return storageFor(core, joinUri(logged.artifactUri, model[2]));
  }
  throw new MlflowError(
    "INTERNAL_ERROR",
    `The MLflow test server has no artifact storage for the URI '${rootUri}' (it serves mlflow-artifacts:/, s3://, runs:/ and models:/m-… locations)`,
  );
}

/**
 * One level under `<root>/<relative>`, as FileInfo JSON whose `path` is relative to the root
 * (mlflow-contract.md §1.2: includes the requested prefix, e.g. `onnx/model.onnx`).
 */
export function listFileInfos(
  core: ServerCore,
  location: ArtifactLocation,
  relative: string | undefined,
): Record<string, unknown>[] {
  const dir = core.artifacts.localPath(location, relative);
  return core.artifacts
    .list(dir)
    .map((entry) =>
      core.writer.fileInfo(
        relative ? `${relative.replace(/\/+$/, "")}/${entry.name}` : entry.name,
        entry,
      ),
    );
}
