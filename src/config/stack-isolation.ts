// One model repository, namespace and monitoring release per stack (issue 15): two stack files
// that share one of them would deploy over each other — a dev stack pointed at prod's NFS path
// replaces prod's models. The program and the model CLI refuse such a stack before touching
// anything; the repository's owner record (core/repository/owner.ts) guards stacks this project
// directory does not see.
import { ConfigError } from "./errors";
import type { StackConfig } from "./schema";
import { listStacks, readStackFile } from "./stack-file";

/** What must differ between stacks: a label and how to read it from a config and a stack file. */
const UNIQUE: {
  key: string;
  ofConfig: (c: StackConfig) => string;
  ofFile: (values: Readonly<Record<string, unknown>>) => string | undefined;
}[] = [
  {
    key: "storage.nfsPath",
    ofConfig: (c) => `${c.storage.nfsServer}:${c.storage.nfsPath}`,
    ofFile: (v) => {
      const s = v.storage as Record<string, unknown> | undefined;
      return typeof s?.nfsPath === "string" ? `${String(s.nfsServer)}:${s.nfsPath}` : undefined;
    },
  },
  {
    key: "storage.localMountPath",
    ofConfig: (c) => c.storage.localMountPath,
    ofFile: (v) => {
      const s = v.storage as Record<string, unknown> | undefined;
      return typeof s?.localMountPath === "string" ? s.localMountPath : undefined;
    },
  },
  {
    key: "namespace",
    ofConfig: (c) => c.namespace,
    ofFile: (v) => (typeof v.namespace === "string" ? v.namespace : undefined),
  },
  {
    key: "monitoring.releaseName",
    ofConfig: (c) => c.monitoring.releaseName,
    ofFile: (v) => {
      const m = v.monitoring as Record<string, unknown> | undefined;
      return typeof m?.releaseName === "string" ? m.releaseName : undefined;
    },
  },
];

/** Throws ConfigError listing stackIsolationProblems, when there are any. */
export function assertStackIsolation(projectDir: string, stack: string, config: StackConfig): void {
  const lines = stackIsolationProblems(projectDir, stack, config);
  if (lines.length > 0) throw new ConfigError(`stack ${stack}`, lines);
}

/**
 * One line per value another Pulumi.<stack>.yaml in `projectDir` shares with `stack`: the model
 * repository (NFS export or local mount), the namespace or the monitoring release.
 */
export function stackIsolationProblems(
  projectDir: string,
  stack: string,
  config: StackConfig,
): string[] {
  const lines: string[] = [];
  for (const other of listStacks(projectDir)) {
    if (other === stack) continue;
    let values: Readonly<Record<string, unknown>>;
    let path: string;
    try {
      ({ values, path } = readStackFile(projectDir, other));
    } catch {
      continue; // a broken stack file is reported when that stack runs
    }
    for (const u of UNIQUE) {
      const mine = u.ofConfig(config);
      if (u.ofFile(values) === mine) {
        lines.push(
          `${u.key}: ${mine} is also stack ${other}'s (${path}); expected a value of stack ${stack}'s own — two stacks sharing it deploy over each other's models`,
        );
      }
    }
  }
  return lines;
}
