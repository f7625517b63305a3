// Crash trials (issue 10 point 2): a deployment runs in a child process and is SIGKILLed from
// outside after a random delay, as a scheduler, an OOM kill or a lost runner would stop it, while
// clients send version-less requests to the production model on every server. After each kill:
//   - current.json is byte-identical, or names the candidate (version and sha256) completely;
//   - every file it references is complete: `<v>/` verifies, and holds current.json's sha256 (or a
//     pending commit record and a verified staged copy let the next run finish the commit);
//   - version-less requests were answered only by verified versions (the client identifies the
//     answering model by its output; the server's request log names the version);
//   - the next run (in-process, same request) converges without manual cleanup: a good candidate
//     ends committed or unchanged, a broken one rolled back; then the files agree with current.json,
//     nothing is left behind, and a restarted server serves exactly the commit.
// Seeded: trial i uses seed + i for its choices and delay; what varies between runs is only where
// a delay lands, which is what the trials measure.
import { join } from "node:path";
import { request as httpRequest } from "undici";
import {
  DeploymentError,
  deployModel,
  readModelStatus,
  type DeployRequest,
} from "../../../src/core";
import {
  isCommitOf,
  modelPaths,
  readCommitRecord,
  readCurrentPointer,
  verifyVersionDir,
} from "../../../src/core/repository";
import {
  corruptModel,
  expectedIrisOutput,
  irisModel,
  mulberry32,
} from "../../support/onnx/fixtures";
import {
  committedFilesDisagree,
  deployInChild,
  IRIS_INPUT,
  leftoversIn,
  restartedServersDisagree,
} from "./crash-checks";
import {
  currentBytes,
  irisRequest,
  MODEL,
  publish,
  REGISTERED,
  startBench,
  type Bench,
} from "./harness";

const OTHER = "iris-other";
const GOOD_VERSIONS = 4;

export type TrialKind = "good" | "reused-number" | "broken-validate" | "broken-smoke" | "early";

export interface TrialRecord {
  index: number;
  seed: number;
  pods: number;
  kind: TrialKind;
  candidate: string;
  /** The step the kill was aimed at (its start event plus the delay). */
  target: string;
  delayMs: number;
  /** The last step event the child printed before the kill ("smoke:start" = during smoke). */
  landed: string;
  requests: number;
  failedRequests: number;
  violations: string[];
}

export interface TrialsOptions {
  trials: number;
  seed: number;
  /** Called after every trial (progress of a long run). */
  onTrial?: (trial: TrialRecord) => void;
}

/** The trial's PRNG; consecutive seeds would start alike in mulberry32, so they are spread first. */
function prng(seed: number): () => number {
  return mulberry32(Math.imul(seed ^ 0x5bd1e995, 0x9e3779b1));
}

interface Pool {
  bench: Bench;
  pods: number;
  /** registered model → version → variant */
  variants: Map<string, Map<string, number>>;
  variantOfSha: Map<string, number>;
  brokenVersion: string;
  /** How long each step of an unkilled deployment took (its start to its done event), ms. */
  stepMs: Map<string, number>;
}

/** The steps a kill is aimed at: every step of a deployment that commits. */
const STEPS = [
  "lock",
  "snapshot",
  "resolve",
  "materialize",
  "download",
  "validate",
  "load",
  "ready",
  "smoke",
  "promote",
  "commit",
];

const modelOf = (variant: number) => (variant > 100 ? OTHER : REGISTERED);

async function startPool(pods: number): Promise<Pool> {
  const bench = await startBench({ pods, startupModels: [MODEL] });
  const variants = new Map<string, Map<string, number>>();
  const variantOfSha = new Map<string, number>();
  for (const [registered, base] of [
    [REGISTERED, 0],
    [OTHER, 100],
  ] as const) {
    const versions = new Map<string, number>();
    for (let k = 1; k <= GOOD_VERSIONS; k++) {
      const variant = base + k;
      const p = await publish(bench, irisModel({ variant }), { registeredModel: registered });
      versions.set(p.version, variant);
      variantOfSha.set(p.sha256!, variant);
    }
    variants.set(registered, versions);
  }
  const brokenVersion = (await publish(bench, corruptModel())).version;
  await deployModel(bench.env, irisRequest("1"));
  // Calibrate: an unkilled deployment, each step timed from its start to its done event.
  const calibration = await deployInChild(bench.env, requestFor(REGISTERED, "2"), {
    env: { CRASH_REPORT_PROGRESS: "1" },
  });
  const at = (text: string) => calibration.lines.find((l) => l.text === text)?.at;
  const stepMs = new Map(
    STEPS.map((step) => [step, (at(`${step}:done`) ?? 0) - (at(`${step}:start`) ?? 0)]),
  );
  return { bench, pods, variants, variantOfSha, brokenVersion, stepMs };
}

