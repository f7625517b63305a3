// Waiting for a model version to become ready on one endpoint. Triton's load call is synchronous
// (triton-contract.md §1.8), so this normally succeeds on the first check; the poll covers
// servers that report readiness a little later, bounded by the ready timeout.
import { StepFailure } from "../errors";
import type { TritonEndpoint } from "./ports";

export async function waitVersionReady(args: {
  endpoint: TritonEndpoint;
  model: string;
  version: string;
  timeoutMs: number;
  pollMs: number;
  startedAt: number;
  signal?: AbortSignal;
}): Promise<void> {
  const deadline = args.startedAt + args.timeoutMs;
  for (;;) {
    if (await args.endpoint.isVersionReady(args.model, args.version, args.signal)) return;
    if (Date.now() >= deadline) {
      throw new StepFailure(
        notReadyMessage(args.endpoint.name, args.model, args.version, args.timeoutMs),
      );
    }
    await new Promise((resolve) =>
      setTimeout(resolve, Math.min(args.pollMs, Math.max(1, deadline - Date.now()))),
    );
  }
}

export function notReadyMessage(
  endpoint: string,
  model: string,
  version: string,
  timeoutMs: number,
): string {
  return `model '${model}' version ${version} on ${endpoint} was not ready within ${timeoutMs} ms`;
}
