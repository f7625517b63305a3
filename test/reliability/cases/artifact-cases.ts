// The version's files: missing, empty, not ONNX, external data missing or nested, a graph that
// does not fit the config, shapes too large to smoke-test.
import {
  externalDataModel,
  fixedRowsModel,
  corruptModel,
  truncatedModel,
  outputShapeChangedModel,
} from "../../support/onnx/fixtures";
import { makeProject } from "../../cli/cli-project";
import {
  committedLine,
  deployVersion,
  failedDeploy,
  projectWithModel,
  publishCandidate,
  publishFiles,
  rolledBack,
  sha256,
  type CorpusCase,
} from "./corpus-case";

const NOT_ONNX =
  "model.onnx is not a valid ONNX model: protobuf decoding failed (index out of range)";

export const artifactCases: CorpusCase[] = [
  {
    group: "artifact",
    name: "the version has no model.onnx",
    async arrange(b) {
      const p = await publishFiles(b, { "weights.bin": new Uint8Array([1, 2, 3]) });
      return failedDeploy(
        b,
        p.version,
        "materialize",
        `no ONNX model in model version iris-classifier/${p.version} (${p.artifactUri}): expected model.onnx or one *.onnx file, found weights.bin`,
      );
    },
  },
  {
    group: "artifact",
    name: "model.onnx is zero bytes",
    async arrange(b) {
      const v = await publishCandidate(b, new Uint8Array());
      return failedDeploy(
        b,
        v,
        "validate",
        "model.onnx is not a valid ONNX model: the file is empty",
      );
    },
  },
  {
    group: "artifact",
    name: "model.onnx is not ONNX",
    async arrange(b) {
      const v = await publishCandidate(b, corruptModel());
      return { argv: deployVersion(v), exit: 1, message: rolledBack(b, v, "validate", NOT_ONNX) };
    },
  },
  {
    group: "artifact",
    name: "model.onnx is cut in half",
    async arrange(b) {
      const v = await publishCandidate(b, truncatedModel());
      return { argv: deployVersion(v), exit: 1, message: rolledBack(b, v, "validate", NOT_ONNX) };
    },
  },
  {
    group: "artifact",
    name: "the external-data file is missing",
    async arrange(b) {
      const m = externalDataModel({ variant: 2 });
      const p = await publishFiles(b, { "model.onnx": m.model });
      return failedDeploy(
        b,
        p.version,
        "materialize",
        `model.onnx references external data 'model.onnx.data', which model version iris-classifier/${p.version} (${p.artifactUri}) does not have; expected that file at that path relative to model.onnx in the artifact`,
      );
    },
  },
  {
    group: "artifact",
    name: "the external data in a subdirectory (data/weights.bin): it deploys",
    async arrange(b) {
      const m = externalDataModel({ variant: 2, dataFileName: "data/weights.bin" });
      const v = (await publishFiles(b, { "model.onnx": m.model, "data/weights.bin": m.data }))
        .version;
      return {
        argv: deployVersion(v),
        exit: 0,
        stream: "stdout",
        message: committedLine(v, b.committed, sha256(m.model)),
        commits: v,
      };
    },
  },
  {
    group: "artifact",
    name: "the external data in a subdirectory is missing",
    async arrange(b) {
      const m = externalDataModel({ variant: 2, dataFileName: "data/weights.bin" });
      const p = await publishFiles(b, { "model.onnx": m.model, "data/other.bin": m.data });
      return failedDeploy(
        b,
        p.version,
        "materialize",
        `model.onnx references external data 'data/weights.bin', which model version iris-classifier/${p.version} (${p.artifactUri}) does not have; expected that file at that path relative to model.onnx in the artifact`,
      );
    },
  },
  {
    group: "artifact",
    name: "the graph's input shape does not match the config",
    async arrange(b) {
      const project = await projectWithModel((m) => {
        m.inputs = [{ name: "input", dataType: "TYPE_FP32", dims: [4] }];
      });
      const v = await publishCandidate(b);
      return {
        ...failedDeploy(
          b,
          v,
          "validate",
          "model 'iris', tensor 'input': the model expects 2 dimensions (shape [1,4]) but the model configuration specifies 1 dimensions (shape [4])",
        ),
        project,
      };
    },
  },
  {
    group: "artifact",
    name: "the graph's output has more classes than the config",
    async arrange(b) {
      const v = await publishCandidate(b, outputShapeChangedModel());
      return failedDeploy(
        b,
        v,
        "validate",
        "model 'iris', tensor 'probabilities': the model expects 2 dimensions (shape [1,5]) but the model configuration specifies 2 dimensions (shape [1,3])",
      );
    },
  },
  {
    group: "artifact",
    name: "huge dims: no smoke input can be generated",
    async arrange(b) {
      const project = await makeProject((config) => {
        const models = config["triton-serving:models"] as Record<string, unknown>[];
        delete models[0]!.inputs;
        delete models[0]!.outputs;
      });
      const v = await publishCandidate(b, fixedRowsModel(50_000_000));
      return {
        ...failedDeploy(
          b,
          v,
          "validate",
          "input 'input' has dims [50000000,4] (200000000 elements per request); expected at most 10000000 elements for a generated smoke input — check the dims, or configure smoke.golden with a real input",
        ),
        project,
      };
    },
  },
];
