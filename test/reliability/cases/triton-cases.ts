// Triton refusing, failing, slow, wrong, or not there.
import { MODEL } from "../../core/transaction/harness";
import type { CorpusBench } from "../corpus-bench";
import {
  deployVersion,
  failedDeploy,
  projectWithModel,
  publishCandidate,
  rolledBack,
  type CorpusCase,
} from "./corpus-case";

const STAGING = `${MODEL}.staging`;

/** A project whose iris model has `smoke` as its smoke section. */
function projectWithSmoke(smoke: Record<string, unknown>): Promise<string> {
  return projectWithModel((m) => {
    m.smoke = smoke;
  });
}

const url = (b: CorpusBench) => b.bench.tritons[0]!.httpUrl;

/** How a call to the closed port 9 fails, after the client's 3 attempts. */
function REFUSED(path: string, method: string): string {
  return `${method} http://127.0.0.1:9${path} failed: connect ECONNREFUSED 127.0.0.1:9 (ECONNREFUSED) (after 3 attempts)`;
}

/** Triton's answer to a load the backend failed (triton-contract.md §0: 400, text with the class). */
function loadFailed(b: CorpusBench, v: string, error: string): string {
  return `Triton load of model "iris.staging" failed: HTTP 400: load failed for model 'iris.staging': version ${v} is at UNAVAILABLE state: ${error}; (POST ${url(b)}/v2/repository/models/iris.staging/load)`;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

const GOLDEN_INPUT = [{ name: "input", shape: [1, 4], data: [5.1, 3.5, 1.4, 0.2] }];

export const tritonCases: CorpusCase[] = [
  {
    group: "triton",
    name: "Triton is unreachable",
    async arrange(b) {
      const v = await publishCandidate(b);
      return {
        argv: deployVersion(v),
        env: { TRITON_SERVING_TRITON_URLS: "http://127.0.0.1:9" },
        exit: 4,
        message: [
          `iris: deploy of model 'iris' version ${v} failed at step 'snapshot': Triton metadata of model "iris" failed: ${REFUSED("/v2/models/iris", "GET")} — nothing was changed; committed version ${b.committed}; serving http://127.0.0.1:9: unknown (Triton metadata of model "iris" failed: ${REFUSED("/v2/models/iris", "GET")})`,
          `iris: what http://127.0.0.1:9 serves is unknown (no answer); check that endpoint before relying on committed version ${b.committed} (exit 4)`,
        ].join("\n"),
      };
    },
  },
  {
    group: "triton",
    name: "load answers 400 (the backend rejects the model)",
    async arrange(b) {
      const v = await publishCandidate(b);
      b.bench.tritons[0]!.failLoad(STAGING, Number(v), {
        code: "INVALID_ARG",
        message: "unsupported opset",
      });
      return failedDeploy(b, v, "load", loadFailed(b, v, "Invalid argument: unsupported opset"));
    },
  },
  {
    group: "triton",
    // Triton answers 400 to a load the backend fails, whatever the backend's error (the
    // contract's §0: load errors are INVALID_ARG on the HTTP side); the text keeps the class.
    name: "load fails with the backend's internal error",
    async arrange(b) {
      const v = await publishCandidate(b);
      b.bench.tritons[0]!.failLoad(STAGING, Number(v), { code: "INTERNAL", message: "CUDA OOM" });
      return failedDeploy(b, v, "load", loadFailed(b, v, "Internal: CUDA OOM"));
    },
  },
  {
    group: "triton",
    name: "the candidate never becomes ready",
    async arrange(b) {
      const v = await publishCandidate(b);
      b.bench.tritons[0]!.setLoadDelay(STAGING, Number(v), 5_000);
      return {
        argv: deployVersion(v),
        env: { TRITON_SERVING_READY_TIMEOUT_MS: "300" },
        exit: 1,
        message: rolledBack(
          b,
          v,
          "ready",
          `model 'iris.staging' version ${v} on ${url(b)} was not ready within 300 ms`,
        ),
      };
    },
  },
  {
    group: "triton",
    name: "the output has another shape than the golden output",
    async arrange(b) {
      const project = await projectWithSmoke({
        requests: 1,
        golden: {
          inputs: GOLDEN_INPUT,
          outputs: [{ name: "probabilities", shape: [1, 4], data: [0.1, 0.2, 0.3, 0.4] }],
        },
      });
      const v = await publishCandidate(b);
      return {
        ...failedDeploy(
          b,
          v,
          "smoke",
          `model 'iris.staging' version ${v} on ${url(b)}: output 'probabilities' has shape [1,3]; expected [1,4]`,
        ),
        project,
      };
    },
  },
  {
    group: "triton",
    name: "the output has another datatype than the config",
    async arrange(b) {
      const project = await projectWithModel((m) => {
        m.outputs = [{ name: "probabilities", dataType: "TYPE_FP64", dims: [1, 3] }];
      });
      const v = await publishCandidate(b);
      return {
        ...failedDeploy(
          b,
          v,
          "validate",
          "unable to load model 'iris', configuration expects datatype TYPE_FP64 for output 'probabilities', model provides TYPE_FP32",
        ),
        project,
      };
    },
  },
  {
    group: "triton",
    name: "the output values differ from the golden output",
    async arrange(b) {
      const project = await projectWithSmoke({
        requests: 1,
        golden: {
          inputs: GOLDEN_INPUT,
          outputs: [{ name: "probabilities", data: [1, 0, 0] }],
        },
      });
      const v = await publishCandidate(b);
      return {
        ...failedDeploy(
          b,
          v,
          "smoke",
          `model 'iris.staging' version ${v} on ${url(b)}: output 'probabilities' value [0] is 0.028474625200033188; expected 1 ± 0.0001`,
        ),
        project,
      };
    },
  },
  {
    group: "triton",
    name: "p95 over the latency budget",
    async arrange(b) {
      const project = await projectWithSmoke({ requests: 3, p95BudgetMs: 20 });
      const v = await publishCandidate(b);
      b.bench.tritons[0]!.setLatency(STAGING, undefined, 60);
      // Only the measured p95 varies: the 60 ms the server adds and some overhead.
      const line = rolledBack(
        b,
        v,
        "smoke",
        `model 'iris.staging' version ${v} on ${url(b)}: p95 latency P95 ms over 3 requests; expected at most 20 ms`,
      );
      return {
        argv: deployVersion(v),
        project,
        exit: 1,
        message: new RegExp(`^${escape(line).replace("P95", "(?:[6-9]\\d|\\d{3,})\\.\\d")}$`),
      };
    },
  },
  {
    group: "triton",
    name: "inference fails on the candidate",
    async arrange(b) {
      const v = await publishCandidate(b);
      b.bench.tritons[0]!.failExecution(STAGING, undefined, {
        code: "INTERNAL",
        message: "CUDA error",
      });
      return failedDeploy(
        b,
        v,
        "smoke",
        `model 'iris.staging' version ${v} on ${url(b)}: smoke request 1 of 2 failed: Triton inference of model "iris.staging" failed: HTTP 500: CUDA error (POST ${url(b)}/v2/models/iris.staging/versions/${v}/infer)`,
      );
    },
  },
  {
    group: "triton",
    name: "403: a wrong TRITON_API_KEY",
    async arrange(b) {
      const v = await publishCandidate(b);
      return {
        argv: deployVersion(v),
        env: { TRITON_API_KEY: "wrong-key" },
        exit: 1,
        message: rolledBack(
          b,
          v,
          "load",
          `Triton load of model "iris.staging" failed: HTTP 403: This API is restricted, expecting header 'triton-admin-key' (POST ${url(b)}/v2/repository/models/iris.staging/load); the restricted API needs the admin header's value: set TRITON_API_KEY (the stack's secret tritonApiKey) to the key this Triton was started with`,
        ),
      };
    },
  },
  {
    group: "triton",
    name: "status: Triton unreachable",
    arrange() {
      return {
        argv: ["status", "--stack", "cli"],
        env: { TRITON_SERVING_TRITON_URLS: "http://127.0.0.1:9" },
        exit: 4,
        stream: "stdout",
        message: [
          `  http://127.0.0.1:9: unreachable (Triton metadata of model "iris" failed: ${REFUSED("/v2/models/iris", "GET")})`,
          "  UNKNOWN: an endpoint did not answer; what it serves cannot be checked",
        ].join("\n"),
      };
    },
  },
  {
    group: "triton",
    name: "verify: Triton unreachable",
    arrange() {
      return {
        argv: ["verify", "--stack", "cli"],
        env: { TRITON_SERVING_TRITON_URLS: "http://127.0.0.1:9" },
        exit: 4,
        message: `iris: verification failed: http://127.0.0.1:9 did not answer (Triton metadata of model "iris" failed: ${REFUSED("/v2/models/iris", "GET")})`,
      };
    },
  },
];
