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
// Triton serve the committed version again and move the candidate to `failed_<v>_<UTC>`.
import { promises as fs } from "node:fs";
import { join } from "node:path";
import { DeploymentError, StepFailure, errorMessage, type ServingState } from "../errors";
import type { ProgressListener } from "../progress";
import {
  acquireLock,
  appendHistory,
  cleanLeftovers,
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
  STAGING_SUFFIX,
  verifyVersionDir,
  writeCurrentPointer,
  writeFileAtomic,
  type CommittedPointer,
  type HistoryEntry,
  type LockHandle,
  type ModelPaths,
  type VerificationSummary,
  type VersionManifest,
} from "../repository";
import type { ArtifactSource, ModelConfigPort, TritonEndpoint } from "./ports";
import type { DeploymentResult } from "./result";
import { percentile, runSmoke, type SmokeReport, type SmokeSpec } from "./smoke";
import { createStepRunner, forEachSettled, StepError, type StepRunner } from "./step-runner";
import { notReadyMessage, waitVersionReady } from "./wait-ready";

/** Time limits of the transaction. */
export interface TransactionTimeouts {
  /** Load plus readiness of one version on one endpoint. */
  readyMs: number;
  /** Interval between readiness checks. */
  readyPollMs: number;
  /** How long to wait for another transaction's lock before failing. 0 = fail at once. */
  lockWaitMs: number;
  /** A lock held on another host longer than this is stale (lock.ts). */
  lockStaleAfterMs: number;
}

/** Everything the transaction talks to. */
export interface TransactionDeps {
  repositoryRoot: string;
  endpoints: TritonEndpoint[];
  source: ArtifactSource;
  config: ModelConfigPort;
  timeouts: TransactionTimeouts;
  /** Who runs the deployment (recorded in the lock and history). */
  owner: string;
  /** Host name for the lock (tests). */
  host?: string;
  onProgress?: ProgressListener;
  signal?: AbortSignal;
  /** Wall clock for timestamps and quarantine names. */
  now?: () => Date;
}

/** What to deploy: an already resolved registry version of one model. */
export interface DeploymentPlan {
  /** The Triton model name (the directory under the repository root). */
  model: string;
  registeredModel: string;
  version: string;
  alias?: string;
  /** The run id seen when the version was resolved (preview); a different one fails `resolve`. */
  expectedRunId?: string;
  smoke: SmokeSpec;
}

