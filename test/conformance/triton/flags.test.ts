// triton-contract.md §4: --grpc-port and --grpc-restricted-protocol are tritonserver flags, so the
// test server accepts them. It serves no gRPC: they are parsed and validated (with Triton's texts
// from ParseRestrictedFeatureOption, `protocol` where the HTTP flag says `api`), nothing more.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseTritonFlags } from "../../support/triton/flags";
import { resolveOptions } from "../../support/triton/options";

const REPO = ["--model-repository=/repo"];

describe("§4 gRPC flags (validated, not served)", () => {
  test("--grpc-port and --grpc-restricted-protocol are accepted, in both spellings", () => {
    const options = parseTritonFlags([
      ...REPO,
      "--grpc-port=8001",
      "--grpc-restricted-protocol",
      "model-repository,model-config:admin-key=s3cret",
      "--grpc-restricted-protocol=health:probe-key=p",
    ]);
    assert.equal(options.grpcPort, 8001);
    assert.deepEqual(options.grpcRestrictedProtocol, [
      "model-repository,model-config:admin-key=s3cret",
      "health:probe-key=p",
    ]);
    const resolved = resolveOptions(options);
    assert.equal(resolved.grpcPort, 8001);
    // Triton prefixes the gRPC metadata key (restricted_features.h, grpc_server.h).
    assert.deepEqual(
      [...resolved.grpcRestrictedProtocols],
      [
        ["model-repository", { header: "triton-grpc-protocol-admin-key", value: "s3cret" }],
        ["model-config", { header: "triton-grpc-protocol-admin-key", value: "s3cret" }],
        ["health", { header: "triton-grpc-protocol-probe-key", value: "p" }],
      ],
    );
    // gRPC restrictions do not restrict HTTP.
    assert.deepEqual([...resolved.restrictedApis], []);
  });

  test("a non-integer --grpc-port is refused", () => {
    assert.throws(() => parseTritonFlags([...REPO, "--grpc-port=grpc"]), {
      message: "invalid value for --grpc-port: 'grpc', expected an integer",
    });
  });

  test("--grpc-restricted-protocol: Triton's errors for format, unknown category, a category in two groups", () => {
    const resolve = (...values: string[]) =>
      resolveOptions(
        parseTritonFlags([...REPO, ...values.map((v) => `--grpc-restricted-protocol=${v}`)]),
      );
    assert.throws(() => resolve("model-repository=admin-key"), {
      message:
        "--grpc-restricted-protocol option format is '<config name>:<setting>=<value>'. Got model-repository=admin-key",
    });
    assert.throws(() => resolve("model-reposit,health:k1=v1"), {
      message: "unknown restricted protocol 'model-reposit' ",
    });
    assert.throws(() => resolve("model-repository,health:k1=v1", "metadata,health:k2=v2"), {
      message: "restricted protocol 'health' can not be specified in multiple config groups",
    });
  });

  test("the HTTP flag keeps its own texts ('api') and key (no prefix)", () => {
    const resolve = (...values: string[]) =>
      resolveOptions(
        parseTritonFlags([...REPO, ...values.map((v) => `--http-restricted-api=${v}`)]),
      );
    assert.throws(() => resolve("model-reposit:k=v"), {
      message: "unknown restricted api 'model-reposit' ",
    });
    assert.deepEqual(resolve("model-repository:k=v").restrictedApis.get("model-repository"), {
      header: "k",
      value: "v",
    });
  });
});
