// The test kubelet: runs a pod's container as a real local process (kubernetes-contract.md §3),
// streams its output as the pod log (§5), records exit code, reason and termination message
// (§3.3, §3.4) and keeps pod phase and containerStatuses current. Test controls make the failures
// a real node produces: an image that cannot be pulled, an OOM kill, an eviction.
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { ContainerConfigError, prepareContainer, type LocalVolumes } from "./container-setup";
import type { PodLogs } from "./pod-logs";
import type { KubeObject, ObjectStore } from "./store";

const PODS = { group: "", resource: "pods" };
type Json = Record<string, unknown>;

export type KillCause =
  | { readonly kind: "oom" }
  | { readonly kind: "evict"; readonly message: string }
  | { readonly kind: "delete" };

interface Running {
  readonly child: ChildProcess;
  readonly container: string;
  readonly image: string;
  readonly startedAt: string;
  readonly terminationMessageFile: string;
  readonly policy: string;
  readonly scratchDir: string;
  cause?: KillCause;
}

export interface KubeletOptions {
  readonly volumes: LocalVolumes;
  /** Time between ErrImagePull and ImagePullBackOff (and back), as the kubelet's retry does. */
  readonly imagePullRetryMs: number;
}

// §3.4: at most 4096 bytes from the file; the log fallback takes ≤ 80 lines and ≤ 2048 bytes.
const MESSAGE_FILE_LIMIT = 4096;
const FALLBACK_LINES = 80;
const FALLBACK_BYTES = 2048;

export class Kubelet {
  private readonly running = new Map<string, Running>();
  private readonly pullTimers = new Map<string, NodeJS.Timeout>();
  private readonly unpullable = new Map<string, string>();

  constructor(
    private readonly store: ObjectStore,
    private readonly logs: PodLogs,
    private readonly options: KubeletOptions,
    private readonly onPodFinished: (namespace: string, pod: string) => void,
  ) {}

  /** Make pulls of `image` fail with `message` (§3.3 ErrImagePull / ImagePullBackOff). */
  failImagePull(image: string, message: string): void {
    this.unpullable.set(image, message);
  }

