// The model repository: missing or unusable root, a corrupt pointer, a held lock.
import { writeFile, mkdir, mkdtemp, rename } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { acquireLock } from "../../../src/core/repository";
import { MODEL } from "../../core/transaction/harness";
import { deployVersion, publishCandidate, type CorpusCase } from "./corpus-case";

export const repositoryCases: CorpusCase[] = [
  {
    group: "repository",
    name: "the repository root does not exist (NFS not mounted)",
    arrange(b) {
      const root = join(b.bench.root, "not-mounted");
      return {
        env: { TRITON_SERVING_REPOSITORY_ROOT: root },
        exit: 2,
        whole: true,
        message: `error: model repository root ${root} is not a directory on this machine; expected the NFS export mounted there (stack config storage.localMountPath)\n`,
      };
    },
  },
  {
    group: "repository",
    name: "the repository root is a file",
    async arrange() {
      const file = join(await mkdtemp(join(tmpdir(), "corpus-")), "models");
      await writeFile(file, "not a directory\n");
      return {
        env: { TRITON_SERVING_REPOSITORY_ROOT: file },
        exit: 2,
        whole: true,
        message: `error: model repository root ${file} is not a directory on this machine; expected the NFS export mounted there (stack config storage.localMountPath)\n`,
      };
    },
  },
  {
    group: "repository",
    // The tests run as root, which no permission bits stop; a model directory that cannot be
    // created is what an unwritable root looks like to the deployment.
    name: "the repository root is not writable (the model directory cannot be created)",
    async arrange(b) {
      const root = await mkdtemp(join(tmpdir(), "corpus-root-"));
      await writeFile(join(root, MODEL), "a file where the model directory belongs\n");
      const v = await publishCandidate(b);
      return {
        argv: deployVersion(v),
        env: { TRITON_SERVING_REPOSITORY_ROOT: root },
        exit: 1,
        message: `iris: deploy of model 'iris' version ${v} failed at step 'lock': cannot create the model directory ${join(root, MODEL)} (EEXIST: file already exists, mkdir '${join(root, MODEL)}'); expected a writable directory under the repository root — nothing was changed; committed version unknown (current.json unreadable: ENOTDIR: not a directory, open '${join(root, MODEL, "current.json")}'); serving ${b.bench.tritons[0]!.httpUrl}: version ${b.committed}`,
      };
    },
  },
  {
    group: "repository",
    name: "current.json is corrupt",
    async arrange(b) {
      const current = join(b.bench.root, MODEL, "current.json");
      const kept = `${current}.kept`;
      await rename(current, kept);
      await writeFile(current, '{"active_version": 1, "run_id": "tru');
      const v = await publishCandidate(b);
      return {
        argv: deployVersion(v),
        exit: 1,
        message: `iris: deploy of model 'iris' version ${v} failed at step 'snapshot': ${current} is corrupt: not valid JSON (Unterminated string in JSON at position 36 (line 1 column 37)); restore it (history.jsonl names the committed version) before deploying — nothing was changed; committed version unknown (current.json is corrupt); serving ${b.bench.tritons[0]!.httpUrl}: version ${b.committed}`,
        cleanup: () => rename(kept, current),
      };
    },
  },
  {
    group: "repository",
    name: "a second deploy while a first holds the lock",
    async arrange(b) {
      const dir = join(b.bench.root, MODEL);
      await mkdir(dir, { recursive: true });
      const held = await acquireLock(join(dir, ".deploy.lock"), {
        owner: "first-deploy",
        operation: "deploy iris-classifier version 99",
        host: hostname(),
      });
      const v = await publishCandidate(b);
      return {
        argv: deployVersion(v),
        exit: 1,
        message: `iris: deploy of model 'iris' version ${v} failed at step 'lock': lock ${join(dir, ".deploy.lock")} is held by first-deploy (pid ${process.pid} on ${hostname()}, deploy iris-classifier version 99, since ${held.record.startedAtUtc}); expected it to be free (another deployment is running); wait for it to finish; if pid ${process.pid} hangs, stop it (kill ${process.pid}) and deploy again: a lock whose process has exited is taken over at once — nothing was changed; committed version ${b.committed}; serving ${b.bench.tritons[0]!.httpUrl}: version ${b.committed}`,
        cleanup: () => held.release(),
      };
    },
  },
];
