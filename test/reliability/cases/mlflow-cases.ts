// MLflow answers that are wrong, slow, refused or cut short.
import { publishOnnxModel, startMlflowServer } from "../../support/mlflow";
import { REGISTERED } from "../../core/transaction/harness";
import { irisModel } from "../../support/onnx/fixtures";
import { startClosingProxy } from "./closing-proxy";
import {
  committedLine,
  deployVersion,
  failedDeploy,
  projectWithModel,
  publishFiles,
  sha256,
  type CorpusCase,
} from "./corpus-case";

/** `bytes` with the byte at `offset` flipped, as the server's "corrupt" fault does. */
function corruptAt(bytes: Uint8Array, offset: number): Uint8Array {
  const out = Uint8Array.from(bytes);
  out[offset] = out[offset]! ^ 0xff;
  return out;
}

const ALIAS_PATH = "registered-models/alias";

/** The line of a deploy that stopped before changing anything because MLflow did not resolve. */
function unresolved(what: string, model: string, why: string): string {
  return `iris: cannot resolve ${what} of registered model '${model}': ${why} — nothing was changed`;
}

const NOT_AUTHENTICATED =
  "You are not authenticated. Please see https://www.mlflow.org/docs/latest/auth/index.html#authenticating-to-mlflow on how to authenticate.";
const CREDENTIALS =
  "set MLFLOW_TRACKING_TOKEN (or MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD) to credentials that may read this registered model";

/** An MLflow that requires a bearer token, with the iris model under alias champion. */
async function authMlflow() {
  const server = await startMlflowServer({
    auth: {
      tokens: [{ token: "good-token" }, { token: "no-access", permission: "NO_PERMISSIONS" }],
    },
  });
  await publishOnnxModel(server.url, {
    name: REGISTERED,
    files: { "model.onnx": irisModel({ variant: 2 }) },
    layout: "run-artifacts",
    alias: "champion",
    auth: { token: "good-token" },
  });
  return server;
}

/** A deploy against the token-protected MLflow with `token` (none when undefined). */
function authCase(name: string, token: string | undefined, status: 401 | 403): CorpusCase {
  const said =
    status === 401
      ? `${NOT_AUTHENTICATED} (HTTP 401: MLflow did not accept the credentials or got none; ${CREDENTIALS})`
      : `Permission denied (HTTP 403: MLflow refused these credentials access; ${CREDENTIALS})`;
  return {
    group: "mlflow",
    name,
    async arrange() {
      const server = await authMlflow();
      return {
        env: { MLFLOW_TRACKING_URI: server.url, MLFLOW_TRACKING_TOKEN: token },
        exit: 1,
        message: unresolved(
          "alias champion",
          REGISTERED,
          `resolving alias "champion" of registered model "${REGISTERED}" failed: ${said}`,
        ),
        cleanup: () => server.close(),
      };
    },
  };
}

