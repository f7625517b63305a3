// What provider tests need to find the program's ModelDeployment among the resources that the
// shared recording mocks (test/support/pulumi-mocks.ts) capture (pulumi-notes §2.1, §2.4).
import type * as pulumi from "@pulumi/pulumi";

export const MODEL_DEPLOYMENT_TYPE = "pulumi-nodejs:dynamic/triton-serving:ModelDeployment";

/** Resolves when every listed resource has been registered (its urn resolved). */
export async function registered(resources: pulumi.Resource[]): Promise<void> {
  await Promise.all(
    resources.map((r) => new Promise<void>((resolve) => r.urn.apply(() => resolve()))),
  );
}