function requestFor(registered: string, version: string): DeployRequest {
  return irisRequest(version, { registeredModel: registered, smoke: { requests: 2 } });
}

/** Version-less requests to every server until stopped; each answer identified by its output. */
function startLoad(pool: Pool) {
  let stop = false;
  const answers: { server: string; status: number; variant: number | undefined }[] = [];
  const expected = [...pool.variantOfSha.values()].map((v) => ({
    v,
    out: [...expectedIrisOutput(IRIS_INPUT, v)],
  }));
  const identify = (data: number[]) =>
    expected.find((e) => e.out.every((x, i) => Math.abs(x - (data[i] ?? NaN)) < 1e-5))?.v;
  const loops = pool.bench.tritons.map(async (t) => {
    while (!stop) {
      try {
        const res = await httpRequest(`${t.httpUrl}/v2/models/${MODEL}/infer`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            inputs: [{ name: "input", datatype: "FP32", shape: [1, 4], data: IRIS_INPUT }],
          }),
        });
        const body = (await res.body.json()) as { outputs?: { data: number[] }[] };
        answers.push({
          server: t.httpUrl,
          status: res.statusCode,
          variant: res.statusCode === 200 ? identify(body.outputs?.[0]?.data ?? []) : undefined,
        });
      } catch {
        answers.push({ server: t.httpUrl, status: 0, variant: undefined });
      }
    }
  });
  return {
    answers,
    async stop() {
      stop = true;
      await Promise.all(loops);
    },
  };
}

