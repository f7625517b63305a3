// Resolve every model's version BEFORE any resource is registered, so that a refusal (an alias
// that moved since the reviewed preview, an unreachable MLflow, an unknown alias) fails `up`
// before the engine touches anything — not after it has already updated the namespace, the
// monitoring release and Triton.
//
// How: a stack transformation makes every resource's `dependsOn` wait for the resolution. The
// Node SDK awaits `dependsOn` before it sends the registration (runtime/resource.ts
// prepareResource), so no resource reaches the engine until every model is resolved and checked;
// a rejection fails each pending registration with the same message. The resolved dependencies
// are the resource's own, unchanged: the gate adds no edge to the graph.
import { readFileSync, writeFileSync } from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import type { ModelConfig, StackConfig } from "../config/schema";
import type { ResolvedModelVersion } from "./deploy-models";
import {
  differencesFromReviewed,
  EXPECTED_VERSIONS_ENV,
  notReviewedError,
  parseReviewedVersions,
  RECORD_VERSIONS_ENV,
  recordOf,
} from "./reviewed-versions";

/** Resolves one model now (the real one asks MLflow: resolve-model-version.ts). */
export type PromiseResolver = (model: ModelConfig) => Promise<ResolvedModelVersion>;

export interface ResolvedBeforeRegistering {
  /** Every model resolved and checked; rejects with the reason otherwise. */
  ready: Promise<void>;
  /** The resolved version of a model (for deployModels). */
  resolve: (model: ModelConfig) => Promise<ResolvedModelVersion>;
}

/**
 * Resolve each model once, check the result against a reviewed preview when
 * TRITON_SERVING_EXPECTED_VERSIONS names one, record it when TRITON_SERVING_RECORD_VERSIONS names
 * a file. Pure of Pulumi: the caller gates the registrations on `ready` (gateRegistrations).
 */
export function resolveAndCheck(
  stack: string,
  config: StackConfig,
  resolveNow: PromiseResolver,
  env: NodeJS.ProcessEnv,
): ResolvedBeforeRegistering {
  const byName = new Map(config.models.map((m) => [m.name, resolveNow(m)]));
  const ready = (async () => {
    const resolved = [];
    for (const model of config.models) {
      resolved.push({ model, version: await byName.get(model.name)! });
    }
    const now = recordOf(stack, resolved);
    const expectedPath = env[EXPECTED_VERSIONS_ENV];
    if (expectedPath !== undefined && expectedPath !== "") {
      let text: string;
      try {
        text = readFileSync(expectedPath, "utf8");
      } catch (error) {
        throw new Error(
          `${EXPECTED_VERSIONS_ENV}=${expectedPath} cannot be read (${(error as Error).message}); ` +
            `expected the file the reviewed preview wrote with ${RECORD_VERSIONS_ENV}; nothing was changed`,
        );
      }
      const reviewed = parseReviewedVersions(text, expectedPath);
      const differences = differencesFromReviewed(stack, now, reviewed, expectedPath);
      if (differences.length > 0) throw notReviewedError(differences);
    }
    const recordPath = env[RECORD_VERSIONS_ENV];
    if (recordPath !== undefined && recordPath !== "") {
      writeFileSync(recordPath, `${JSON.stringify(now, null, 2)}\n`);
    }
  })().catch((error: unknown) => {
    // A RunError's message is what `pulumi preview/up` prints, alone; any other error is printed
    // as "failed with an unhandled exception" with a stack trace (cmd/run/run.js).
    throw error instanceof pulumi.RunError
      ? error
      : new pulumi.RunError(error instanceof Error ? error.message : String(error));
  });
  // The per-model promises settle before `ready` does; a model's own rejection is also reported
  // through `ready`, so it must not surface a second time as an unhandled rejection.
  for (const p of byName.values()) p.catch(() => undefined);
  return {
    ready,
    resolve: async (model) => {
      await ready;
      return byName.get(model.name)!;
    },
  };
}

/**
 * From now on, every resource of this stack is registered only once `ready` resolves; when it
 * rejects, every registration fails with its message and the engine changes nothing.
 */
export function gateRegistrations(ready: Promise<void>): void {
  ready.catch(() => undefined); // reported through each registration, not as unhandled
  pulumi.runtime.registerStackTransformation((args) => ({
    props: args.props,
    opts: {
      ...args.opts,
      // The SDK unwraps dependsOn recursively (Promise → Output → array → Resource), so a Promise
      // of the resource's own dependsOn is the same dependencies, later; the type is narrower.
      dependsOn: ready.then(() => args.opts.dependsOn ?? []) as pulumi.Input<pulumi.Resource[]>,
    },
  }));
}