/** Mutable state of one attempt, read by the rollback. */
interface Attempt {
  paths: ModelPaths;
  committed: CommittedPointer | undefined;
  /** The load config of the committed version, when the core committed it. */
  committedConfigJson: string | undefined;
  /** Endpoints that did not serve the committed version at snapshot time. */
  driftedEndpoints: Set<string>;
  candidateDir: string | undefined;
  partialDir: string | undefined;
  stagingLoaded: boolean;
  servedModelTouched: boolean;
  manifest: VersionManifest | undefined;
  reused: boolean;
  runId: string | undefined;
  smoke: SmokeReport[];
  cleanedUp: string[];
  tookOverStaleLock: boolean;
  /** The commit step began writing files: rollback restores their snapshot. */
  commitStarted: boolean;
  /** config.pbtxt and committed-config.json as they were at snapshot (undefined: absent). */
  committedFiles: { config: Buffer | undefined; committedConfig: Buffer | undefined };
}

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
    committedFiles: { config: undefined, committedConfig: undefined },
  };

  const problem = planProblem(plan);
  if (problem !== undefined) {
    throw await failedBeforeChange(deps, plan, paths, "resolve", new StepFailure(problem));
  }
  let lock: LockHandle;
  try {
    lock = await steps.run("lock", async () => {
      await fs.mkdir(paths.modelDir, { recursive: true });
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

/** Read what is committed and what each endpoint serves; clean leftovers of crashed runs. */
async function snapshot(deps: TransactionDeps, plan: DeploymentPlan, a: Attempt): Promise<void> {
  a.cleanedUp = [
    ...(await cleanLeftovers(a.paths.modelDir)),
    ...(await cleanLeftovers(a.paths.stagingDir)).map((n) => `${a.paths.stagingModel}/${n}`),
  ];
  a.committed = await readCurrentPointer(a.paths.current);
  a.committedFiles = {
    config: await readIfExists(a.paths.config),
    committedConfig: await readIfExists(a.paths.committedConfig),
  };
  a.committedConfigJson = await readCommittedConfig(a.paths, a.committed, deps.config);
  const committedVersion = a.committed?.activeVersion;
  await forEachSettled(deps.endpoints, async (endpoint) => {
    const ready = await endpoint.readyVersions(plan.model, deps.signal);
    const expected = committedVersion === undefined ? [] : [committedVersion];
    if (ready.join(",") !== expected.join(",")) a.driftedEndpoints.add(endpoint.name);
  });
}

async function readCommittedConfig(
  paths: ModelPaths,
  committed: CommittedPointer | undefined,
  config: ModelConfigPort,
): Promise<string | undefined> {
  if (committed === undefined) return undefined;
  try {
    const parsed = JSON.parse(await fs.readFile(paths.committedConfig, "utf8")) as {
      version?: unknown;
      config?: unknown;
    };
    // Only a config that pins the committed version can restore it.
    if (parsed.version === committed.activeVersion && typeof parsed.config === "string") {
      return parsed.config;
    }
  } catch (error) {
    if (!isCode(error, "ENOENT") && !(error instanceof SyntaxError)) throw error;
  }
  // A repository committed by the old platform: its config.pbtxt, pinned to the committed version.
  if (config.pinnedFromPbtxt === undefined) return undefined;
  try {
    const text = await fs.readFile(paths.config, "utf8");
    return config.pinnedFromPbtxt(text, paths.model, committed.activeVersion);
  } catch {
    return undefined;
  }
}

/**
 * An identical re-run (same registered model and version committed, its directory intact) does
 * nothing — except making endpoints that do not serve it (a restarted or crashed pod) serve it.
 */
async function unchangedIfIdentical(
  deps: TransactionDeps,
  plan: DeploymentPlan,
  a: Attempt,
  steps: StepRunner,
): Promise<DeploymentResult | undefined> {
  const c = a.committed;
  if (c === undefined || c.activeVersion !== plan.version) return undefined;
  if (c.registeredModel !== undefined && c.registeredModel !== plan.registeredModel) {
    return undefined;
  }
  if (plan.expectedRunId !== undefined && c.runId !== undefined && c.runId !== plan.expectedRunId) {
    return undefined;
  }
  // The same version with another Triton config (batching, instances, dims) is a new deployment.
  const desired = (): string | undefined => {
    try {
      return deps.config.loadConfigJson(plan.model, plan.version);
    } catch {
      return undefined;
    }
  };
  let desiredConfig = desired();
  if (desiredConfig === undefined) {
    // A request that leaves inputs/outputs out has no config until a graph completes it: take
    // the committed version's graph (an unreadable one means: deploy it again, fully).
    try {
      await deps.config.validate(join(a.paths.modelDir, plan.version, PRIMARY_FILE));
    } catch {
      return undefined;
    }
    desiredConfig = desired();
  }
  if (desiredConfig === undefined || desiredConfig !== a.committedConfigJson) return undefined;
  const dir = await verifyVersionDir(join(a.paths.modelDir, plan.version));
  if (!dir.ok || (c.sha256 !== undefined && dir.manifest.sha256 !== c.sha256)) return undefined;

  // A staging directory here is the leftover of a crashed attempt: discard it (and the staging
  // model it may have left loaded) so that the repository converges without manual cleanup.
  if (await pathExists(a.paths.stagingDir)) {
    await unloadQuietly(deps.endpoints, a.paths.stagingModel);
    await fs.rm(a.paths.stagingDir, { recursive: true, force: true });
    a.cleanedUp.push(a.paths.stagingModel);
  }
  const repaired = [...a.driftedEndpoints];
  if (repaired.length > 0) {
    try {
      await steps.run("load", () => restoreCommitted(deps, plan, a, repaired));
    } catch (error) {
      const cause = error instanceof StepError ? error.cause : error;
      const serving = await observeServing(deps, plan.model, c.activeVersion);
      const result = baseResult(plan, a, steps, "rollback_failed", c.activeVersion);
      await record(a, plan, result, now(deps), {
        step: "load",
        reason: `could not make every endpoint serve the committed version: ${errorMessage(cause)}`,
      });
      throw new DeploymentError({
        model: plan.model,
        version: plan.version,
        step: "load",
        cause,
        serving,
        rollbackFailed: true,
        rollbackError: "the committed version could not be reloaded",
        result,
      });
    }
  }
  const result: DeploymentResult = {
    ...baseResult(plan, a, steps, "unchanged", c.activeVersion),
    sha256: dir.manifest.sha256,
    sizeBytes: dir.manifest.sizeBytes,
    reusedFiles: true,
    verification: c.verification,
    repairedEndpoints: repaired,
  };
  // Plain no-op re-runs are not recorded (they would flood history from every `pulumi up`); a
  // repair is.
  if (repaired.length > 0) {
    await record(a, plan, result, now(deps), {
      reason: `reloaded on ${repaired.join(", ")}`,
    }).catch(() => undefined);
  }
  return result;
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
  await steps.run("promote", async () => {
    await unloadQuietly(endpoints, paths.stagingModel);
    a.stagingLoaded = false;
    const target = join(paths.modelDir, version);
    const inPlace = await verifyVersionDir(target);
    if (inPlace.ok && inPlace.manifest.sha256 === a.manifest?.sha256) {
      // The committed version redeployed with a new config: its directory already holds exactly
      // the verified files.
      await fs.rm(stagingVersionDir, { recursive: true, force: true });
    } else {
      if (await pathExists(target)) {
        // The committed version's own directory failed verification: keep it for analysis.
        await quarantineCandidate(paths.modelDir, target, version, clock());
      }
      await fs.rename(stagingVersionDir, target);
      await fsyncDirectory(paths.modelDir);
    }
    a.candidateDir = target;
    a.servedModelTouched = true;
    const servedConfig = deps.config.loadConfigJson(plan.model, version);
    await forEachSettled(endpoints, async (endpoint) => {
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
  });

  // commit: the pinned config, the config the rollback reloads with, then current.json — the
  // commit point. History last: a crash before it loses a line, never a commit.
  const verification = summarize(a.smoke, endpoints.length, plan.smoke);
  const at = clock();
  await steps.run("commit", async () => {
    a.commitStarted = true;
    await writeFileAtomic(
      paths.committedConfig,
      `${JSON.stringify({ version, config: deps.config.loadConfigJson(plan.model, version) })}\n`,
    );
    await writeFileAtomic(paths.config, deps.config.renderPbtxt(plan.model, version));
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
  });
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

/** Whether current.json on disk names the candidate (the commit's rename happened). */
async function commitLanded(plan: DeploymentPlan, a: Attempt): Promise<boolean> {
  const onDisk = await readCurrentPointer(a.paths.current).catch(() => undefined);
  return onDisk?.activeVersion === plan.version && onDisk.sha256 === a.manifest?.sha256;
}

async function committedResult(
  plan: DeploymentPlan,
  a: Attempt,
  steps: StepRunner,
): Promise<DeploymentResult> {
  const onDisk = await readCurrentPointer(a.paths.current);
  return {
    ...baseResult(plan, a, steps, "committed", plan.version),
    verification: onDisk?.verification,
  };
}

async function readIfExists(path: string): Promise<Buffer | undefined> {
  try {
    return await fs.readFile(path);
  } catch (error) {
    if (isCode(error, "ENOENT")) return undefined;
    throw error;
  }
}

/** Put config.pbtxt and committed-config.json back as they were at snapshot. */
async function restoreCommittedFiles(a: Attempt): Promise<void> {
  for (const [path, bytes] of [
    [a.paths.config, a.committedFiles.config],
    [a.paths.committedConfig, a.committedFiles.committedConfig],
  ] as const) {
    if (bytes === undefined) await fs.rm(path, { force: true });
    else await writeFileAtomic(path, bytes);
  }
}

/** Load a model pinned to `version` on every endpoint and wait until it is ready everywhere. */
async function loadAndWait(
  deps: TransactionDeps,
  steps: StepRunner,
  model: string,
  version: string,
  configJson: string,
): Promise<void> {
  const started = Date.now();
  await steps.run("load", () =>
    forEachSettled(deps.endpoints, (endpoint) =>
      loadWithDeadline(deps, endpoint, model, version, configJson, started),
    ),
  );
  await steps.run("ready", () =>
    forEachSettled(deps.endpoints, (endpoint) =>
      waitVersionReady({
        endpoint,
        model,
        version,
        timeoutMs: deps.timeouts.readyMs,
        pollMs: deps.timeouts.readyPollMs,
        startedAt: started,
        ...(deps.signal ? { signal: deps.signal } : {}),
      }),
    ),
  );
}

async function loadOne(
  deps: TransactionDeps,
  endpoint: TritonEndpoint,
  model: string,
  version: string,
  configJson: string | undefined,
): Promise<void> {
  const started = Date.now();
  await loadWithDeadline(deps, endpoint, model, version, configJson, started);
  await waitVersionReady({
    endpoint,
    model,
    version,
    timeoutMs: deps.timeouts.readyMs,
    pollMs: deps.timeouts.readyPollMs,
    startedAt: started,
    ...(deps.signal ? { signal: deps.signal } : {}),
  });
}

/**
 * Triton's load call blocks until the load finishes (triton-contract.md §1.8), so a load slower
 * than the ready timeout is cut off here and reported as "not ready" (step `ready`).
 */
async function loadWithDeadline(
  deps: TransactionDeps,
  endpoint: TritonEndpoint,
  model: string,
  version: string,
  configJson: string | undefined,
  started: number,
): Promise<void> {
  const budget = Math.max(1, started + deps.timeouts.readyMs - Date.now());
  const timeout = AbortSignal.timeout(budget);
  const signal = deps.signal ? AbortSignal.any([deps.signal, timeout]) : timeout;
  try {
    await endpoint.load(model, configJson, signal);
  } catch (error) {
    if (timeout.aborted && !(deps.signal?.aborted ?? false)) {
      throw new StepError(
        "ready",
        new StepFailure(notReadyMessage(endpoint.name, model, version, deps.timeouts.readyMs)),
      );
    }
    throw error;
  }
}

/** Reload the committed version on `names` (all endpoints when undefined) and wait for it. */
async function restoreCommitted(
  deps: TransactionDeps,
  plan: DeploymentPlan,
  a: Attempt,
  names?: string[],
): Promise<void> {
  const targets = deps.endpoints.filter((e) => names === undefined || names.includes(e.name));
  const committed = a.committed?.activeVersion;
  await forEachSettled(targets, async (endpoint) => {
    if (committed === undefined) {
      // First deployment: nothing was committed, so nothing may serve.
      await endpoint.unload(plan.model, deps.signal);
      return;
    }
    // Without the committed load config (a repository written by the old platform) a plain
    // load reads config.pbtxt from disk.
    await loadOne(deps, endpoint, plan.model, committed, a.committedConfigJson);
  });
}

/**
 * Rollback: make every endpoint serve the committed version (reload with the committed config
 * where the served model was touched or had drifted, otherwise check it is still ready), unload
 * the staging model, quarantine the candidate, record the attempt, and return the error to throw.
 */
async function rollback(
  deps: TransactionDeps,
  plan: DeploymentPlan,
  a: Attempt,
  steps: StepRunner,
  clock: () => Date,
  error: unknown,
): Promise<DeploymentError> {
  // The rollback runs to completion even when the caller aborted (Ctrl-C): that abort is the
  // reason we are rolling back, so the restoring calls must not inherit its signal.
  deps = { ...deps, signal: undefined };
  const step = error instanceof StepError ? error.step : "snapshot";
  const cause = error instanceof StepError ? error.cause : error;
  const committed = a.committed?.activeVersion;
  let rollbackError: string | undefined;
  let quarantinedAs: string | undefined;
  try {
    await steps.run("rollback", async () => {
      const problems: string[] = [];
      if (a.commitStarted) {
        try {
          await restoreCommittedFiles(a);
        } catch (restoreError) {
          problems.push(`restoring config.pbtxt: ${errorMessage(restoreError)}`);
        }
      }
      if (a.stagingLoaded) await unloadQuietly(deps.endpoints, a.paths.stagingModel);
      const needReload = deps.endpoints
        .filter((e) => a.servedModelTouched || a.driftedEndpoints.has(e.name))
        .map((e) => e.name);
      if (committed !== undefined) {
        for (const endpoint of deps.endpoints) {
          if (needReload.includes(endpoint.name)) continue;
          const ready = await endpoint
            .isVersionReady(plan.model, committed, deps.signal)
            .catch(() => false);
          if (!ready) needReload.push(endpoint.name);
        }
      }
      if (needReload.length > 0) {
        try {
          await restoreCommitted(deps, plan, a, needReload);
        } catch (restoreError) {
          problems.push(errorMessage(restoreError));
        }
      }
      const candidate = a.partialDir ?? a.candidateDir;
      const committedDir = committed === undefined ? undefined : join(a.paths.modelDir, committed);
      if (candidate !== undefined && candidate !== committedDir) {
        quarantinedAs = await quarantineCandidate(
          a.paths.modelDir,
          candidate,
          plan.version,
          clock(),
        );
      }
      await fs.rm(a.paths.stagingDir, { recursive: true, force: true });
      if (problems.length > 0) throw new Error(problems.join("; "));
    });
  } catch (rollbackFailure) {
    rollbackError = errorMessage(
      rollbackFailure instanceof StepError ? rollbackFailure.cause : rollbackFailure,
    );
  }
  const serving = await observeServing(deps, plan.model, committed);
  const failed = rollbackError !== undefined;
  const result: DeploymentResult = {
    ...baseResult(plan, a, steps, failed ? "rollback_failed" : "rolled_back", committed),
    quarantinedAs,
  };
  await record(a, plan, result, clock(), {
    step,
    reason: failed
      ? `${errorMessage(cause)}; rollback failed: ${rollbackError}`
      : errorMessage(cause),
  }).catch(() => undefined);
  return new DeploymentError({
    model: plan.model,
    version: plan.version,
    step,
    cause,
    serving,
    rollbackFailed: failed,
    ...(rollbackError !== undefined ? { rollbackError } : {}),
    result,
  });
}

/** A failure before anything changed (lock held, unreadable current.json). */
async function failedBeforeChange(
  deps: TransactionDeps,
  plan: DeploymentPlan,
  paths: ModelPaths,
  step: "resolve" | "lock" | "snapshot",
  error: unknown,
): Promise<DeploymentError> {
  const cause = error instanceof StepError ? error.cause : error;
  const committed = await readCurrentPointer(paths.current).catch(() => undefined);
  return new DeploymentError({
    model: plan.model,
    version: plan.version,
    step,
    cause,
    serving: await observeServing(deps, plan.model, committed?.activeVersion),
    rollbackFailed: false,
    rolledBack: false,
  });
}

/** What each endpoint serves now (errors reported per endpoint, never thrown). */
export async function observeServing(
  deps: { endpoints: TritonEndpoint[]; signal?: AbortSignal },
  model: string,
  committedVersion: string | undefined,
): Promise<ServingState> {
  const endpoints = await Promise.all(
    deps.endpoints.map(async (endpoint) => {
      try {
        return {
          endpoint: endpoint.name,
          readyVersions: await endpoint.readyVersions(model, deps.signal),
        };
      } catch (error) {
        return { endpoint: endpoint.name, readyVersions: [], error: errorMessage(error) };
      }
    }),
  );
  return { committedVersion, endpoints };
}

async function unloadQuietly(endpoints: TritonEndpoint[], model: string): Promise<void> {
  // The staging model never serves production traffic; failing to unload it wastes memory on a
  // pod but cannot affect what is served, so it never fails a deployment.
  await Promise.allSettled(endpoints.map((e) => e.unload(model)));
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

/**
 * The verification summary recorded in current.json: the staging smoke runs (the first report of
 * each endpoint; the later one-request checks on the served name only confirm the switch).
 */
function summarize(
  reports: SmokeReport[],
  endpoints: number,
  spec: SmokeSpec,
): VerificationSummary {
  const staging = reports.slice(0, endpoints);
  const latencies = staging.flatMap((r) => r.latenciesMs);
  return {
    endpoints,
    requests: staging[0]?.requests ?? 0,
    mode: spec.golden === undefined ? "generated" : "golden",
    p95Ms: Math.round(percentile(latencies, 0.95) * 10) / 10,
    ...(spec.latencyBudgetMs !== undefined ? { latencyBudgetMs: spec.latencyBudgetMs } : {}),
  };
}

function baseResult(
  plan: DeploymentPlan,
  a: Attempt,
  steps: StepRunner,
  outcome: DeploymentResult["outcome"],
  committedVersion: string | undefined,
): DeploymentResult {
  return {
    outcome,
    model: plan.model,
    registeredModel: plan.registeredModel,
    fromVersion: a.committed?.activeVersion,
    toVersion: plan.version,
    committedVersion,
    runId: a.runId ?? a.committed?.runId,
    alias: plan.alias,
    sha256: a.manifest?.sha256,
    sizeBytes: a.manifest?.sizeBytes,
    reusedFiles: a.reused,
    stepsMs: { ...steps.durations },
    verification: undefined,
    smoke: a.smoke,
    repairedEndpoints: [],
    quarantinedAs: undefined,
    cleanedUp: a.cleanedUp,
    tookOverStaleLock: a.tookOverStaleLock,
  };
}

async function record(
  a: Attempt,
  plan: DeploymentPlan,
  result: DeploymentResult,
  at: Date,
  extra: { step?: string; reason?: string },
): Promise<void> {
  const entry: HistoryEntry = {
    at_utc: at.toISOString(),
    model: plan.model,
    outcome: result.outcome === "unchanged" ? "recovered" : result.outcome,
    from_version: result.fromVersion ?? null,
    to_version: plan.version,
    registered_model: plan.registeredModel,
    run_id: result.runId ?? null,
    alias: plan.alias ?? null,
    sha256: result.sha256 ?? null,
    ...(extra.step !== undefined ? { step: extra.step } : {}),
    ...(extra.reason !== undefined ? { reason: extra.reason } : {}),
    ...(result.quarantinedAs !== undefined ? { quarantined_as: result.quarantinedAs } : {}),
    steps_ms: result.stepsMs,
  };
  await appendHistory(a.paths.history, entry);
}

function now(deps: TransactionDeps): Date {
  return (deps.now ?? (() => new Date()))();
}