async function runTrial(pool: Pool, index: number, seed: number): Promise<TrialRecord> {
  const rng = prng(seed);
  const { bench } = pool;
  const paths = modelPaths(bench.root, MODEL);
  const committed = await readCurrentPointer(paths.current);
  const committedVariant = pool.variantOfSha.get(committed?.sha256 ?? "");
  const committedModel = committedVariant === undefined ? REGISTERED : modelOf(committedVariant);
  const r = rng();
  const kind: TrialKind =
    r < 0.4
      ? "good"
      : r < 0.6
        ? "reused-number"
        : r < 0.75
          ? "broken-validate"
          : r < 0.9
            ? "broken-smoke"
            : "early";
  // A good candidate: any published version but the committed one.
  const pickGood = (): [string, string] => {
    for (;;) {
      const registered = rng() < 0.5 ? REGISTERED : OTHER;
      const version = String(1 + Math.floor(rng() * GOOD_VERSIONS));
      if (registered !== committedModel || version !== committed?.activeVersion) {
        return [registered, version];
      }
    }
  };
  let registered: string;
  let version: string;
  let request: DeployRequest;
  if (kind === "reused-number") {
    registered = committedModel === REGISTERED ? OTHER : REGISTERED;
    version = committed!.activeVersion;
    request = requestFor(registered, version);
  } else if (kind === "broken-validate") {
    [registered, version] = [REGISTERED, pool.brokenVersion];
    request = requestFor(registered, version);
  } else {
    [registered, version] = pickGood();
    request = requestFor(registered, version);
    if (kind === "broken-smoke") {
      // A good model with the golden output of another: it fails smoke after loading in staging.
      const wrong = pool.variants.get(registered)!.get(version)! + 1;
      request = {
        ...request,
        smoke: {
          requests: 2,
          golden: {
            inputs: [{ name: "input", shape: [1, 4], data: IRIS_INPUT }],
            outputs: [{ name: "probabilities", data: [...expectedIrisOutput(IRIS_INPUT, wrong)] }],
          },
        },
      };
    }
  }
  const candidateVariant =
    kind === "broken-validate" ? undefined : pool.variants.get(registered)?.get(version);
  const broken = kind === "broken-validate" || kind === "broken-smoke";
  // Aim at a step chosen at random, killing at a random instant of its calibrated duration (a
  // little beyond: into the next step); "early" kills count from the spawn (during start-up).
  // A broken candidate is aimed at the steps it reaches, or at its rollback (as long as a load).
  const reached =
    kind === "broken-validate"
      ? [...STEPS.slice(0, STEPS.indexOf("validate") + 1), "rollback", "rollback"]
      : kind === "broken-smoke"
        ? [...STEPS.slice(0, STEPS.indexOf("smoke") + 1), "rollback", "rollback"]
        : STEPS;
  const target = reached[Math.floor(rng() * reached.length)]!;
  const targetMs = pool.stepMs.get(target === "rollback" ? "load" : target) ?? 0;
  const delayMs = Math.round(rng() * (kind === "early" ? 1500 : Math.max(targetMs, 5) * 1.2));

  const violations: string[] = [];
  const before = await currentBytes(bench.root);
  for (const t of bench.tritons) t.clearRequestLog();
  const load = startLoad(pool);
  const child = await deployInChild(bench.env, request, {
    env: { CRASH_REPORT_PROGRESS: "1" },
    ...(kind === "early"
      ? { afterMs: delayMs }
      : { afterLine: { line: `${target}:start`, ms: delayMs } }),
  });
  const events = child.stdout === "" ? [] : child.stdout.split("\n");
  const landed =
    child.end === "SIGKILL"
      ? (events.at(-1) ?? "before the first step")
      : `ended (exit ${child.end})`;
  let verified = events.includes("smoke:done");

  // Right after the kill.
  const after = await currentBytes(bench.root);
  const pointer = await readCurrentPointer(paths.current).catch((e: unknown) => {
    violations.push(`current.json unreadable after the kill: ${String(e)}`);
    return undefined;
  });
  if (after !== before) {
    const named = pool.variantOfSha.get(pointer?.sha256 ?? "");
    if (pointer?.activeVersion !== version || named !== candidateVariant || broken) {
      violations.push(
        `current.json changed to ${pointer?.activeVersion}/${pointer?.sha256}, not the candidate ${registered} ${version}`,
      );
    }
  }
  if (pointer !== undefined) {
    const dir = await verifyVersionDir(join(paths.modelDir, pointer.activeVersion));
    if (!dir.ok) violations.push(`after the kill: ${dir.reason}`);
    else if (dir.manifest.sha256 !== pointer.sha256) {
      const pending = await readCommitRecord(paths.pendingCommit);
      const staged = await verifyVersionDir(join(paths.stagingDir, pointer.activeVersion));
      const finishable =
        pending !== undefined &&
        isCommitOf(pending, pointer) &&
        staged.ok &&
        staged.manifest.sha256 === pointer.sha256;
      if (!finishable) {
        violations.push(
          `after the kill ${pointer.activeVersion}/ holds ${dir.manifest.sha256}, current.json ${pointer.sha256}, and no pending commit can finish it`,
        );
      }
    }
  }

  // The next run: the same request, in-process, no manual cleanup.
  try {
    const result = await deployModel(bench.env, request, {
      onProgress: (e) => {
        if (e.step === "smoke" && e.phase === "done") verified = true;
      },
    });
    if (broken) violations.push(`the next run of a broken candidate ended ${result.outcome}`);
  } catch (error) {
    if (!(error instanceof DeploymentError)) throw error;
    if (!broken || error.rollbackFailed) {
      violations.push(`the next run did not converge: ${error.message}`);
    }
  }
  await load.stop();

  const allowed = new Set<number | undefined>([committedVariant]);
  if (verified && !broken) allowed.add(candidateVariant);
  const allowedVersions = new Set<number>([Number(committed?.activeVersion)]);
  if (verified && !broken) allowedVersions.add(Number(version));
  for (const a of load.answers) {
    if (a.status === 200 && !allowed.has(a.variant)) {
      violations.push(`${a.server} answered a version-less request with variant ${a.variant}`);
      break;
    }
  }
  for (const t of bench.tritons) {
    const bad = t
      .requestLog()
      .find(
        (e) =>
          e.model === MODEL &&
          e.requestedVersion === undefined &&
          e.status === 200 &&
          !allowedVersions.has(e.servedVersion ?? -1),
      );
    if (bad !== undefined) {
      violations.push(`${t.httpUrl} logged version ${bad.servedVersion} answering version-less`);
    }
  }

  // Converged: files agree, nothing left behind, no drift, restarted servers serve the commit.
  violations.push(...(await committedFilesDisagree(bench.root)));
  violations.push(...(await leftoversIn(bench.root)));
  const status = await readModelStatus(bench.env, MODEL);
  if (status.drift) violations.push(`drift after the next run: ${JSON.stringify(status.served)}`);
  violations.push(
    ...(await restartedServersDisagree(bench.root, bench.tritons, pool.variantOfSha)),
  );

  return {
    index,
    seed,
    pods: pool.pods,
    kind,
    candidate: `${registered} ${version}`,
    target: kind === "early" ? "start-up" : target,
    delayMs,
    landed,
    requests: load.answers.length,
    failedRequests: load.answers.filter((a) => a.status !== 200).length,
    violations,
  };
}

/** Run `trials` trials alternating one and two servers; every record, in order. */
export async function runCrashTrials(options: TrialsOptions): Promise<TrialRecord[]> {
  const pools = [await startPool(1), await startPool(2)];
  const records: TrialRecord[] = [];
  try {
    for (let i = 0; i < options.trials; i++) {
      const record = await runTrial(pools[i % 2]!, i, options.seed + i);
      records.push(record);
      options.onTrial?.(record);
    }
  } finally {
    await Promise.allSettled(pools.map((p) => p.bench.close()));
  }
  return records;
}

/** Where kills landed: event → count, most frequent first. */
export function landings(records: TrialRecord[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const r of records) counts.set(r.landed, (counts.get(r.landed) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}
