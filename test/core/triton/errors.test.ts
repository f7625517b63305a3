import assert from "node:assert/strict";
import { test } from "node:test";
import { classifyTritonError } from "../../../src/core/triton";

void test("classifyTritonError: post-24.01 statuses, and pre-24.01 400s by their text (triton-contract.md §0)", () => {
  const cases: [number, string, string][] = [
    [404, "Request for unknown model: 'm' is not found", "NOT_FOUND"],
    [503, "Request for unknown model: 'm' version 2 is not at ready state", "UNAVAILABLE"],
    [500, "failed to load 'm', failed to poll from model repository", "INTERNAL"],
    [501, "'repository_name' specification is not supported", "UNSUPPORTED"],
    [403, "This API is restricted, expecting header 'k'", "RESTRICTED"],
    [405, "Method Not Allowed", "METHOD_NOT_ALLOWED"],
    [400, "Request for unknown model: 'm' is not found", "NOT_FOUND"],
    [400, "Request for unknown model: 'm' has no available versions", "NOT_FOUND"],
    [400, "Request for unknown model: 'm' version 2 is not at ready state", "UNAVAILABLE"],
    [400, "Server not ready", "UNAVAILABLE"],
    [400, "explicit model load / unload is not allowed if polling is enabled", "UNAVAILABLE"],
    [400, "failed to load 'm', failed to poll from model repository", "INTERNAL"],
    [
      400,
      "load failed for model 'm': version 1 is at UNAVAILABLE state: Internal: boom;\n",
      "INVALID_ARG",
    ],
    [
      400,
      "[request id: <id_unknown>] unexpected shape for input 'X' for model 'm'. Expected [4], got [1,4]. ",
      "INVALID_ARG",
    ],
    [418, "teapot", "UNKNOWN"],
  ];
  assert.deepEqual(
    cases.map(([status, text]) => classifyTritonError(status, text)),
    cases.map(([, , code]) => code),
  );
});
