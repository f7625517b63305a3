// The deployment transaction (design.md): lock → snapshot → resolve → materialize → validate →
// load → ready → smoke → promote → commit → unlock, with rollback on any failure after snapshot.
//
// Production traffic never reaches an unverified version: the candidate is first materialized
// into the staging model directory `<root>/<model>.staging/<v>/` and loaded, readied and smoked
// there under the staging model name (layout.ts explains the name). Only then is the verified
// directory renamed into `<root>/<model>/<v>/` and the served model reloaded with a config
// override pinning `<v>` — a reload swaps versions with no gap for version-less requests
// (triton-contract.md §2.2), and the committed version is never unloaded to make room.
// `current.json` and `config.pbtxt` are untouched until commit, so a rollback only has to make
// Triton serve the committed version again and move the candidate to `failed_<v>_<UTC>`. The
// committed version's own directory is never replaced before the commit point: when another
// registered model brings the same version number, its verified copy waits in staging and takes
// the place of `<v>/` after current.json names it (repository/commit.ts explains the order).
import { promises as fs } from "node:fs";
import { join } from "node:path";
import { DeploymentError, errorMessage, StepFailure } from "../errors";
import {
  acquireLock,
  claimRepository,
  cleanLeftovers,
  clearPendingCommit,
  completeCommitFiles,
  fileOperation,
  fsyncDirectory,
  isCode,
  isStagingModelName,
  linkVersionDir,
  isValidVersion,
  MaterializeError,
  materializeVersion,
  modelPaths,
  pathExists,
  PRIMARY_FILE,
  quarantineCandidate,
  readCurrentPointer,
  recoverCommit,
  STAGING_SUFFIX,
  verifyVersionDir,
  writeCurrentPointer,
  writeFileAtomic,
  writePendingCommit,
  type CommitRecord,
  type LockHandle,
} from "../repository";
import type { Attempt } from "./attempt";
import { baseResult, committedResult, record, summarize } from "./attempt-result";
import { readCommittedConfig, unchangedIfIdentical } from "./identical-rerun";
import { loadAndWait, loadOne } from "./load-version";
import type { DeploymentResult } from "./result";
import { observeServing } from "./observe-serving";
import { failedBeforeChange, rollback, unloadQuietly } from "./rollback";
import { runSmoke, type SmokeReport } from "./smoke";
import { createStepRunner, forEachSettled, StepError, type StepRunner } from "./step-runner";
import type { DeploymentPlan, TransactionDeps } from "./transaction-inputs";

// The transaction's public surface stays importable from here (src/core/index.ts, api.ts).
export { observeServing } from "./observe-serving";
export type { DeploymentPlan, TransactionDeps, TransactionTimeouts } from "./transaction-inputs";

/**
 * Run the deployment transaction for one model. Resolves with outcome `committed` or `unchanged`;
 * any failure rejects with a DeploymentError (outcome `rolled_back` or `rollback_failed` in its
 * `result`), after the rollback has run.
 */
