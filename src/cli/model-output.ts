// What the model CLI prints: one human line per model, or one JSON document with --json. Never
// prints the environment (it holds secrets); error texts come from the core, which redacts URLs.
import type { DeploymentResult, HistoryEntry, ModelStatus, SmokeReport } from "../core";

export function deployLine(r: DeploymentResult): string {
  const took = Object.values(r.stepsMs).reduce((a, b) => a + b, 0);
  if (r.outcome === "unchanged") {
    const repaired =
      r.repairedEndpoints.length > 0 ? `; reloaded it on ${r.repairedEndpoints.join(", ")}` : "";
    return `${r.model}: unchanged, version ${r.toVersion} is committed and served${repaired}`;
  }
  const from = r.fromVersion === undefined ? "first deployment" : `from ${r.fromVersion}`;
  const v = r.verification;
  const verified =
    v === undefined
      ? ""
      : `; verified on ${v.endpoints} endpoint(s), ${v.requests} ${v.mode} request(s), p95 ${v.p95Ms} ms`;
  return `${r.model}: committed version ${r.toVersion} (${from}) in ${(took / 1000).toFixed(1)}s; sha256 ${r.sha256 ?? "?"}${verified}`;
}

export function statusLines(s: ModelStatus): string[] {
  const c = s.committed;
  const head =
    c === undefined
      ? `${s.model}: not deployed (no current.json)`
      : `${s.model}: committed version ${c.activeVersion}${c.alias ? ` (alias ${c.alias})` : ""}${c.updatedAtUtc ? ` at ${c.updatedAtUtc}` : ""}`;
  const lines = [head];
  for (const e of s.served) {
    lines.push(
      `  ${e.endpoint}: ${e.error !== undefined ? `unreachable (${e.error})` : e.readyVersions.length > 0 ? `serving version ${e.readyVersions.join(",")}` : "serving nothing"}`,
    );
  }
  if (s.filesDrift !== undefined) lines.push(`  DRIFT: ${s.filesDrift}`);
  // An endpoint that did not answer is not drift: what it serves is unknown (exit 4, not 5).
  if (s.served.some((e) => e.error !== undefined)) {
    lines.push("  UNKNOWN: an endpoint did not answer; what it serves cannot be checked");
  } else if (s.drift && s.filesDrift === undefined) {
    lines.push("  DRIFT: an endpoint does not serve exactly the committed version");
  }
  if (s.lock !== undefined) {
    lines.push(
      `  locked by ${s.lock.owner} (pid ${s.lock.pid} on ${s.lock.host}, ${s.lock.operation}, since ${s.lock.startedAtUtc})`,
    );
  }
  return lines;
}

export function verifyLine(model: string, reports: SmokeReport[]): string {
  return `${model}: verified version ${reports[0]?.version ?? "?"} on ${reports
    .map((r) => `${r.endpoint} (${r.requests} ${r.mode} request(s), p95 ${r.p95Ms.toFixed(1)} ms)`)
    .join(", ")}`;
}

export function historyLine(e: HistoryEntry): string {
  const change = `${e.from_version ?? "-"} -> ${e.to_version ?? "-"}`;
  const why =
    e.step !== undefined ? ` at ${e.step}: ${e.reason ?? ""}` : e.reason ? `: ${e.reason}` : "";
  return `${e.at_utc} ${e.model} ${e.outcome} ${change}${why}`;
}
