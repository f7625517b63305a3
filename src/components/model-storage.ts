// The model repository of one environment: an NFS PersistentVolume and the claim bound to it,
// optionally preceded by an SSH command that prepares the export directory on the NFS server.
import * as command from "@pulumi/command";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../config/schema";
import type { Labels } from "../lib/labels";
import {
  buildPersistentVolume,
  buildPersistentVolumeClaim,
  buildPrepareExportCommand,
} from "./model-storage.manifests";

export interface ModelStorageArgs {
  /** Namespace of the claim (pass the Namespace component's output so the claim waits for it). */
  readonly namespace: pulumi.Input<string>;
  readonly pvName: string;
  readonly pvcName: string;
  readonly labels: Labels;
  readonly storage: StackConfig["storage"];
  /** Owner of the export directory: Triton's uid and fsGroup. */
  readonly owner: { readonly uid: number; readonly gid: number };
  /** SSH key for `storage.prepareExport` (a secret Output; required when that is configured). */
  readonly sshPrivateKey?: pulumi.Output<string>;
}

export class ModelStorage extends pulumi.ComponentResource {
  public readonly persistentVolume: k8s.core.v1.PersistentVolume;
  public readonly persistentVolumeClaim: k8s.core.v1.PersistentVolumeClaim;
  public readonly prepareExport?: command.remote.Command;
  public readonly pvName: pulumi.Output<string>;
  public readonly claimName: pulumi.Output<string>;

  constructor(name: string, args: ModelStorageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("triton-serving:platform:ModelStorage", name, {}, opts);
    const s = args.storage;
    // `protect` comes from config (storage.protect), never from the stack's name.
    const protect = s.protect;

    const prep = s.prepareExport;
    if (prep !== undefined) {
      this.prepareExport = new command.remote.Command(
        `${name}-prepare-export`,
        {
          connection: {
            host: prep.host,
            port: prep.port,
            user: prep.user,
            privateKey: args.sshPrivateKey,
          },
          create: buildPrepareExportCommand({
            path: prep.serverPath ?? s.nfsPath,
            uid: args.owner.uid,
            gid: args.owner.gid,
            useSudo: prep.useSudo,
          }),
        },
        { parent: this },
      );
    }

    const objectArgs = {
      namespace: args.namespace,
      pvName: args.pvName,
      pvcName: args.pvcName,
      labels: args.labels,
      storage: s,
    };
    this.persistentVolume = new k8s.core.v1.PersistentVolume(
      `${name}-pv`,
      buildPersistentVolume(objectArgs),
      {
        parent: this,
        protect,
        dependsOn: this.prepareExport ? [this.prepareExport] : [],
      },
    );
    this.persistentVolumeClaim = new k8s.core.v1.PersistentVolumeClaim(
      `${name}-pvc`,
      buildPersistentVolumeClaim(objectArgs),
      // volumeName pre-binds the claim to the PV created just before (no provisioner involved).
      { parent: this, protect, dependsOn: [this.persistentVolume] },
    );

    this.pvName = this.persistentVolume.metadata.name;
    this.claimName = this.persistentVolumeClaim.metadata.name;
    this.registerOutputs({ pvName: this.pvName, claimName: this.claimName });
  }
}
