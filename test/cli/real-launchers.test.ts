// Real signals to the real launchers: `npm run model -- deploy` and `node --import tsx
// src/cli/model.ts deploy` run as child processes in their own process group, as a terminal,
// Airflow (SIGTERM to the process group) and a Kubernetes pod stop (SIGTERM to PID 1) run them.
// Whatever the signal, and however often it comes, the rollback completes: exit 1, the message
// and the history line are written, the lock is released, the committed version still serves
// and nothing committed changed.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { NPM_BANNER_NOTE } from "../../src/cli/model";
import { until } from "../conformance/triton/helpers";
import { irisModel } from "../support/onnx/fixtures";
import { MODEL, publish, readyVersions, startBench, type Bench } from "../core/transaction/harness";
import { benchEnv, makeProject, REPO, runCli } from "./cli-project";

const STAGING = `${MODEL}.staging`;

type Launcher = "npm" | "node";
type Signal = "SIGINT" | "SIGTERM";

interface Trial {
  launcher: Launcher;
  signal: Signal;
  /** How many times the signal is sent (each after the CLI said it saw the one before). */
  times: number;
  /** To the launcher's process only, or to its whole process group. */
  to: "process" | "group";
  /** Where the first signal lands: staging smoke, or the promotion (the rollback then reloads). */
  during: "smoke" | "promote";
}

