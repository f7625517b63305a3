// "Preview = up": the versions a reviewed preview resolved, recorded as a file, and the check that
// `up` deploys exactly those.
//
// Why: `pulumi up` runs the program again and resolves every alias again. If someone moves an
// alias after the pull request's preview was reviewed, `up` would deploy a version nobody saw.
// Pulumi's update plans (`--plan`) would catch it but are experimental, so the program does it:
// the preview writes what it resolved (TRITON_SERVING_RECORD_VERSIONS=<file>), the deploy job
// hands that file back (TRITON_SERVING_EXPECTED_VERSIONS=<file>), and the program refuses before
// any resource is registered when a model now resolves to another version (resolve-gate.ts).
import { z } from "zod";
import type { ModelConfig } from "../config/schema";
import type { ResolvedModelVersion } from "./deploy-models";

/** Environment variable: where a preview writes the versions it resolved. */
export const RECORD_VERSIONS_ENV = "TRITON_SERVING_RECORD_VERSIONS";
/** Environment variable: the file of a reviewed preview whose versions `up` must deploy. */
export const EXPECTED_VERSIONS_ENV = "TRITON_SERVING_EXPECTED_VERSIONS";

/** One model as the preview resolved it. */
export interface ReviewedModel {
  registeredModel: string;
  /** The alias the version came from; absent when the stack pins the version. */
  alias?: string;
  version: string;
  runId: string;
}

/** The file: the stack and, per Triton model name, what its preview resolved. */
export interface ReviewedVersions {
  stack: string;
  models: Record<string, ReviewedModel>;
}

const reviewedVersionsSchema = z.object({
  stack: z.string().min(1),
  models: z.record(
    z.string(),
    z.object({
      registeredModel: z.string().min(1),
      alias: z.string().min(1).optional(),
      version: z.string().regex(/^[0-9]+$/),
      runId: z.string(),
    }),
  ),
});

/** The record of one preview (what TRITON_SERVING_RECORD_VERSIONS receives). */
export function recordOf(
  stack: string,
  resolved: readonly { model: ModelConfig; version: ResolvedModelVersion }[],
): ReviewedVersions {
  const models: Record<string, ReviewedModel> = {};
  for (const { model, version } of resolved) {
    models[model.name] = {
      registeredModel: model.registeredModel,
      ...(model.alias !== undefined ? { alias: model.alias } : {}),
      version: version.version,
      runId: version.runId,
    };
  }
  return { stack, models };
}

/** Parse a reviewed-versions file; `source` names it in the error. */
export function parseReviewedVersions(text: string, source: string): ReviewedVersions {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(
      `${EXPECTED_VERSIONS_ENV}=${source} is not JSON (${(error as Error).message}); expected the ` +
        `file a preview wrote with ${RECORD_VERSIONS_ENV}`,
    );
  }
  const parsed = reviewedVersionsSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `${EXPECTED_VERSIONS_ENV}=${source} is not a reviewed-versions file: ` +
        `${issue?.path.join(".") || "(top)"}: ${issue?.message ?? "invalid"}; expected ` +
        `{"stack": "<stack>", "models": {"<model>": {"registeredModel", "version", "runId", "alias"?}}}`,
    );
  }
  return parsed.data;
}

/**
 * Every way the versions resolved now differ from the reviewed ones, one sentence each (empty:
 * `up` deploys what was reviewed). Each sentence names both versions and what to do.
 */
export function differencesFromReviewed(
  stack: string,
  now: ReviewedVersions,
  reviewed: ReviewedVersions,
  source: string,
): string[] {
  const redo = `re-run the preview of this commit and review it, or run up without ${EXPECTED_VERSIONS_ENV}`;
  if (reviewed.stack !== stack) {
    return [
      `${source} records a preview of stack '${reviewed.stack}', not of stack '${stack}'; ` +
        `pass the file the preview of stack '${stack}' wrote`,
    ];
  }
  const out: string[] = [];
  for (const [name, current] of Object.entries(now.models)) {
    const seen = reviewed.models[name];
    const from =
      current.alias !== undefined
        ? `alias '${current.alias}'`
        : `pinned version ${current.version}`;
    if (seen === undefined) {
      out.push(
        `model '${name}' (${from}, version ${current.version}) was not in the reviewed preview; ${redo}`,
      );
    } else if (seen.registeredModel !== current.registeredModel) {
      out.push(
        `model '${name}': the reviewed preview deployed registered model '${seen.registeredModel}', ` +
          `this run '${current.registeredModel}'; ${redo}`,
      );
    } else if (seen.version !== current.version) {
      const move =
        current.alias !== undefined
          ? `, or point alias '${current.alias}' of '${current.registeredModel}' back to version ${seen.version}`
          : "";
      out.push(
        `model '${name}': the reviewed preview showed version ${seen.version}, but ${from} of ` +
          `registered model '${current.registeredModel}' now resolves to version ${current.version}; ` +
          `${redo}${move}`,
      );
    }
  }
  for (const name of Object.keys(reviewed.models)) {
    if (now.models[name] === undefined) {
      out.push(
        `model '${name}' was in the reviewed preview but this run does not deploy it; ${redo}`,
      );
    }
  }
  return out;
}

/** The error `up` fails with: every difference, and that nothing was changed. */
export function notReviewedError(differences: readonly string[]): Error {
  return new Error(
    `refusing to deploy versions that differ from the reviewed preview; nothing was changed:\n` +
      differences.map((d) => `  - ${d}`).join("\n"),
  );
}
