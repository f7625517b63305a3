import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { MlflowError, parseArtifactUri, planModelFiles } from "../../../src/core/mlflow";

void describe("parseArtifactUri (mlflow-contract.md §2.2, §3)", () => {
  void test("each source form", () => {
    assert.deepEqual(parseArtifactUri("mlflow-artifacts:/1/abc/artifacts/model"), {
      kind: "proxied",
      path: "1/abc/artifacts/model",
    });
    assert.deepEqual(parseArtifactUri("mlflow-artifacts://other:4242/p/x/"), {
      kind: "proxied",
      path: "p/x",
      host: "other:4242",
    });
    assert.deepEqual(parseArtifactUri("mlflow-artifacts:/"), { kind: "proxied", path: "" });
    assert.deepEqual(
      parseArtifactUri(
        "https://h/prefix/api/2.0/mlflow-artifacts/artifacts/1/models/m-1/artifacts",
      ),
      {
        kind: "proxied",
        path: "1/models/m-1/artifacts",
        host: "h",
      },
    );
    assert.deepEqual(parseArtifactUri("runs:/0a1b/onnx"), {
      kind: "run",
      runId: "0a1b",
      path: "onnx",
    });
    assert.deepEqual(parseArtifactUri("models:/m-5f0c2d9a0e4b4c1f9b3f2a7d6e8c1a23"), {
      kind: "logged-model",
      modelId: "m-5f0c2d9a0e4b4c1f9b3f2a7d6e8c1a23",
    });
    assert.deepEqual(parseArtifactUri("models:/iris/3"), {
      kind: "registered-model",
      name: "iris",
      version: "3",
    });
    assert.deepEqual(parseArtifactUri("s3://bucket/1/abc/artifacts/model"), {
      kind: "external",
      scheme: "s3",
    });
    assert.deepEqual(parseArtifactUri("https://example.com/model.onnx"), {
      kind: "external",
      scheme: "https",
    });
    assert.deepEqual(parseArtifactUri("/mnt/models/x"), { kind: "external", scheme: "local path" });
  });

  void test("alias and stage model URIs are not download URIs", () => {
    assert.throws(
      () => parseArtifactUri("models:/iris@champion"),
      /is not models:\/m-<id> or models:\/<name>\/<version>/,
    );
  });
});

void describe("planModelFiles", () => {
  const file = (path: string, sizeBytes = 1) => ({ path, isDir: false, sizeBytes });
  void test("model.onnx plus every non-metadata file beside it; directories skipped", () => {
    const plan = planModelFiles(
      [
        file("MLmodel"),
        file("model.onnx"),
        file("6f1c0b3e-uuid"),
        file("conda.yaml"),
        file("python_env.yaml"),
        file("requirements.txt"),
        file("input_example.json"),
        { path: "metadata", isDir: true, sizeBytes: undefined },
      ],
      "here",
    );
    assert.equal(plan.model.path, "model.onnx");
    assert.deepEqual(
      plan.companions.map((f) => f.path),
      ["6f1c0b3e-uuid"],
    );
  });

  void test("several *.onnx without model.onnx is ambiguous", () => {
    assert.throws(
      () => planModelFiles([file("a.onnx"), file("b.onnx")], "there"),
      (e: unknown) =>
        e instanceof MlflowError &&
        e.code === "NO_ONNX_FILE" &&
        e.message ===
          "several ONNX files in there and none is model.onnx (a.onnx, b.onnx); cannot tell which is the model",
    );
  });

  void test("an unsafe name from the server is refused", () => {
    assert.throws(
      () => planModelFiles([file("model.onnx"), file("..")], "x"),
      /unsafe file name "\.\."/,
    );
  });
});