export async function runDeployment(
  deps: TransactionDeps,
  plan: DeploymentPlan,
): Promise<DeploymentResult> {
  const now = deps.now ?? (() => new Date());
  const paths = modelPaths(deps.repositoryRoot, plan.model);
  const steps = createStepRunner({
    model: plan.model,
    version: plan.version,
    ...(deps.onProgress ? { onProgress: deps.onProgress } : {}),
  });
  const attempt: Attempt = {
    paths,
    committed: undefined,
    committedConfigJson: undefined,
    driftedEndpoints: new Set(),
    candidateDir: undefined,
    partialDir: undefined,
    stagingLoaded: false,
    servedModelTouched: false,
    manifest: undefined,
    reused: false,
    runId: undefined,
    smoke: [],
    cleanedUp: [],
    tookOverStaleLock: false,
    commitStarted: false,
    finishedCommit: false,
    replacesCommittedDir: false,
  };

  const problem = planProblem(plan);
  if (problem !== undefined) {
    throw await failedBeforeChange(deps, plan, paths, "resolve", new StepFailure(problem));
  }
  let lock: LockHandle;
  try {
    lock = await steps.run("lock", async () => {
      // Before anything is written: a repository of another stack is refused untouched.
      if (deps.repositoryOwner !== undefined) {
        await claimRepository(deps.repositoryRoot, deps.repositoryOwner, "deploy");
      }
      await fs.mkdir(paths.modelDir, { recursive: true }).catch((error: unknown) => {
        throw new StepFailure(
          `cannot create the model directory ${paths.modelDir} (${errorMessage(error)}); expected a writable directory under the repository root`,
        );
      });
      return acquireLock(paths.lock, {
        owner: deps.owner,
        operation: `deploy ${plan.registeredModel} version ${plan.version}`,
        staleAfterMs: deps.timeouts.lockStaleAfterMs,
        waitMs: deps.timeouts.lockWaitMs,
        now,
        ...(deps.host !== undefined ? { host: deps.host } : {}),
        onTakeover: () => {
          attempt.tookOverStaleLock = true;
        },
      });
    });
  } catch (error) {
    throw await failedBeforeChange(deps, plan, paths, "lock", error);
  }

  try {
    try {
      await steps.run("snapshot", () => snapshot(deps, plan, attempt));
    } catch (error) {
      throw await failedBeforeChange(deps, plan, paths, "snapshot", error);
    }
    try {
      const unchanged = await unchangedIfIdentical(deps, plan, attempt, steps);
      if (unchanged !== undefined) return unchanged;
      return await deploy(deps, plan, attempt, steps, now);
    } catch (error) {
      if (error instanceof DeploymentError) throw error;
      // A failure after current.json was renamed into place (e.g. the directory fsync) is not a
      // failed deployment: the commit point was reached, so nothing may be rolled back.
      if (attempt.commitStarted && (await commitLanded(plan, attempt))) {
        return committedResult(plan, attempt, steps);
      }
      throw await rollback(deps, plan, attempt, steps, now, error);
    }
  } finally {
    await lock.release();
  }
}

/** Why a plan cannot be deployed at all (names that would escape or clash in the repository). */
export function planProblem(plan: DeploymentPlan): string | undefined {
  if (!isValidVersion(plan.version)) {
    return `version ${JSON.stringify(plan.version)} is not a Triton version; expected a positive integer without leading zeros`;
  }
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(plan.model) || plan.model.includes("..")) {
    return `model name ${JSON.stringify(plan.model)} is not usable as a model directory; expected letters, digits, '_', '-' and '.'`;
  }
  if (isStagingModelName(plan.model)) {
    return `model name ${JSON.stringify(plan.model)} ends with ${JSON.stringify(STAGING_SUFFIX)}, which names staging models; expected another name`;
  }
  return undefined;
}

/**
 * Read what is committed and what each endpoint serves; finish or drop what a killed commit left
 * (before anything else: the leftovers cleanup must not remove a directory it still needs), and
 * clean leftovers of crashed runs.
 */
async function snapshot(deps: TransactionDeps, plan: DeploymentPlan, a: Attempt): Promise<void> {
  a.committed = await readCurrentPointer(a.paths.current);
  const recovery = await recoverCommit(a.paths, a.committed);
  a.finishedCommit = recovery.finishedCommit;
  a.cleanedUp = [
    ...recovery.repaired,
    ...(await cleanLeftovers(a.paths.modelDir)),
    ...(await cleanLeftovers(a.paths.stagingDir)).map((n) => `${a.paths.stagingModel}/${n}`),
  ];
  a.committedConfigJson = await readCommittedConfig(a.paths, a.committed, deps.config);
  const committedVersion = a.committed?.activeVersion;
  await forEachSettled(deps.endpoints, async (endpoint) => {
    // After a finished commit a pod may hold the files `<v>/` had before, under the same version
    // number: only a reload makes it serve the committed sha256.
    if (a.finishedCommit) {
      a.driftedEndpoints.add(endpoint.name);
      return;
    }
    const ready = await endpoint.readyVersions(plan.model, deps.signal);
    const expected = committedVersion === undefined ? [] : [committedVersion];
    if (ready.join(",") !== expected.join(",")) a.driftedEndpoints.add(endpoint.name);
  });
}

