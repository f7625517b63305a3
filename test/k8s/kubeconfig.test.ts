// src/k8s/kubeconfig: the stack's kubernetes:kubeconfig as a path or inline, kubernetes:context,
// the ambient kubeconfig, and clear errors naming the value and what was expected.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { contextNamespace, isInlineKubeconfig, loadKubeConfig } from "../../src/k8s";

const KUBECONFIG = `apiVersion: v1
kind: Config
clusters:
  - name: dev
    cluster: { server: "https://127.0.0.1:6443" }
  - name: prod
    cluster: { server: "https://127.0.0.2:6443" }
users:
  - name: u
    user: { token: t }
contexts:
  - name: dev
    context: { cluster: dev, user: u, namespace: ml-dev }
  - name: prod
    context: { cluster: prod, user: u }
current-context: dev
`;

let dir: string;
let file: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), "kubeconfig-"));
  file = join(dir, "config.yaml");
  writeFileSync(file, KUBECONFIG);
});
after(() => rmSync(dir, { recursive: true, force: true }));

void describe("loadKubeConfig", () => {
  void test("a path, and the context it names", async () => {
    const kc = await loadKubeConfig({ kubeconfig: file });
    assert.equal(kc.getCurrentCluster()?.server, "https://127.0.0.1:6443");
    assert.equal(contextNamespace(kc), "ml-dev");
  });

  void test("inline contents with kubernetes:context", async () => {
    assert.equal(isInlineKubeconfig(readFileSync(file, "utf8")), true);
    assert.equal(isInlineKubeconfig(file), false);
    const kc = await loadKubeConfig({ kubeconfig: KUBECONFIG, context: "prod" });
    assert.equal(kc.getCurrentCluster()?.server, "https://127.0.0.2:6443");
    assert.equal(contextNamespace(kc), "default");
  });

  void test("the ambient kubeconfig ($KUBECONFIG) when the stack sets none", async () => {
    const saved = process.env.KUBECONFIG;
    process.env.KUBECONFIG = file;
    try {
      const kc = await loadKubeConfig({ context: "prod" });
      assert.equal(kc.getCurrentCluster()?.server, "https://127.0.0.2:6443");
    } finally {
      if (saved === undefined) delete process.env.KUBECONFIG;
      else process.env.KUBECONFIG = saved;
    }
  });

  void test("an unknown context names the value and the contexts there are", async () => {
    await assert.rejects(loadKubeConfig({ kubeconfig: file, context: "staging" }), {
      message: `kubernetes:context: got "staging", expected one of the contexts of kubernetes:kubeconfig (${file}): "dev", "prod"`,
    });
  });

  void test("a missing file names the path", async () => {
    const missing = join(dir, "absent.yaml");
    await assert.rejects(loadKubeConfig({ kubeconfig: missing }), (error: Error) => {
      assert.match(
        error.message,
        new RegExp(`^kubernetes:kubeconfig \\(${missing}\\): cannot be loaded: .*ENOENT`),
      );
      return true;
    });
  });
});