interface Child {
  proc: ChildProcess;
  stdout: string;
  stderr: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function launch(
  launcher: Launcher,
  args: string[],
  env: Record<string, string>,
  silent = true,
): Child {
  const [cmd, argv] =
    launcher === "npm"
      ? ["npm", ["run", ...(silent ? ["--silent"] : []), "model", "--", ...args]]
      : [process.execPath, ["--import", "tsx", join(REPO, "src/cli/model.ts"), ...args]];
  // detached: its own process group, whose id is its pid (what Airflow signals).
  const proc = spawn(cmd, argv, {
    cwd: REPO,
    env: { ...process.env, ...env },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const child: Child = {
    proc,
    stdout: "",
    stderr: "",
    exited: new Promise((resolve) => proc.on("exit", (code, signal) => resolve({ code, signal }))),
  };
  proc.stdout?.on("data", (d: Buffer) => (child.stdout += d.toString()));
  proc.stderr?.on("data", (d: Buffer) => (child.stderr += d.toString()));
  return child;
}

function occurrences(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

void describe("SIGINT/SIGTERM to the model CLI's real launchers", () => {
  let bench: Bench;
  let project: string;
  let env: Record<string, string>;
  let committed: string;

  before(async () => {
    bench = await startBench();
    project = await makeProject();
    // The rollback's reload after an interrupted promotion waits for the promotion's load too.
    env = { ...benchEnv(bench), TRITON_SERVING_READY_TIMEOUT_MS: "10000" };
    committed = (await publish(bench, irisModel({ variant: 1 }), { alias: "champion" })).version;
    const first = await runCli(["deploy", "--stack", "cli"], env, project);
    assert.equal(first.code, 0, first.stderr);
  });
  after(async () => {
    await bench.close();
  });

  async function trial(t: Trial): Promise<void> {
    const triton = bench.tritons[0]!;
    const modelDir = join(bench.root, MODEL);
    const before = {
      current: await readFile(join(modelDir, "current.json")),
      config: await readFile(join(modelDir, "config.pbtxt")),
      history: (await readFile(join(modelDir, "history.jsonl"), "utf8")).split("\n").length,
    };
    const v = (await publish(bench, irisModel({ variant: 1 }))).version;
    if (t.during === "smoke") {
      // The staging smoke hangs long enough for the signal to land in it.
      triton.setLatency(STAGING, undefined, 3_000);
    } else {
      // The promotion's load and the rollback's reload of the committed version are slow, so the
      // first signal lands in promote and the repeated ones while the rollback reloads.
      triton.setLoadDelay(MODEL, Number(v), 1_500);
      triton.setLoadDelay(MODEL, Number(committed), 1_500);
    }
    const state = (version: string | number) =>
      triton.modelStates().get(MODEL)?.get(Number(version))?.state;
    try {
      const child = launch(
        t.launcher,
        ["deploy", "--stack", "cli", "--project-dir", project, "--version", v],
        env,
      );
      const target = t.to === "group" ? -child.proc.pid! : child.proc.pid!;
      await until(
        () =>
          t.during === "smoke" ? triton.inflightRequests(STAGING) > 0 : state(v) === "LOADING",
        60_000,
      );
      process.kill(target, t.signal);
      for (let n = 2; n <= t.times; n++) {
        // The next signal after the CLI reported the previous one (npm relays a group signal, so
        // the CLI may have seen more than we sent).
        await until(() => occurrences(child.stderr, `${t.signal} received`) >= n - 1, 10_000);
        if (t.during === "promote") await until(() => state(committed) === "LOADING", 10_000);
        process.kill(target, t.signal);
      }
      const exit = await child.exited;
      const label = JSON.stringify(t);
      assert.deepEqual(exit, { code: 1, signal: null }, `${label}\n${child.stderr}`);
      const reason = t.signal === "SIGINT" ? "interrupted (SIGINT)" : "terminated (SIGTERM)";
      const lines = child.stderr.trim().split("\n");
      const cause =
        t.during === "smoke"
          ? `model 'iris.staging' version ${v} on ${triton.httpUrl}: smoke request 1 of 2 failed: Triton inference of model "iris.staging" failed: ${reason}`
          : `Triton load of model "iris" failed: ${reason}`;
      assert.equal(
        lines.at(-1),
        `iris: deploy of model 'iris' version ${v} failed at step '${t.during}': ${cause} — rolled back; committed version ${committed}; serving ${triton.httpUrl}: version ${committed}`,
        label,
      );
      assert.equal(
        lines.filter((l) => l.startsWith(`${t.signal} received: stopping`)).length,
        1,
        label,
      );
      assert.equal(child.stdout, "", label);
      // The history line of this attempt, the lock released, nothing committed changed.
      const history = (await readFile(join(modelDir, "history.jsonl"), "utf8")).trim().split("\n");
      assert.equal(history.length, before.history, label);
      const last = JSON.parse(history.at(-1)!) as Record<string, unknown>;
      assert.deepEqual(
        [last.outcome, last.step, last.reason, last.from_version, last.to_version],
        ["rolled_back", t.during, cause, committed, v],
        label,
      );
      assert.equal(existsSync(join(modelDir, ".deploy.lock")), false, label);
      assert.deepEqual(await readFile(join(modelDir, "current.json")), before.current, label);
      assert.deepEqual(await readFile(join(modelDir, "config.pbtxt")), before.config, label);
      assert.deepEqual(readyVersions(triton), [Number(committed)], label);
      assert.deepEqual(readyVersions(triton, STAGING), [], label);
    } finally {
      triton.resetControls();
    }
  }

  const trials: Trial[] = [
    // Ctrl-C in a terminal: the whole foreground group, npm relays it once more.
    { launcher: "npm", signal: "SIGINT", times: 1, to: "group", during: "smoke" },
    { launcher: "npm", signal: "SIGINT", times: 3, to: "group", during: "promote" },
    // Airflow stops a task with SIGTERM to its process group.
    { launcher: "npm", signal: "SIGTERM", times: 1, to: "group", during: "smoke" },
    { launcher: "npm", signal: "SIGTERM", times: 2, to: "group", during: "promote" },
    // A pod stop: SIGTERM to PID 1, which is npm or the node process itself.
    { launcher: "npm", signal: "SIGTERM", times: 2, to: "process", during: "smoke" },
    { launcher: "node", signal: "SIGTERM", times: 1, to: "process", during: "smoke" },
    { launcher: "node", signal: "SIGTERM", times: 3, to: "process", during: "promote" },
    { launcher: "node", signal: "SIGINT", times: 2, to: "process", during: "smoke" },
  ];
  for (const t of trials) {
    void test(`${t.launcher}: ${t.signal} x${t.times} to the ${t.to} during ${t.during}`, () =>
      trial(t));
  }
});

void describe("npm run model --json", () => {
  let bench: Bench;
  let project: string;

  before(async () => {
    bench = await startBench();
    project = await makeProject();
  });
  after(async () => {
    await bench.close();
  });

  async function npmStatus(silent: boolean) {
    const child = launch(
      "npm",
      ["status", "--stack", "cli", "--project-dir", project, "--json"],
      benchEnv(bench),
      silent,
    );
    const exit = await child.exited;
    return { ...exit, stdout: child.stdout, stderr: child.stderr };
  }

  void test("with -s stdout is exactly the JSON document", async () => {
    const r = await npmStatus(true);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), {
      command: "status",
      models: [
        {
          model: MODEL,
          served: [{ endpoint: bench.tritons[0]!.httpUrl, readyVersions: [] }],
          drift: false,
        },
      ],
    });
    assert.equal(r.stderr, "");
  });

  void test("without -s npm's banner comes first, and the CLI says how to avoid it", async () => {
    const r = await npmStatus(false);
    assert.equal(r.code, 0, r.stderr);
    const banner = `\n> triton-serving@0.1.0 model\n> exec node --import tsx src/cli/model.ts status --stack cli --project-dir ${project} --json\n\n`;
    assert.equal(r.stdout.slice(0, banner.length), banner);
    assert.equal(JSON.parse(r.stdout.slice(banner.length)).command, "status");
    assert.equal(r.stderr, NPM_BANNER_NOTE);
  });
});