  start(namespace: string, pod: KubeObject): void {
    const name = pod.metadata.name;
    const spec = pod.spec as Json;
    const container = (spec.containers as Json[])[0] as Json;
    const containerName = String(container.name);
    const image = typeof container.image === "string" ? container.image : "";
    const pullError = this.unpullable.get(image);
    if (pullError !== undefined) {
      this.imagePullLoop(namespace, name, containerName, image, pullError, "ErrImagePull");
      return;
    }
    let prepared;
    try {
      prepared = prepareContainer(this.store, namespace, spec, container, this.options.volumes);
    } catch (error) {
      if (!(error instanceof ContainerConfigError)) throw error;
      this.setWaiting(
        namespace,
        name,
        containerName,
        image,
        "CreateContainerConfigError",
        error.message,
      );
      return;
    }
    const child = spawn(prepared.file, prepared.args, {
      cwd: prepared.cwd,
      // The container sees only its own env (plus PATH, so a command name resolves as in an image).
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...prepared.env },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    const startedAt = this.store.timestamp();
    const run: Running = {
      child,
      container: containerName,
      image,
      startedAt,
      terminationMessageFile: prepared.terminationMessageFile,
      policy:
        typeof container.terminationMessagePolicy === "string"
          ? container.terminationMessagePolicy
          : "File",
      scratchDir: prepared.scratchDir,
    };
    this.running.set(`${namespace}/${name}`, run);
    const append = (chunk: Buffer) => this.logs.append(namespace, name, containerName, chunk);
    child.stdout?.on("data", append);
    child.stderr?.on("data", append);
    let spawnError: Error | undefined;
    child.once("error", (error) => {
      spawnError = error;
    });
    child.once("spawn", () => {
      this.updatePod(namespace, name, (status) => {
        status.phase = "Running";
        status.podIP = "127.0.0.1";
        status.podIPs = [{ ip: "127.0.0.1" }];
        status.containerStatuses = [
          containerStatus(containerName, image, { running: { startedAt } }, true),
        ];
      });
    });
    child.once("close", (code, signal) => {
      this.finish(namespace, name, run, code, signal, spawnError);
    });
  }

  /** Kill the pod's process for `cause`; the exit is recorded as that cause (§3.2, §3.3). */
  kill(namespace: string, pod: string, cause: KillCause, graceSeconds = 30): boolean {
    const key = `${namespace}/${pod}`;
    this.stopPullLoop(key);
    const run = this.running.get(key);
    if (run === undefined) return false;
    run.cause = cause;
    const pid = run.child.pid;
    if (pid === undefined) return false;
    const signalGroup = (signal: NodeJS.Signals) => {
      try {
        process.kill(-pid, signal);
      } catch {
        // Already gone.
      }
    };
    if (cause.kind === "delete") {
      signalGroup("SIGTERM");
      const timer = setTimeout(() => signalGroup("SIGKILL"), graceSeconds * 1000);
      run.child.once("close", () => clearTimeout(timer));
    } else {
      signalGroup("SIGKILL");
    }
    return true;
  }

  isRunning(namespace: string, pod: string): boolean {
    return this.running.has(`${namespace}/${pod}`);
  }

  /** Stop a pod that has no process (waiting on an image or config). */
  forget(namespace: string, pod: string): void {
    this.stopPullLoop(`${namespace}/${pod}`);
  }

  shutdown(): void {
    for (const key of [...this.pullTimers.keys()]) this.stopPullLoop(key);
    for (const [key, run] of this.running) {
      const [namespace, pod] = key.split("/") as [string, string];
      run.cause ??= { kind: "delete" };
      this.kill(namespace, pod, run.cause, 0);
    }
  }

  private stopPullLoop(key: string): void {
    const timer = this.pullTimers.get(key);
    if (timer !== undefined) clearTimeout(timer);
    this.pullTimers.delete(key);
  }

  // §3.3: ErrImagePull, then ImagePullBackOff, alternating while the kubelet retries; no process.
  private imagePullLoop(
    namespace: string,
    pod: string,
    container: string,
    image: string,
    error: string,
    reason: "ErrImagePull" | "ImagePullBackOff",
  ): void {
    const message = reason === "ErrImagePull" ? error : `Back-off pulling image "${image}"`;
    if (!this.setWaiting(namespace, pod, container, image, reason, message)) return;
    const next = reason === "ErrImagePull" ? "ImagePullBackOff" : "ErrImagePull";
    const timer = setTimeout(
      () => this.imagePullLoop(namespace, pod, container, image, error, next),
      this.options.imagePullRetryMs,
    );
    this.pullTimers.set(`${namespace}/${pod}`, timer);
  }

  private setWaiting(
    namespace: string,
    pod: string,
    container: string,
    image: string,
    reason: string,
    message: string,
  ): boolean {
    if (this.store.find("pods", namespace, pod) === undefined) return false;
    this.updatePod(namespace, pod, (status) => {
      status.phase = "Pending";
      status.containerStatuses = [
        containerStatus(container, image, { waiting: { reason, message } }, false),
      ];
    });
    return true;
  }

  private finish(
    namespace: string,
    pod: string,
    run: Running,
    code: number | null,
    signal: NodeJS.Signals | null,
    spawnError: Error | undefined,
  ): void {
    this.running.delete(`${namespace}/${pod}`);
    this.logs.end(namespace, pod, run.container);
    const finishedAt = this.store.timestamp();
    let exitCode = code ?? 128 + signalNumber(signal);
    let reason = exitCode === 0 ? "Completed" : "Error";
    let message = readMessageFile(run.terminationMessageFile);
    if (spawnError !== undefined) {
      // The command could not be started (§3.3 StartError, exit 128).
      exitCode = 128;
      reason = "StartError";
      message = spawnError.message;
    } else if (run.cause?.kind === "oom") {
      exitCode = 137;
      reason = "OOMKilled";
    }
    if (message === "" && run.policy === "FallbackToLogsOnError" && exitCode !== 0) {
      message = logTail(this.logs.text(namespace, pod, run.container));
    }
    rmSync(run.scratchDir, { recursive: true, force: true });
    if (this.store.find("pods", namespace, pod) === undefined) return;
    this.updatePod(namespace, pod, (status) => {
      status.phase = exitCode === 0 && run.cause === undefined ? "Succeeded" : "Failed";
      const terminated: Json = {
        exitCode,
        reason,
        ...(message !== "" ? { message } : {}),
        startedAt: run.startedAt,
        finishedAt,
        ...(signal !== null ? { signal: signalNumber(signal) } : {}),
      };
      status.containerStatuses = [containerStatus(run.container, run.image, { terminated }, false)];
      if (run.cause?.kind === "evict") {
        status.reason = "Evicted";
        status.message = run.cause.message;
        status.conditions = [
          ...((status.conditions as Json[] | undefined) ?? []),
          {
            type: "DisruptionTarget",
            status: "True",
            reason: "TerminationByKubelet",
            message: run.cause.message,
            lastTransitionTime: finishedAt,
          },
        ];
      }
    });
    this.onPodFinished(namespace, pod);
  }

  private updatePod(namespace: string, pod: string, mutate: (status: Json) => void): void {
    this.store.update(PODS, namespace, pod, (o) => {
      const status = (o.status ?? {}) as Json;
      mutate(status);
      o.status = status;
    });
  }
}

function containerStatus(name: string, image: string, state: Json, running: boolean): Json {
  return {
    name,
    image,
    imageID: "",
    ready: running,
    started: running,
    restartCount: 0,
    state,
  };
}

function signalNumber(signal: NodeJS.Signals | null): number {
  const numbers: Record<string, number> = { SIGKILL: 9, SIGTERM: 15, SIGINT: 2 };
  return signal === null ? 0 : (numbers[signal] ?? 1);
}

function readMessageFile(path: string): string {
  try {
    return readFileSync(path).subarray(0, MESSAGE_FILE_LIMIT).toString("utf8");
  } catch {
    return "";
  }
}

function logTail(text: string): string {
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  let tail = lines.slice(-FALLBACK_LINES).join("\n");
  if (text.endsWith("\n") && tail !== "") tail += "\n";
  const bytes = Buffer.from(tail);
  return bytes.length <= FALLBACK_BYTES
    ? tail
    : bytes.subarray(bytes.length - FALLBACK_BYTES).toString("utf8");
}
