// The run-time half of the ModelDeployment provider: what each provider method does, loaded in
// the dynamic-provider host from the project directory (provider.ts delegates here). It is an
// adapter only: every deployment action is the core's (through core-bridge.ts); this file maps
// Pulumi's calls and state onto it and back.
import type * as pulumi from "@pulumi/pulumi";
import { checkInputs, diffDeployment, parseInputs } from "./check-and-diff";
import {
  deployWithCore,
  modelStatus,
  servedVersionOf,
  unloadFromTriton,
  type DeployOutcome,
} from "./core-bridge";
import { redact, type ProviderSecrets } from "./secrets";
import {
  inputsOf,
  migrateState,
  STATE_VERSION,
  type ModelDeploymentInputs,
  type ModelDeploymentOutputs,
} from "./state";

export { readProviderSecrets } from "./secrets";

/**
 * The run-time API this module implements (docs/provider-compatibility.md). Every `__provider`
 * stored in state names it through package.json `exports["./model-deployment-provider"]`;
 * releases before the stable entry name this file's path, so it stays here.
 */
export const providerApiVersion = 1;
export type { ProviderSecrets } from "./secrets";

type Props = Record<string, unknown>;

/** `check`: validate, skipping unknowns (preview); return the inputs unchanged. */
export function check(_olds: Props, news: Props): Promise<pulumi.dynamic.CheckResult> {
  const failures = checkInputs(news);
  return Promise.resolve({ inputs: news, failures });
}

/** `diff`: update for anything but identity; identity replaces (see check-and-diff.ts). */
export function diff(_id: string, olds: Props, news: Props): Promise<pulumi.dynamic.DiffResult> {
  const outcome = diffDeployment(olds, news);
  // Same model name in another repository: Triton knows the model by name, so creating the new
  // one first and then unloading "the old one" would unload the new one. Unload first instead.
  const deleteBeforeReplace =
    outcome.replaces.includes("repositoryRoot") && !outcome.replaces.includes("modelName");
  return Promise.resolve({
    changes: outcome.changes,
    replaces: outcome.replaces,
    deleteBeforeReplace,
  });
}

/** `create`: run the transaction; on failure throw its message so nothing is recorded. */
export async function create(
  secrets: ProviderSecrets | undefined,
  props: Props,
): Promise<pulumi.dynamic.CreateResult> {
  const inputs = parseInputs(props);
  const outcome = await deploy(secrets, inputs);
  return { id: inputs.modelName, outs: outputsOf(inputs, outcome) };
}

/**
 * `update`: the same transaction for the new inputs. A plain Error (no `id`) makes the engine
 * keep the prior inputs and outputs (pulumi-notes §1.4), matching what the core guarantees on
 * disk and in Triton: the previously committed version still serves.
 */
export async function update(
  secrets: ProviderSecrets | undefined,
  _id: string,
  olds: Props,
  news: Props,
): Promise<pulumi.dynamic.UpdateResult> {
  migrateState(olds); // refuse state from a newer tool before touching anything
  const inputs = parseInputs(news);
  const outcome = await deploy(secrets, inputs);
  return { outs: outputsOf(inputs, outcome) };
}

/**
 * `read` (refresh): compare state with current.json and with what Triton serves, and return the
 * props that reflect reality, with the differences in `drift`. `diff` treats drift as a change,
 * so the next `up` runs the transaction again and converges to the declared version.
 */
export async function read(
  secrets: ProviderSecrets | undefined,
  id: string,
  props: Props,
): Promise<pulumi.dynamic.ReadResult> {
  const state = migrateState(props);
  const status = await safely(secrets, () => modelStatus(secrets, state));
  const servesNothing = status.served.every(
    (s) => s.error === undefined && s.readyVersions.length === 0,
  );
  if (status.committed === undefined && servesNothing) {
    // Nothing committed (never deployed, or unloaded by a delete) and every Triton endpoint
    // answered that it serves nothing: the resource is gone; an empty id tells the engine so, and
    // the next `up` creates it. An unreachable endpoint is drift, never "gone".
    return { id: "" };
  }
  const drift: string[] = [];
  const committed = status.committed;
  if (committed === undefined) {
    drift.push(
      `current.json of model '${state.modelName}' is missing; state says version ${state.version}`,
    );
  } else if (committed.version !== state.version) {
    drift.push(
      `current.json names version ${committed.version}; state says version ${state.version}`,
    );
  }
  if (
    status.configDigest !== undefined &&
    state.tritonConfigDigest !== "" &&
    status.configDigest !== state.tritonConfigDigest
  ) {
    drift.push(
      `config.pbtxt digest is ${status.configDigest}; state says ${state.tritonConfigDigest} (edited by hand?)`,
    );
  }
  const expected = committed?.version ?? state.version;
  for (const endpoint of status.served) {
    if (endpoint.error !== undefined) {
      drift.push(`Triton ${endpoint.endpoint} could not be asked: ${endpoint.error}`);
    } else if (endpoint.readyVersions.join(",") !== expected) {
      const serves =
        endpoint.readyVersions.length === 0
          ? "nothing"
          : `version ${endpoint.readyVersions.join(",")}`;
      drift.push(`Triton ${endpoint.endpoint} serves ${serves}; expected version ${expected}`);
    }
  }
  const refreshed: ModelDeploymentOutputs = {
    ...state,
    ...(committed !== undefined
      ? {
          version: committed.version,
          runId: committed.runId ?? "",
          sha256: committed.sha256 ?? "",
          committedAt: committed.committedAt ?? "",
          previousVersion: committed.previousVersion ?? "",
        }
      : {}),
    servedVersion: servedVersionOf(status.served),
    tritonConfigDigest: status.configDigest ?? state.tritonConfigDigest,
    stateVersion: STATE_VERSION,
    drift,
  };
  const line = drift.length === 0 ? "no drift" : `drift: ${drift.join("; ")}`;
  process.stdout.write(`model=${state.modelName} step=refresh ${line}\n`);
  return { id, props: { ...refreshed }, inputs: { ...inputsOf(refreshed) } };
}

/**
 * `delete`: UNLOAD the model from every Triton endpoint and KEEP its files (current.json,
 * history.jsonl, config.pbtxt, version directories) on the model repository — they are the
 * record of what was served, and removing data from a shared NFS export is an operator's call.
 */
export async function remove(
  secrets: ProviderSecrets | undefined,
  _id: string,
  props: Props,
): Promise<void> {
  const state = migrateState(props);
  await safely(secrets, () => unloadFromTriton(secrets, state));
  process.stdout.write(
    `model=${state.modelName} step=delete status=ok detail="unloaded from Triton; files kept in ${state.repositoryRoot}/${state.modelName}"\n`,
  );
}

async function deploy(
  secrets: ProviderSecrets | undefined,
  inputs: ModelDeploymentInputs,
): Promise<DeployOutcome> {
  return safely(secrets, () =>
    deployWithCore(secrets, inputs, (line) => process.stdout.write(`${redact(line, secrets)}\n`)),
  );
}

/** Rethrow any failure as a plain Error with the core's message, secrets removed. */
async function safely<T>(secrets: ProviderSecrets | undefined, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(redact(message, secrets));
  }
}

function outputsOf(inputs: ModelDeploymentInputs, outcome: DeployOutcome): ModelDeploymentOutputs {
  return {
    ...inputs,
    stateVersion: STATE_VERSION,
    sha256: outcome.sha256,
    committedAt: outcome.committedAt,
    previousVersion: outcome.previousVersion,
    servedVersion: outcome.servedVersion,
    tritonConfigDigest: outcome.tritonConfigDigest,
    drift: [],
  };
}
