// The watch response (kubernetes-contract.md §4): a chunked stream of `{"type","object"}` lines,
// starting from the requested resourceVersion, ERROR 410 Expired as the first event when that
// version is older than the history, BOOKMARK events when asked for, and the end after
// timeoutSeconds.
import type { ServerResponse } from "node:http";
import { fieldMatcher, labelMatcher } from "./selectors";
import { statusErrors } from "./status";
import type { ApiPath } from "./paths";
import type { KubeObject, ObjectStore, StoredEvent } from "./store";

export interface OpenWatch {
  /** Send a BOOKMARK now if the client allowed them. */
  bookmark(): void;
  close(): void;
}

export function serveWatch(
  store: ObjectStore,
  path: ApiPath,
  query: URLSearchParams,
  res: ServerResponse,
  watches: Set<OpenWatch>,
): void {
  const matchesLabels = labelMatcher(query.get("labelSelector"));
  const matchesFields = fieldMatcher(query.get("fieldSelector"));
  const matches = (o: KubeObject) => matchesLabels(o) && matchesFields(o);
  const allowBookmarks = query.get("allowWatchBookmarks") === "true";
  res.writeHead(200, { "Content-Type": "application/json", "Transfer-Encoding": "chunked" });
  const send = (type: string, object: unknown) => {
    if (!res.destroyed) res.write(`${JSON.stringify({ type, object })}\n`);
  };
  let lastSent = store.resourceVersion;
  const emit = (event: StoredEvent) => {
    if (event.resource !== path.gr.resource || event.namespace !== path.namespace) return;
    lastSent = event.rv;
    if (matches(event.object)) send(event.type, event.object);
  };

  const requested = query.get("resourceVersion");
  if (requested === null || requested === "" || requested === "0") {
    // §4.2 "most recent" / "any": synthetic ADDED for what exists, then changes.
    for (const o of store.list(path.gr.resource, path.namespace).filter(matches)) send("ADDED", o);
  } else {
    const rv = Number(requested);
    if (!Number.isInteger(rv) || rv < 0) {
      send("ERROR", statusErrors.badRequest(`invalid resource version: ${requested}`).body);
      res.end();
      return;
    }
    // §4.3: too old → 200, one ERROR event with the 410 Expired Status, end of stream.
    if (rv < store.oldestResumable) {
      send("ERROR", statusErrors.expired(rv, store.oldestResumable).body);
      res.end();
      return;
    }
    for (const event of store.eventsSince(rv, path.gr.resource, path.namespace)) emit(event);
  }

  const unsubscribe = store.subscribe(emit);
  const watch: OpenWatch = {
    bookmark: () => {
      if (!allowBookmarks) return;
      // §4.4: only kind, apiVersion and the version everything up to which was sent.
      send("BOOKMARK", {
        kind: path.kind,
        apiVersion: path.apiVersion,
        metadata: { resourceVersion: String(Math.max(lastSent, store.resourceVersion)) },
      });
    },
    close: () => {
      clearTimeout(timer);
      unsubscribe();
      watches.delete(watch);
      if (!res.destroyed) res.end();
    },
  };
  watches.add(watch);
  const timeoutSeconds = Number(query.get("timeoutSeconds") ?? "1800");
  // §4.5: a clean end after timeoutSeconds, announced by a bookmark as the cacher does.
  const timer = setTimeout(() => {
    watch.bookmark();
    watch.close();
  }, timeoutSeconds * 1000);
  res.on("close", () => watch.close());
}
