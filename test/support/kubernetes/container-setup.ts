// What the test kubelet prepares before it starts a container as a local process
// (kubernetes-contract.md §6.3): env with `secretKeyRef` values from stored Secrets, volume mounts
// mapped to local directories (configMap volumes written out as files), and the container's
// paths rewritten to those directories — the one deliberate difference from a real node, which
// has a container filesystem instead.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { ObjectStore } from "./store";

export interface LocalVolumes {
  /** `persistentVolumeClaim.claimName` → local directory. */
  readonly claims?: Readonly<Record<string, string>>;
  /** `hostPath.path` → local directory. */
  readonly hostPaths?: Readonly<Record<string, string>>;
}

/** A container that cannot be created: the kubelet keeps it waiting with this reason (§3.3). */
export class ContainerConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ContainerConfigError";
  }
}

export interface PreparedContainer {
  readonly file: string;
  readonly args: string[];
  readonly env: Record<string, string>;
  readonly cwd: string | undefined;
  /** Local file standing for `terminationMessagePath` (§3.4). */
  readonly terminationMessageFile: string;
  readonly scratchDir: string;
}

type Json = Record<string, unknown>;
const asArray = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);

function resolveEnv(
  store: ObjectStore,
  namespace: string,
  container: Json,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of asArray(container.env)) {
    const name = String(entry.name);
    if (typeof entry.value === "string") {
      env[name] = entry.value;
      continue;
    }
    const ref = (entry.valueFrom as Json | undefined)?.secretKeyRef as Json | undefined;
    if (ref === undefined) continue;
    const secret = store.find("secrets", namespace, String(ref.name));
    const data = (secret?.data ?? {}) as Record<string, string>;
    if (secret === undefined) {
      if (ref.optional === true) continue;
      throw new ContainerConfigError(`secret "${String(ref.name)}" not found`);
    }
    const value = data[String(ref.key)];
    if (value === undefined) {
      if (ref.optional === true) continue;
      throw new ContainerConfigError(
        `couldn't find key ${String(ref.key)} in Secret ${namespace}/${String(ref.name)}`,
      );
    }
    env[name] = Buffer.from(value, "base64").toString("utf8");
  }
  return env;
}

function volumeDir(
  store: ObjectStore,
  namespace: string,
  volume: Json,
  local: LocalVolumes,
  scratch: string,
): string {
  const name = String(volume.name);
  const claim = volume.persistentVolumeClaim as Json | undefined;
  if (claim !== undefined) {
    const dir = local.claims?.[String(claim.claimName)];
    if (dir === undefined) {
      throw new ContainerConfigError(
        `test kubelet: no local directory for persistentVolumeClaim "${String(claim.claimName)}"`,
      );
    }
    return dir;
  }
  const host = volume.hostPath as Json | undefined;
  if (host !== undefined) {
    const dir = local.hostPaths?.[String(host.path)];
    if (dir === undefined) {
      throw new ContainerConfigError(
        `test kubelet: no local directory for hostPath "${String(host.path)}"`,
      );
    }
    return dir;
  }
  const cm = volume.configMap as Json | undefined;
  if (cm !== undefined) {
    const found = store.find("configmaps", namespace, String(cm.name));
    if (found === undefined) {
      throw new ContainerConfigError(`configmap "${String(cm.name)}" not found`);
    }
    const dir = join(scratch, "volumes", name);
    mkdirSync(dir, { recursive: true });
    const data = (found.data ?? {}) as Record<string, string>;
    const binary = (found.binaryData ?? {}) as Record<string, string>;
    const items = asArray(cm.items);
    const files: [string, Buffer][] = [
      ...Object.entries(data).map(([k, v]): [string, Buffer] => [k, Buffer.from(v)]),
      ...Object.entries(binary).map(([k, v]): [string, Buffer] => [k, Buffer.from(v, "base64")]),
    ];
    for (const [key, content] of files) {
      const item = items.find((i) => i.key === key);
      if (items.length > 0 && item === undefined) continue;
      const path = join(dir, item === undefined ? key : String(item.path));
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, content);
    }
    return dir;
  }
  if (volume.emptyDir !== undefined) {
    const dir = join(scratch, "volumes", name);
    mkdirSync(dir, { recursive: true });
    return dir;
  }
  throw new ContainerConfigError(`test kubelet: volume "${name}" has a type it does not support`);
}

export function prepareContainer(
  store: ObjectStore,
  namespace: string,
  podSpec: Json,
  container: Json,
  local: LocalVolumes,
): PreparedContainer {
  const command = [...((container.command as string[] | undefined) ?? [])];
  const args = [...((container.args as string[] | undefined) ?? [])];
  if (command.length === 0) {
    // No image entrypoints here: a container must say what it runs.
    throw new ContainerConfigError(
      "test kubelet: the container has no command (image entrypoints are not known)",
    );
  }
  const scratch = mkdtempSync(join(tmpdir(), "kubelet-"));
  const volumes = asArray(podSpec.volumes);
  const mounts: [string, string][] = asArray(container.volumeMounts).map((m) => {
    const volume = volumes.find((v) => v.name === m.name);
    if (volume === undefined) {
      throw new ContainerConfigError(`volume "${String(m.name)}" of the mount is not in the pod`);
    }
    return [
      String(m.mountPath).replace(/\/+$/, ""),
      volumeDir(store, namespace, volume, local, scratch),
    ];
  });
  const terminationMessageFile = join(scratch, "termination-log");
  writeFileSync(terminationMessageFile, "");
  const messagePath =
    typeof container.terminationMessagePath === "string"
      ? container.terminationMessagePath
      : "/dev/termination-log";
  mounts.push([messagePath, terminationMessageFile]);
  // Longest mount first, so /models/x wins over /models.
  mounts.sort((a, b) => b[0].length - a[0].length);
  const rewrite = (value: string): string => {
    for (const [from, to] of mounts) {
      if (value === from) return to;
      if (value.startsWith(`${from}/`)) return to + value.slice(from.length);
    }
    return value;
  };
  const env = resolveEnv(store, namespace, container);
  for (const key of Object.keys(env)) env[key] = rewrite(env[key] as string);
  const argv = [...command, ...args].map(rewrite);
  return {
    file: argv[0] as string,
    args: argv.slice(1),
    env,
    cwd: typeof container.workingDir === "string" ? rewrite(container.workingDir) : undefined,
    terminationMessageFile,
    scratchDir: scratch,
  };
}
