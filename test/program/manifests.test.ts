// Pure spec builders, called directly for the branches the stack runs do not reach.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { buildPrepareExportCommand } from "../../src/components/model-storage.manifests";
import {
  buildNetworkPolicy,
  buildPodDisruptionBudget,
  buildService,
  buildTritonArgs,
  type TritonObjectArgs,
} from "../../src/components/triton-server.manifests";
import { readStackConfig } from "../../src/config/stack-file";
import { PROJECT_DIR } from "./harness/run-stack";

function tritonArgs(
  patch: (t: TritonObjectArgs<string>["triton"]) => void,
): TritonObjectArgs<string> {
  const config = readStackConfig(PROJECT_DIR, "dev");
  patch(config.triton);
  return {
    namespace: "ns",
    name: "triton-x",
    triton: config.triton,
    models: ["m"],
    claimName: "claim",
    apiKeySecretName: "key",
    labels: { app: "triton" },
    selectorLabels: { app: "triton" },
    prometheus: { namespace: "mon", podLabels: { "app.kubernetes.io/name": "prometheus" } },
  };
}

describe("spec builders", () => {
  test("the export command quotes the path for the remote shell and runs without sudo when asked", () => {
    assert.equal(
      buildPrepareExportCommand({ path: "/srv/it's here", uid: 1000, gid: 2000, useSudo: false }),
      "set -eu && mkdir -p '/srv/it'\\''s here' && chown 1000:2000 '/srv/it'\\''s here' && chmod 2775 '/srv/it'\\''s here'",
    );
  });

  test("extra tritonserver flags come after the platform's, with a custom admin header", () => {
    assert.deepEqual(
      buildTritonArgs({ models: [], adminHeader: "x-admin", extraArgs: ["--log-verbose=1"] }),
      [
        "--model-repository=/models",
        "--model-control-mode=explicit",
        "--exit-on-error=false",
        "--strict-readiness=false",
        "--http-port=8000",
        "--grpc-port=8001",
        "--metrics-port=8002",
        "--metrics-config=summary_latencies=true",
        "--http-restricted-api=model-repository,model-config:x-admin=$(TRITON_API_KEY)",
        "--grpc-restricted-protocol=model-repository,model-config:x-admin=$(TRITON_API_KEY)",
        "--log-verbose=1",
      ],
    );
  });

  test("no NetworkPolicy when disabled; no PDB for one replica", () => {
    assert.equal(
      buildNetworkPolicy(tritonArgs((t) => (t.networkPolicy.enabled = false))),
      undefined,
    );
    assert.equal(buildPodDisruptionBudget(tritonArgs((t) => (t.replicas = 1))), undefined);
    assert.deepEqual(buildPodDisruptionBudget(tritonArgs((t) => (t.replicas = 2)))?.spec, {
      maxUnavailable: 1,
      selector: { matchLabels: { app: "triton" } },
    });
  });

  test("a LoadBalancer Service keeps its traffic policy and gets no fixed node ports", () => {
    const svc = buildService(
      tritonArgs((t) => {
        t.service.type = "LoadBalancer";
        t.service.externalTrafficPolicy = "Local";
      }),
    );
    assert.equal(svc.spec.type, "LoadBalancer");
    assert.equal(svc.spec.externalTrafficPolicy, "Local");
    assert.deepEqual(
      svc.spec.ports.map((p) => ("nodePort" in p ? p.nodePort : undefined)),
      [undefined, undefined, undefined],
    );
  });
});
