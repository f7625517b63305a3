// The object store: one cluster-wide resourceVersion counter (kubernetes-contract.md §4.2), a
// bounded history of changes that watches replay from (§4.3), and live subscribers.
import { randomUUID } from "node:crypto";
import { statusErrors, type GroupResource } from "./status";

// Objects are plain JSON as the API writes them; the store only touches metadata.
export type KubeObject = Record<string, unknown> & {
  metadata: Record<string, unknown> & { name: string; namespace?: string };
};

export type EventType = "ADDED" | "MODIFIED" | "DELETED";

export interface StoredEvent {
  readonly rv: number;
  readonly type: EventType;
  readonly resource: string;
  readonly namespace: string;
  readonly object: KubeObject;
}

type Listener = (event: StoredEvent) => void;

export function metadataOf(o: KubeObject): KubeObject["metadata"] {
  return o.metadata;
}

const clone = <T>(value: T): T => structuredClone(value);

export class ObjectStore {
  private rv: number;
  private readonly objects = new Map<string, KubeObject>();
  private history: StoredEvent[] = [];
  private readonly listeners = new Set<Listener>();

  constructor(
    private readonly now: () => Date,
    private readonly historyLimit: number,
    firstResourceVersion: number,
  ) {
    this.rv = firstResourceVersion;
  }

  get resourceVersion(): number {
    return this.rv;
  }

  /** The oldest version a watch may resume from: older ones are expired (§4.3). */
  get oldestResumable(): number {
    const first = this.history[0];
    return first === undefined ? this.rv : first.rv - 1;
  }

  private key(resource: string, namespace: string, name: string): string {
    return `${resource}/${namespace}/${name}`;
  }

  get(gr: GroupResource, namespace: string, name: string): KubeObject {
    const found = this.objects.get(this.key(gr.resource, namespace, name));
    if (found === undefined) throw statusErrors.notFound(gr, name);
    return clone(found);
  }

  find(resource: string, namespace: string, name: string): KubeObject | undefined {
    const found = this.objects.get(this.key(resource, namespace, name));
    return found === undefined ? undefined : clone(found);
  }

  list(resource: string, namespace: string): KubeObject[] {
    const prefix = `${resource}/${namespace}/`;
    return [...this.objects.entries()]
      .filter(([k]) => k.startsWith(prefix))
      .map(([, o]) => clone(o))
      .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  }

  /** `prepare` sees the object with its server-set metadata (uid) before it is stored. */
  create(
    gr: GroupResource,
    namespace: string,
    object: KubeObject,
    prepare?: (o: KubeObject) => void,
  ): KubeObject {
    const k = this.key(gr.resource, namespace, object.metadata.name);
    if (this.objects.has(k)) throw statusErrors.alreadyExists(gr, object.metadata.name);
    const stored = clone(object);
    stored.metadata = {
      ...stored.metadata,
      namespace,
      uid: randomUUID(),
      creationTimestamp: this.timestamp(),
    };
    prepare?.(stored);
    return this.write("ADDED", gr.resource, namespace, stored);
  }

  /** Replace an existing object (a new resourceVersion); `mutate` edits a copy. */
  update(
    gr: GroupResource,
    namespace: string,
    name: string,
    mutate: (o: KubeObject) => void,
  ): KubeObject {
    const current = this.get(gr, namespace, name);
    mutate(current);
    return this.write("MODIFIED", gr.resource, namespace, current);
  }

  remove(gr: GroupResource, namespace: string, name: string): KubeObject {
    const current = this.get(gr, namespace, name);
    this.objects.delete(this.key(gr.resource, namespace, name));
    this.rv += 1;
    // The DELETED event carries the last state with the deletion's version (§4.1).
    current.metadata.resourceVersion = String(this.rv);
    this.publish({
      rv: this.rv,
      type: "DELETED",
      resource: gr.resource,
      namespace,
      object: current,
    });
    return clone(current);
  }

  timestamp(): string {
    return this.now()
      .toISOString()
      .replace(/\.\d{3}Z$/, "Z");
  }

  private write(type: EventType, resource: string, namespace: string, o: KubeObject): KubeObject {
    this.rv += 1;
    o.metadata.resourceVersion = String(this.rv);
    this.objects.set(this.key(resource, namespace, o.metadata.name), clone(o));
    this.publish({ rv: this.rv, type, resource, namespace, object: clone(o) });
    return clone(o);
  }

  private publish(event: StoredEvent): void {
    this.history.push(event);
    if (this.history.length > this.historyLimit) this.history.shift();
    for (const listener of [...this.listeners]) listener(event);
  }

  /** Events after `rv` (exclusive) for one collection, oldest first. */
  eventsSince(rv: number, resource: string, namespace: string): StoredEvent[] {
    return this.history
      .filter((e) => e.rv > rv && e.resource === resource && e.namespace === namespace)
      .map((e) => ({ ...e, object: clone(e.object) }));
  }

  /** Drop the whole history, as etcd compaction does: older versions become expired. */
  compact(): void {
    this.history = [];
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
