// Runs Pulumi code under mocks and records every registered resource, so tests can take the
// `__provider` text the program serialises and the exact inputs of each ModelDeployment
// (pulumi-notes §2.1, §2.4).
import * as pulumi from "@pulumi/pulumi";

export const MODEL_DEPLOYMENT_TYPE = "pulumi-nodejs:dynamic/triton-serving:ModelDeployment";

export interface Registered {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

/**
 * Install recording mocks for `stack` of project triton-serving. Every resource's state is its
 * inputs (plus an id), as the engine would echo them for a dynamic resource during preview.
 */
export function installRecordingMocks(stack: string, preview = false): Registered[] {
  const registered: Registered[] = [];
  void pulumi.runtime.setMocks(
    {
      newResource(args) {
        registered.push({
          type: args.type,
          name: args.name,
          inputs: args.inputs as Record<string, unknown>,
        });
        return { id: `${args.name}-id`, state: args.inputs as Record<string, unknown> };
      },
      call(args) {
        return args.inputs as Record<string, unknown>;
      },
    },
    "triton-serving",
    stack,
    preview,
  );
  return registered;
}

/** Resolves when every listed resource has been registered (its urn resolved). */
export async function registered(resources: pulumi.Resource[]): Promise<void> {
  await Promise.all(
    resources.map((r) => new Promise<void>((resolve) => r.urn.apply(() => resolve()))),
  );
}

/** The value of an Output, for assertions. */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((v) => resolve(v)));
}
