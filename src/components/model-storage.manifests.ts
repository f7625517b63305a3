// Pure builders of the model repository's PV and PVC and of the export-preparation command.
// `N` is the namespace's type: a plain string in tests, a Pulumi Output in the component (so the
// claim waits for the namespace).
import type { StackConfig } from "../config/schema";
import type { Labels } from "../lib/labels";

type Storage = StackConfig["storage"];

export interface StorageObjectArgs<N> {
  readonly namespace: N;
  readonly pvName: string;
  readonly pvcName: string;
  readonly labels: Labels;
  readonly storage: Pick<Storage, "nfsServer" | "nfsPath" | "capacity" | "mountOptions">;
}

/**
 * A static NFS PV reserved for exactly one claim: ReadWriteMany (every Triton pod mounts it),
 * Retain (deleting the stack never deletes model files), storageClassName "" (no provisioner),
 * claimRef (no other claim can take it).
 */
export function buildPersistentVolume<N>(a: StorageObjectArgs<N>) {
  return {
    metadata: { name: a.pvName, labels: a.labels },
    spec: {
      capacity: { storage: a.storage.capacity },
      accessModes: ["ReadWriteMany"],
      persistentVolumeReclaimPolicy: "Retain",
      storageClassName: "",
      mountOptions: [...a.storage.mountOptions],
      nfs: { server: a.storage.nfsServer, path: a.storage.nfsPath },
      claimRef: { namespace: a.namespace, name: a.pvcName },
    },
  };
}

/**
 * The claim bound to that PV by name. storageClassName "" must be explicit here too, or the
 * DefaultStorageClass admission plugin gives the claim the default class and it never binds.
 */
export function buildPersistentVolumeClaim<N>(a: StorageObjectArgs<N>) {
  return {
    metadata: { name: a.pvcName, namespace: a.namespace, labels: a.labels },
    spec: {
      accessModes: ["ReadWriteMany"],
      storageClassName: "",
      volumeName: a.pvName,
      resources: { requests: { storage: a.storage.capacity } },
    },
  };
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Shell command run on the NFS server: create the export directory, owned by Triton's uid/gid and
 * group-writable with setgid (so files the deployment runner writes stay readable to Triton).
 * Idempotent; never deletes anything (a destroy keeps the models).
 */
export function buildPrepareExportCommand(a: {
  path: string;
  uid: number;
  gid: number;
  useSudo: boolean;
}): string {
  const sudo = a.useSudo ? "sudo -n " : "";
  const p = shellQuote(a.path);
  return [
    "set -eu",
    `${sudo}mkdir -p ${p}`,
    `${sudo}chown ${a.uid}:${a.gid} ${p}`,
    `${sudo}chmod 2775 ${p}`,
  ].join(" && ");
}
