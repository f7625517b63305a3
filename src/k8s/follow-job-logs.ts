// Stream the runner's progress lines into `pulumi up` (issue 11 point 3): follow the log of each
// pod the Job starts (a retry is a new pod), line by line (kubernetes-contract.md §5).
import type { KubeConfig, V1Pod } from "@kubernetes/client-node";
import { Writable } from "node:stream";
import { loadClientNode } from "./client-node";

export interface LogLine {
  readonly pod: string;
  readonly line: string;
}

/** Splits a byte stream into lines; the last unterminated piece is flushed at the end. */
export function lineSplitter(onLine: (line: string) => void): Writable {
  let pending = "";
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      pending += chunk.toString("utf8");
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) onLine(line.replace(/\r$/, ""));
      callback();
    },
    final(callback) {
      if (pending !== "") onLine(pending);
      pending = "";
      callback();
    },
  });
}

function hasStarted(pod: V1Pod): boolean {
  const state = pod.status?.containerStatuses?.[0]?.state;
  return state?.running !== undefined || state?.terminated !== undefined;
}

/**
 * Follows every pod of the Job once its container has started. Returns `stop()` (no new pods
 * are followed, no more lines are delivered); lines arrive through `onLine`. Errors of individual log streams are reported through `onError` and do not
 * stop the others (the log is progress, not the result).
 */
export async function followJobLogs(
  kc: KubeConfig,
  namespace: string,
  jobName: string,
  container: string,
  onLine: (line: LogLine) => void,
  onError: (error: unknown) => void = () => undefined,
): Promise<{ stop: () => void }> {
  const k8s = await loadClientNode();
  const log = new k8s.Log(kc);
  const followed = new Set<string>();
  let stopped = false;

  const follow = (pod: V1Pod) => {
    const name = pod.metadata?.name;
    if (stopped || name === undefined || followed.has(name) || !hasStarted(pod)) return;
    followed.add(name);
    const sink = lineSplitter((line) => {
      if (!stopped) onLine({ pod: name, line });
    });
    // The stream is never aborted: client-node's Log pipes the response into `sink` without an
    // error listener, so an abort surfaces as an uncaught AbortError. A followed log ends by
    // itself when its container ends (kubernetes-contract.md §5); after stop() it is drained.
    log.log(namespace, name, container, sink, { follow: true }).then(() => undefined, onError);
  };

  const watch = new k8s.Watch(kc);
  const watching = await watch.watch(
    `/api/v1/namespaces/${namespace}/pods`,
    { labelSelector: `job-name=${jobName}` },
    (type, object) => {
      if (type === "ADDED" || type === "MODIFIED") follow(object as V1Pod);
    },
    (error: unknown) => {
      if (error !== null && error !== undefined && !stopped) onError(error);
    },
  );
  return {
    stop: () => {
      stopped = true;
      watching.abort();
    },
  };
}