async function deploy(
  deps: TransactionDeps,
  plan: DeploymentPlan,
  a: Attempt,
  steps: StepRunner,
  clock: () => Date,
): Promise<DeploymentResult> {
  const { paths } = a;
  const version = plan.version;
  const stagingVersionDir = join(paths.stagingDir, version);
  const endpoints = deps.endpoints;

  // resolve: the version was resolved at preview; check it is still the run that was previewed.
  const artifact = await steps.run("resolve", async () => {
    const described = await deps.source.describe(deps.signal);
    if (plan.expectedRunId !== undefined && described.runId !== plan.expectedRunId) {
      throw new StepFailure(
        `registered model '${plan.registeredModel}' version ${version} has run_id ${described.runId ?? "(none)"}; expected ${plan.expectedRunId} (the run resolved at preview)`,
      );
    }
    return described;
  });
  a.runId = artifact.runId;

  // materialize: into the staging model directory; nothing Triton serves is touched.
  await steps.run(
    "materialize",
    async () => {
      await prepareStagingDir(paths.stagingDir, version);
      const servedDir = join(paths.modelDir, version);
      if (a.committed?.activeVersion !== version && (await pathExists(servedDir))) {
        // A version directory that is not committed (an older version, or one left by a crash
        // after promote) is reused if intact: it moves to staging to be verified again.
        const existing = await verifyVersionDir(servedDir);
        const tagOk =
          existing.ok &&
          (artifact.sha256Tag === undefined || existing.manifest.sha256 === artifact.sha256Tag);
        if (tagOk) {
          await fs.rm(stagingVersionDir, { recursive: true, force: true });
          await fs.rename(servedDir, stagingVersionDir);
        } else {
          await fs.rm(servedDir, { recursive: true, force: true });
        }
      } else if (a.committed?.activeVersion === version && !(await pathExists(stagingVersionDir))) {
        // The committed version again (with a changed config): it must stay in place for the
        // pods, so staging gets a hard-linked copy of its intact files to verify.
        const existing = await verifyVersionDir(servedDir);
        if (
          existing.ok &&
          (artifact.sha256Tag === undefined || existing.manifest.sha256 === artifact.sha256Tag)
        ) {
          await linkVersionDir(servedDir, stagingVersionDir, existing.manifest);
        }
      }
      try {
        const materialized = await materializeVersion({
          target: stagingVersionDir,
          registeredModel: plan.registeredModel,
          version,
          runId: artifact.runId,
          ...(artifact.sha256Tag !== undefined ? { expectedSha256: artifact.sha256Tag } : {}),
          fetchInto: (dir) =>
            deps.source.fetchInto(dir, {
              ...(deps.onProgress ? { onProgress: deps.onProgress } : {}),
              ...(deps.signal ? { signal: deps.signal } : {}),
            }),
        });
        a.candidateDir = materialized.dir;
        a.manifest = materialized.manifest;
        a.reused = materialized.reused;
      } catch (error) {
        if (error instanceof MaterializeError) {
          a.partialDir = error.partialDir;
          throw error.cause;
        }
        throw error;
      }
    },
    () => (a.reused ? "reused existing files" : `${a.manifest?.sizeBytes ?? 0} bytes`),
  );

  // validate: the ONNX graph against the config, before Triton is touched. Only then is the
  // config complete (inputs/outputs the request leaves out come from the graph), so the staging
  // config.pbtxt is written after it.
  await steps.run("validate", async () => {
    await deps.config.validate(join(stagingVersionDir, PRIMARY_FILE));
    await writeFileAtomic(
      join(paths.stagingDir, "config.pbtxt"),
      deps.config.renderPbtxt(paths.stagingModel, version),
    );
  });

  // load / ready / smoke under the staging name, on every endpoint.
  const stagingConfig = deps.config.loadConfigJson(paths.stagingModel, version);
  a.stagingLoaded = true;
  await loadAndWait(deps, steps, paths.stagingModel, version, stagingConfig);
  const expected = deps.config.expectedOutputs();
  await steps.run("smoke", async () => {
    const reports: SmokeReport[] = new Array<SmokeReport>(endpoints.length);
    await forEachSettled(
      endpoints.map((e, i) => [e, i] as const),
      async ([endpoint, i]) => {
        reports[i] = await runSmoke({
          endpoint,
          model: paths.stagingModel,
          version,
          spec: plan.smoke,
          expected,
          ...(deps.signal ? { signal: deps.signal } : {}),
          onRequest: (done, total) =>
            deps.onProgress?.({
              model: plan.model,
              version,
              step: "smoke",
              phase: "progress",
              endpoint: endpoint.name,
              done,
              total,
              unit: "requests",
            }),
        });
      },
    );
    a.smoke.push(...reports);
  });

  // promote: the verified directory becomes `<model>/<v>/` and the served model is reloaded
  // pinned to it, on every endpoint; a quick smoke on the served name confirms the switch.
  const servedConfig = deps.config.loadConfigJson(plan.model, version);
  const reloadServed = () =>
    forEachSettled(endpoints, async (endpoint) => {
      await loadOne(deps, endpoint, plan.model, version, servedConfig);
      const report = await runSmoke({
        endpoint,
        model: plan.model,
        version,
        spec: plan.smoke,
        expected,
        requests: 1,
        ...(deps.signal ? { signal: deps.signal } : {}),
      });
      a.smoke.push(report);
    });
  await steps.run("promote", async () => {
    await unloadQuietly(endpoints, paths.stagingModel);
    a.stagingLoaded = false;
    const target = join(paths.modelDir, version);
    const inPlace = await verifyVersionDir(target);
    if (inPlace.ok && inPlace.manifest.sha256 === a.manifest?.sha256) {
      // The committed version redeployed with a new config: its directory already holds exactly
      // the verified files.
      fileOperation("remove the staged copy of the committed version");
      await fs.rm(stagingVersionDir, { recursive: true, force: true });
    } else if (
      a.committed?.activeVersion === version &&
      a.committed.sha256 !== a.manifest?.sha256
    ) {
      // `<v>/` is the committed version's directory and the candidate has other files (another
      // registered model with the same version number): it may only be replaced after the
      // commit point, so the verified copy stays staged and the pods reload after the commit.
      a.replacesCommittedDir = true;
      return;
    } else {
      if (await pathExists(target)) {
        // The committed version's own directory failed verification, and the candidate is the
        // very sha256 current.json names: keep the damaged one for analysis.
        await quarantineCandidate(paths.modelDir, target, version, clock());
      }
      fileOperation(`rename the staged ${version}/ into the model directory`);
      await fs.rename(stagingVersionDir, target);
      fileOperation("fsync the model directory");
      await fsyncDirectory(paths.modelDir);
    }
    a.candidateDir = target;
    a.servedModelTouched = true;
    await reloadServed();
  });

  // commit: the commit record, then current.json — the commit point — then the files derived
  // from it (repository/commit.ts). History last: a crash before it loses a line, never a commit.
  const verification = summarize(a.smoke, endpoints.length, plan.smoke);
  const at = clock();
  let afterCommitPoint: unknown;
  await steps.run("commit", async () => {
    a.commitStarted = true;
    // Everything is rendered before the first write: a failure here changes nothing.
    const pending: CommitRecord = {
      version,
      ...(a.manifest?.sha256 !== undefined ? { sha256: a.manifest.sha256 } : {}),
      committedAtUtc: at.toISOString(),
      config: servedConfig,
      pbtxt: deps.config.renderPbtxt(plan.model, version),
    };
    await writePendingCommit(paths, pending);
    await writeCurrentPointer(paths.current, {
      activeVersion: version,
      runId: artifact.runId,
      alias: plan.alias,
      updatedAtUtc: at.toISOString(),
      registeredModel: plan.registeredModel,
      sha256: a.manifest?.sha256,
      sizeBytes: a.manifest?.sizeBytes,
      previousVersion: a.committed?.activeVersion,
      verification,
    });
    // After the commit point nothing may roll back. The files derived from the commit (and for a
    // replaced `<v>/` the reload) are finished here, so that "commit done" means config.pbtxt
    // pins the new version (a pod that restarts afterwards loads it); if this run is stopped
    // first, the next run finishes them from the pending record, which stays until then.
    try {
      await completeCommitFiles(paths, pending, { recovering: false });
      if (a.replacesCommittedDir) await reloadServed();
      // A pod that restarted between the commit point and config.pbtxt's rewrite loaded the
      // previous pin (--load-model reads config.pbtxt at start): put every pod that answers and
      // serves anything else on the commit. One that does not answer restarts from the new pin.
      await forEachSettled(endpoints, async (endpoint) => {
        const serving = await endpoint
          .readyVersions(plan.model, deps.signal)
          .catch(() => undefined);
        if (serving !== undefined && serving.join(",") !== version) {
          await loadOne(deps, endpoint, plan.model, version, servedConfig);
        }
      });
    } catch (error) {
      afterCommitPoint = error;
    }
  });
  if (afterCommitPoint !== undefined && a.replacesCommittedDir) {
    throw await committedButNotServing(deps, plan, a, steps, afterCommitPoint);
  }
  // Otherwise the pods already serve the commit (promote); only config files may lag, and the
  // next run's recovery rewrites them from the pending record.
  await clearPendingCommit(paths).catch(() => undefined);
  // After the commit point nothing may fail the deployment: cleanup and history are best effort
  // (a leftover staging directory is removed by the next run).
  await fs.rm(paths.stagingDir, { recursive: true, force: true }).catch(() => undefined);
  const result: DeploymentResult = {
    ...baseResult(plan, a, steps, "committed", version),
    verification,
  };
  await record(a, plan, result, at, {}).catch(() => undefined);
  return result;
}

