// SIGINT and SIGTERM stop the model CLI the safe way: the first one aborts the running step, the
// transaction rolls back (the committed version keeps serving), the history line is written, the
// lock is released and the CLI exits 1 (3 when the rollback failed). Airflow (SIGTERM to the
// process group), a Kubernetes pod stop, Ctrl-C in a terminal and `npm run` (which relays the
// signal it received itself) often deliver a signal twice: a repeated signal must not cut the
// rollback short, so the handlers stay installed (`process.on`, not `once`, which would let the
// second signal kill the process) and only say that the rollback is finishing. SIGKILL still
// stops the process at once; the next run cleans up after it.

export const STOP_SIGNALS = ["SIGINT", "SIGTERM"] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

interface SignalTarget {
  on(event: StopSignal, listener: () => void): unknown;
  off(event: StopSignal, listener: () => void): unknown;
}

/**
 * Abort `controller` on the first SIGINT/SIGTERM; report later ones on `stderr`. Returns a
 * function that removes the handlers.
 */
export function abortOnStopSignals(
  controller: AbortController,
  stderr: { write(text: string): unknown },
  target: SignalTarget = process,
): () => void {
  const listeners = STOP_SIGNALS.map((name) => {
    const listener = () => {
      if (!controller.signal.aborted) {
        controller.abort(new Error(stopReason(name)));
        stderr.write(
          `${name} received: stopping; a deployment in progress rolls back first (the committed version keeps serving)\n`,
        );
        return;
      }
      stderr.write(
        `${name} received again: still rolling back, exiting when it is done (SIGKILL would stop it half-way)\n`,
      );
    };
    target.on(name, listener);
    return [name, listener] as const;
  });
  return () => {
    for (const [name, listener] of listeners) target.off(name, listener);
  };
}

function stopReason(name: StopSignal): string {
  return name === "SIGINT" ? "interrupted (SIGINT)" : "terminated (SIGTERM)";
}
