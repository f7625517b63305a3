// kubernetes-contract.md §1.2–§1.4, §6.2: the Status bodies of 401, 403, 404, 409 and 422, as the
// official client receives them.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startKubernetesServer, type KubernetesHandle } from "../../support/kubernetes";
import { apiError, clientsFor, failureStatus, jobManifest, type Clients } from "./helpers";

const NS = "ml";
let server: KubernetesHandle;
let admin: Clients;
let runner: Clients;

before(async () => {
  server = await startKubernetesServer({
    namespace: NS,
    tokens: {
      admin: { user: "kubernetes-admin", allow: ["*"] },
      runner: { user: "system:serviceaccount:ml:runner", allow: ["get pods", "list pods"] },
    },
  });
  admin = await clientsFor(server.kubeconfigPath);
  runner = await clientsFor(server.kubeconfigFor("runner"));
});
after(() => server.close());

void describe("Status error bodies", () => {
  void test("§1.3 get of a missing Job: 404 NotFound naming jobs.batch", async () => {
    const { code, body } = await apiError(
      admin.batch.readNamespacedJob({ name: "nope", namespace: NS }),
    );
    assert.equal(code, 404);
    assert.deepEqual(
      body,
      failureStatus(404, "NotFound", 'jobs.batch "nope" not found', {
        name: "nope",
        group: "batch",
        kind: "jobs",
      }),
    );
  });

  void test("§1.3 a core-group object has no group in the message or details", async () => {
    const { code, body } = await apiError(
      admin.core.readNamespacedPod({ name: "p", namespace: NS }),
    );
    assert.equal(code, 404);
    assert.deepEqual(
      body,
      failureStatus(404, "NotFound", 'pods "p" not found', { name: "p", kind: "pods" }),
    );
  });

  void test("§1.3 creating a taken name: 409 AlreadyExists", async () => {
    const cm = { metadata: { name: "taken" }, data: { a: "1" } };
    await admin.core.createNamespacedConfigMap({ namespace: NS, body: cm });
    const { code, body } = await apiError(
      admin.core.createNamespacedConfigMap({ namespace: NS, body: cm }),
    );
    assert.equal(code, 409);
    assert.deepEqual(
      body,
      failureStatus(409, "AlreadyExists", 'configmaps "taken" already exists', {
        name: "taken",
        kind: "configmaps",
      }),
    );
  });

  void test("§1.4 RBAC denial: 403 with the user, verb, resource, group and namespace", async () => {
    const job = jobManifest("denied", ["true"]);
    const created = await apiError(runner.batch.createNamespacedJob({ namespace: NS, body: job }));
    assert.equal(created.code, 403);
    assert.deepEqual(
      created.body,
      failureStatus(
        403,
        "Forbidden",
        'jobs.batch is forbidden: User "system:serviceaccount:ml:runner" cannot create resource "jobs" in API group "batch" in the namespace "ml"',
        { group: "batch", kind: "jobs" },
      ),
    );
    const read = await apiError(runner.core.readNamespacedSecret({ name: "creds", namespace: NS }));
    assert.equal(read.code, 403);
    assert.equal(
      (read.body as { message: string }).message,
      'secrets "creds" is forbidden: User "system:serviceaccount:ml:runner" cannot get resource "secrets" in API group "" in the namespace "ml"',
    );
  });

  void test("§1.4 an allowed verb passes: the runner may list pods", async () => {
    const list = await runner.core.listNamespacedPod({ namespace: NS });
    assert.deepEqual(list.items, []);
  });

  void test("§1.2 an unknown token: 401 Unauthorized", async () => {
    const stranger = await clientsFor(server.kubeconfigFor("stolen"));
    const { code } = await apiError(stranger.core.listNamespacedPod({ namespace: NS }));
    assert.equal(code, 401);
  });

  void test("§6.2 updating an immutable ConfigMap's data: 422 Invalid, the object unchanged", async () => {
    await admin.core.createNamespacedConfigMap({
      namespace: NS,
      body: { metadata: { name: "bundle-abc" }, immutable: true, data: { "main.js": "v1" } },
    });
    const { code, body } = await apiError(
      admin.core.replaceNamespacedConfigMap({
        name: "bundle-abc",
        namespace: NS,
        body: { metadata: { name: "bundle-abc" }, immutable: true, data: { "main.js": "v2" } },
      }),
    );
    assert.equal(code, 422);
    assert.deepEqual(
      body,
      failureStatus(
        422,
        "Invalid",
        'ConfigMap "bundle-abc" is invalid: data: Forbidden: field is immutable when `immutable` is set',
        {
          name: "bundle-abc",
          kind: "ConfigMap",
          causes: [
            {
              reason: "FieldValueForbidden",
              message: "Forbidden: field is immutable when `immutable` is set",
              field: "data",
            },
          ],
        },
      ),
    );
    const stored = await admin.core.readNamespacedConfigMap({ name: "bundle-abc", namespace: NS });
    assert.deepEqual(stored.data, { "main.js": "v1" });
  });

  void test("§1.3 a stale resourceVersion on update: 409 Conflict", async () => {
    const created = await admin.core.createNamespacedConfigMap({
      namespace: NS,
      body: { metadata: { name: "mutable" }, data: { a: "1" } },
    });
    await admin.core.replaceNamespacedConfigMap({
      name: "mutable",
      namespace: NS,
      body: { metadata: { name: "mutable" }, data: { a: "2" } },
    });
    const { code, body } = await apiError(
      admin.core.replaceNamespacedConfigMap({
        name: "mutable",
        namespace: NS,
        body: {
          metadata: { name: "mutable", resourceVersion: created.metadata?.resourceVersion },
          data: { a: "3" },
        },
      }),
    );
    assert.equal(code, 409);
    assert.equal(
      (body as { message: string }).message,
      'Operation cannot be fulfilled on configmaps "mutable": the object has been modified; please apply your changes to the latest version and try again',
    );
  });

  void test("§1.3 deleting removes at once and answers a Success Status with the uid", async () => {
    const created = await admin.core.createNamespacedSecret({
      namespace: NS,
      body: { metadata: { name: "creds" }, stringData: { token: "s3cret" } },
    });
    assert.deepEqual(created.data, { token: Buffer.from("s3cret").toString("base64") });
    const answer = await admin.core.deleteNamespacedSecret({ name: "creds", namespace: NS });
    assert.deepEqual(JSON.parse(JSON.stringify(answer)), {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Success",
      details: { name: "creds", kind: "secrets", uid: created.metadata?.uid },
    });
  });
});
