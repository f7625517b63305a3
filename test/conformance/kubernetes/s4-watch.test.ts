// kubernetes-contract.md §4: watch events in resourceVersion order, list-then-watch, 410 Expired
// as an ERROR event after compaction, bookmarks only when allowed, and the end at timeoutSeconds.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { KubernetesHandle } from "../../support/kubernetes";
import { startWithClients, watchUntil, type Clients } from "./helpers";

const NS = "ml";
const CM_PATH = `/api/v1/namespaces/${NS}/configmaps`;
let server: KubernetesHandle;
let c: Clients;

before(async () => {
  ({ server, c } = await startWithClients({ namespace: NS }));
});
after(() => server.close());

const listVersion = async () =>
  (await c.core.listNamespacedConfigMap({ namespace: NS })).metadata?.resourceVersion as string;

void describe("watch", () => {
  void test("§4.1 §4.2 from a list's version: ADDED, MODIFIED, DELETED with increasing versions", async () => {
    const resourceVersion = await listVersion();
    const created = await c.core.createNamespacedConfigMap({
      namespace: NS,
      body: { metadata: { name: "w1" }, data: { a: "1" } },
    });
    await c.core.replaceNamespacedConfigMap({
      name: "w1",
      namespace: NS,
      body: { metadata: { name: "w1" }, data: { a: "2" } },
    });
    await c.core.deleteNamespacedConfigMap({ name: "w1", namespace: NS });
    const { events } = await watchUntil(c, CM_PATH, { resourceVersion }, (evs) => evs.length === 3);
    assert.deepEqual(
      events.map((e) => [e.type, e.object.data?.a]),
      [
        ["ADDED", "1"],
        ["MODIFIED", "2"],
        ["DELETED", "2"],
      ],
    );
    const versions = events.map((e) => Number(e.object.metadata.resourceVersion));
    assert.equal(versions[0], Number(created.metadata?.resourceVersion));
    assert.deepEqual(versions, [versions[0], (versions[0] ?? 0) + 1, (versions[0] ?? 0) + 2]);
    assert.ok((versions[0] ?? 0) > Number(resourceVersion));
  });

  void test("§4.2 without a version: synthetic ADDED for what exists, filtered by label", async () => {
    await c.core.createNamespacedConfigMap({
      namespace: NS,
      body: { metadata: { name: "keep", labels: { app: "triton" } } },
    });
    await c.core.createNamespacedConfigMap({
      namespace: NS,
      body: { metadata: { name: "other", labels: { app: "x" } } },
    });
    const { events } = await watchUntil(
      c,
      CM_PATH,
      { labelSelector: "app=triton" },
      (evs) => evs.length === 1,
    );
    assert.deepEqual(
      events.map((e) => [e.type, e.object.metadata.name]),
      [["ADDED", "keep"]],
    );
  });

  void test("§4.3 a version older than the history: 200, one ERROR event with 410 Expired, then the end", async () => {
    const old = await listVersion();
    await c.core.createNamespacedConfigMap({
      namespace: NS,
      body: { metadata: { name: "after-compaction" } },
    });
    server.compactHistory();
    const now = Number(await listVersion());
    const { events, ended, error } = await watchUntil(
      c,
      CM_PATH,
      { resourceVersion: old },
      () => false,
    );
    assert.equal(ended, true);
    assert.equal(error, null);
    assert.deepEqual(events, [
      {
        type: "ERROR",
        object: {
          kind: "Status",
          apiVersion: "v1",
          metadata: {},
          status: "Failure",
          message: `too old resource version: ${old} (${now})`,
          reason: "Expired",
          code: 410,
        },
      },
    ]);
  });

  void test("§4.4 bookmarks carry only the version, and only when allowed", async () => {
    const resourceVersion = await listVersion();
    let received = false;
    const allowed = watchUntil(
      c,
      CM_PATH,
      { resourceVersion, allowWatchBookmarks: true },
      (evs) => {
        received = evs.length === 1;
        return received;
      },
    );
    const quiet = watchUntil(c, CM_PATH, { resourceVersion, timeoutSeconds: 1 }, () => false);
    // The client says nothing when its watch is open: ask for bookmarks until one arrives.
    while (!received) {
      server.sendBookmarks();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const { events } = await allowed;
    assert.deepEqual(events, [
      {
        type: "BOOKMARK",
        object: { kind: "ConfigMap", apiVersion: "v1", metadata: { resourceVersion } },
      },
    ]);
    // §4.5: the other watch ends cleanly at its timeout, without a bookmark it did not ask for.
    const ended = await quiet;
    assert.deepEqual([ended.events, ended.ended, ended.error], [[], true, null]);
  });
});
