// Repository ownership (issue 15): a model repository belongs to one stack. The first deploy or
// unload from a stack that names itself records it in `<root>/.triton-serving-owner.json`
// (created whole or not at all); from then on a deploy or unload from any other stack is refused
// before anything is touched. Without it, a dev stack pointed at prod's NFS path would take over
// prod's models silently.
import { join } from "node:path";
import { createFileExclusive, readTextIfExists } from "./atomic-write";

export const OWNER_FILE = ".triton-serving-owner.json";

/** The stack a repository belongs to. */
export interface RepositoryOwner {
  project: string;
  stack: string;
  /** The stack's Kubernetes namespace (stack config `namespace`). */
  namespace: string;
}

/** Another stack owns the repository (or its owner record cannot be read). */
export class RepositoryOwnerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RepositoryOwnerError";
  }
}

const describeOwner = (o: RepositoryOwner) =>
  `project ${o.project}, stack ${o.stack}, namespace ${o.namespace}`;

/**
 * Record `owner` as the owner of `root` on first use, or check that it is the recorded owner.
 * Throws RepositoryOwnerError naming both owners and what to do; writes nothing then.
 */
export async function claimRepository(
  root: string,
  owner: RepositoryOwner,
  operation: string,
): Promise<void> {
  const path = join(root, OWNER_FILE);
  for (;;) {
    const recorded = await readOwner(path);
    if (recorded === undefined) {
      const record = { project: owner.project, stack: owner.stack, namespace: owner.namespace };
      if (await createFileExclusive(path, `${JSON.stringify(record, null, 2)}\n`)) return;
      continue; // another stack claimed it at the same moment: judge its record
    }
    if (
      recorded.project === owner.project &&
      recorded.stack === owner.stack &&
      recorded.namespace === owner.namespace
    ) {
      return;
    }
    throw new RepositoryOwnerError(
      `model repository ${root} belongs to ${describeOwner(recorded)} (recorded in ${path}); ` +
        `this ${operation} is from ${describeOwner(owner)}; expected each ` +
        `stack to have its own repository: point storage.nfsPath and storage.localMountPath of ` +
        `stack ${owner.stack} at a directory of its own (if the repository really moved to stack ` +
        `${owner.stack}, remove ${path} first)`,
    );
  }
}

async function readOwner(path: string): Promise<RepositoryOwner | undefined> {
  const text = await readTextIfExists(path);
  if (text === undefined) return undefined;
  try {
    const o = JSON.parse(text) as Partial<RepositoryOwner>;
    if (
      typeof o.project === "string" &&
      typeof o.stack === "string" &&
      typeof o.namespace === "string"
    ) {
      return { project: o.project, stack: o.stack, namespace: o.namespace };
    }
  } catch {
    // reported below
  }
  throw new RepositoryOwnerError(
    `${path} is not an owner record (${JSON.stringify(text.slice(0, 80))}); expected JSON with project, stack and namespace — restore it, or remove it to let the next deploy record its stack`,
  );
}
