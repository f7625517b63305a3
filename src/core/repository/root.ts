// The repository root must already exist: it is the NFS export mounted on this machine. Creating it
// (as `mkdir -p` of a model directory would) would write models to local disk that Triton never
// sees when the mount is missing — and an empty local root reads as "never deployed".
import { promises as fs } from "node:fs";

export class RepositoryRootError extends Error {
  constructor(readonly root: string) {
    super(
      `model repository root ${root} is not a directory on this machine; expected the NFS export ` +
        `mounted there (stack config storage.localMountPath)`,
    );
    this.name = "RepositoryRootError";
  }
}

/** Throws `RepositoryRootError` unless `root` is an existing directory. */
export async function assertRepositoryRoot(root: string): Promise<void> {
  const stat = await fs.stat(root).catch(() => undefined);
  if (stat?.isDirectory() !== true) throw new RepositoryRootError(root);
}
