// The provider's MLflow write-back: after the core's transaction has returned (or thrown), record
// the attempt on the model version (src/core/writeback). What it wrote and any refusal become
// lines of `pulumi up`'s output; a refusal never changes the resource's result.
import {
  registryOutcomeOf,
  writeBackDeployment,
  type DeployEnvironment,
  type DeploymentResult,
} from "../core";
import type { ProviderSecrets } from "./secrets";
import type { ModelDeploymentInputs } from "./state";

export async function writeBackAfterDeploy(
  secrets: ProviderSecrets | undefined,
  env: DeployEnvironment,
  inputs: ModelDeploymentInputs,
  answer: { result: DeploymentResult; committedAt?: string } | { error: unknown },
  writeLine: (line: string) => void,
): Promise<void> {
  if (secrets?.writeBack === undefined) return;
  const report = await writeBackDeployment(
    { environment: secrets.writeBack.environment, mlflow: env.mlflow },
    registryOutcomeOf({ registeredModel: inputs.registeredModel, version: inputs.version }, answer),
  );
  for (const what of report.written) {
    writeLine(`model=${inputs.modelName} step=write-back status=ok detail="${what}"`);
  }
  for (const warning of report.warnings) writeLine(`warning: ${warning}`);
}