/**
 * The commit point was passed but the pods could not be made to serve the new files of a reused
 * version number: nothing can be rolled back (current.json names the candidate), and the next run
 * finishes the commit from its pending record.
 */
async function committedButNotServing(
  deps: TransactionDeps,
  plan: DeploymentPlan,
  a: Attempt,
  steps: StepRunner,
  error: unknown,
): Promise<DeploymentError> {
  const cause = error instanceof StepError ? error.cause : error;
  const result = baseResult(plan, a, steps, "rollback_failed", plan.version);
  await record(a, plan, result, (deps.now ?? (() => new Date()))(), {
    step: "commit",
    reason: errorMessage(cause),
  }).catch(() => undefined);
  return new DeploymentError({
    model: plan.model,
    version: plan.version,
    step: "commit",
    cause,
    serving: await observeServing(deps, plan.model, plan.version),
    rollbackFailed: true,
    rollbackError: `version ${plan.version} is committed (current.json names it) but not every pod serves its files yet; run the same deployment again to finish the commit`,
    result,
  });
}

/** Whether current.json on disk names the candidate (the commit's rename happened). */
async function commitLanded(plan: DeploymentPlan, a: Attempt): Promise<boolean> {
  const onDisk = await readCurrentPointer(a.paths.current).catch(() => undefined);
  return onDisk?.activeVersion === plan.version && onDisk.sha256 === a.manifest?.sha256;
}

/**
 * Remove everything from the staging directory except an intact copy of the version about to be
 * deployed (reused after a crash).
 */
async function prepareStagingDir(stagingDir: string, version: string): Promise<void> {
  let names: string[];
  try {
    names = await fs.readdir(stagingDir);
  } catch (error) {
    if (!isCode(error, "ENOENT")) throw error;
    await fs.mkdir(stagingDir, { recursive: true });
    return;
  }
  for (const name of names) {
    if (name === version) continue;
    await fs.rm(join(stagingDir, name), { recursive: true, force: true });
  }
}