export const mlflowCases: CorpusCase[] = [
  {
    group: "mlflow",
    name: "the alias does not exist",
    arrange(b) {
      return {
        argv: ["deploy", "--stack", "cli", "--alias", "nosuch"],
        exit: 1,
        message: unresolved(
          "alias nosuch",
          REGISTERED,
          `registered model "${REGISTERED}" has no alias "nosuch"; its aliases are champion→${b.firstVersion} (MLflow: INVALID_PARAMETER_VALUE: Registered model alias nosuch not found.)`,
        ),
      };
    },
  },
  {
    group: "mlflow",
    name: "the registered model does not exist",
    async arrange(b) {
      const project = await projectWithModel((m) => {
        m.registeredModel = "no-such-model";
      });
      return {
        project,
        exit: 1,
        message: unresolved(
          "alias champion",
          "no-such-model",
          `registered model "no-such-model" does not exist in MLflow at ${b.bench.mlflow.url}/ (looking up alias "champion": INVALID_PARAMETER_VALUE: Registered model alias champion not found.)`,
        ),
      };
    },
  },
  {
    group: "mlflow",
    name: "the pinned version does not exist",
    arrange() {
      return {
        argv: deployVersion("999"),
        exit: 1,
        message: unresolved(
          "version 999",
          REGISTERED,
          `registered model "${REGISTERED}" has no version 999 (RESOURCE_DOES_NOT_EXIST: Model Version (name=${REGISTERED}, version=999) not found)`,
        ),
      };
    },
  },
  {
    group: "mlflow",
    name: "500 on every attempt",
    arrange(b) {
      b.bench.mlflow.faults.add({ path: ALIAS_PATH, kind: "status", status: 500, times: 10 });
      // The corpus bench retries twice with no backoff (MLFLOW_HTTP_REQUEST_MAX_RETRIES=2).
      return {
        exit: 1,
        message: unresolved(
          "alias champion",
          REGISTERED,
          `resolving alias "champion" of registered model "${REGISTERED}" failed: 500 Internal Server Error (retried: 3 attempts over 0 s)`,
        ),
      };
    },
  },
  {
    group: "mlflow",
    name: "429 with a Retry-After beyond the cap",
    arrange(b) {
      b.bench.mlflow.faults.add({
        path: ALIAS_PATH,
        kind: "status",
        status: 429,
        retryAfter: 3600,
      });
      return {
        exit: 1,
        message: unresolved(
          "alias champion",
          REGISTERED,
          `resolving alias "champion" of registered model "${REGISTERED}" failed: 429 Too Many Requests (not retried: its Retry-After header asks to wait 3600 s, more than the 120 s a deployment waits for it; try again later)`,
        ),
      };
    },
  },
  {
    group: "mlflow",
    name: "the model file's body is truncated on every attempt",
    async arrange(b) {
      const p = await publishFiles(b, { "model.onnx": irisModel({ variant: 2 }) });
      b.bench.mlflow.faults.add({
        path: "model\\.onnx",
        method: "GET",
        kind: "truncate",
        afterBytes: 40,
        times: 5,
      });
      return failedDeploy(
        b,
        p.version,
        "materialize",
        `model.onnx: the body ended after 40 of 347 bytes (truncated download from ${p.artifactUri} via the MLflow artifact proxy) (after 3 attempts)`,
      );
    },
  },
  {
    group: "mlflow",
    name: "one corrupted byte in the download: retried once from the start, then it deploys",
    async arrange(b) {
      const v = (
        await publishFiles(b, { "model.onnx": irisModel({ variant: 3 }) }, { sha256Tag: true })
      ).version;
      b.bench.mlflow.faults.add({
        path: "model\\.onnx",
        method: "GET",
        kind: "corrupt",
        offset: 10,
      });
      return {
        argv: deployVersion(v),
        exit: 0,
        stream: "stdout",
        message: committedLine(v, b.committed, sha256(irisModel({ variant: 3 }))),
        commits: v,
      };
    },
  },
  {
    group: "mlflow",
    name: "the download is corrupted on every attempt",
    async arrange(b) {
      const bytes = irisModel({ variant: 2 });
      const v = (await publishFiles(b, { "model.onnx": bytes }, { sha256Tag: true })).version;
      b.bench.mlflow.faults.add({
        path: "model\\.onnx",
        method: "GET",
        kind: "corrupt",
        offset: 10,
        times: 5,
      });
      return failedDeploy(
        b,
        v,
        "materialize",
        `model.onnx: sha256 is ${sha256(corruptAt(bytes, 10))} but the model version's "sha256" tag says ${sha256(bytes)} (downloaded twice from the start, both times with a wrong digest)`,
      );
    },
  },
  {
    group: "mlflow",
    name: "the sha256 tag does not match model.onnx",
    async arrange(b) {
      const bytes = irisModel({ variant: 2 });
      const tag = "ab".repeat(32);
      const v = (await publishFiles(b, { "model.onnx": bytes }, { sha256Tag: tag })).version;
      return failedDeploy(
        b,
        v,
        "materialize",
        `model.onnx: sha256 is ${sha256(bytes)} but the model version's "sha256" tag says ${tag} (downloaded twice from the start, both times with a wrong digest)`,
      );
    },
  },
  {
    group: "mlflow",
    name: "the sha256 tag is not a digest",
    async arrange(b) {
      const v = (
        await publishFiles(b, { "model.onnx": irisModel({ variant: 2 }) }, { sha256Tag: "latest" })
      ).version;
      return failedDeploy(
        b,
        v,
        "materialize",
        `model version ${REGISTERED}/${v} has a "sha256" tag "latest" that is not a sha256 hex digest (64 hex characters)`,
      );
    },
  },
  {
    group: "mlflow",
    name: "the alias moves to another version between the CLI's read and the deployment's",
    async arrange(b) {
      const first = (
        await publishFiles(b, { "model.onnx": irisModel({ variant: 1 }) }, { alias: "champion" })
      ).version;
      const other = (await publishFiles(b, { "model.onnx": irisModel({ variant: 2 }) })).version;
      // Right after the CLI reads the alias (first), it moves to `other`: the deployment deploys
      // what was resolved, never a mix of the two.
      b.bench.mlflow.faults.add({
        path: ALIAS_PATH,
        method: "GET",
        kind: "set-alias",
        name: REGISTERED,
        alias: "champion",
        version: other,
      });
      return {
        exit: 0,
        stream: "stdout",
        message: committedLine(first, b.committed, sha256(irisModel({ variant: 1 }))),
        commits: first,
      };
    },
  },
  authCase("401: MLflow needs a token and none is set", undefined, 401),
  authCase("401: a wrong MLFLOW_TRACKING_TOKEN", "wrong-token", 401),
  authCase("403: the token may not read the model", "no-access", 403),
  {
    group: "mlflow",
    name: "MLflow behind a proxy that closes the connection after every response: it deploys",
    async arrange(b) {
      const proxy = await startClosingProxy(b.bench.mlflow.url);
      // A model large enough that its body is still streaming when the proxy closes.
      const v = (await publishFiles(b, { "model.onnx": irisModel({ variant: 4 }) })).version;
      return {
        argv: deployVersion(v),
        env: { MLFLOW_TRACKING_URI: proxy.url },
        exit: 0,
        stream: "stdout",
        message: committedLine(v, b.committed, sha256(irisModel({ variant: 4 }))),
        commits: v,
        cleanup: () => proxy.close(),
      };
    },
  },
  {
    group: "mlflow",
    name: "MLflow is unreachable",
    arrange() {
      return {
        env: { MLFLOW_TRACKING_URI: "http://127.0.0.1:9" },
        exit: 1,
        message: unresolved(
          "alias champion",
          REGISTERED,
          `resolving alias "champion" of registered model "${REGISTERED}" failed: GET http://127.0.0.1:9/api/2.0/mlflow/registered-models/alias?name=${REGISTERED}&alias=champion failed: connect ECONNREFUSED 127.0.0.1:9 (ECONNREFUSED) (after 3 attempts)`,
        ),
      };
    },
  },
];
