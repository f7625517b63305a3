// The `servedVersion` output (core-bridge.ts servedVersionOf), written by create/update and by
// refresh: one value over all Triton endpoints of the stack.
import assert from "node:assert/strict";
import { test } from "node:test";
import { servedVersionOf } from "../../src/provider/core-bridge";

const A = "http://10.0.0.1:8000";
const B = "http://10.0.0.2:8000";

void test("every endpoint serves the same version: that version once", () => {
  assert.equal(
    servedVersionOf([
      { endpoint: A, readyVersions: ["13"] },
      { endpoint: B, readyVersions: ["13"] },
    ]),
    "13",
  );
});

void test("endpoints disagree: each distinct answer, in endpoint order", () => {
  assert.equal(
    servedVersionOf([
      { endpoint: A, readyVersions: ["13"] },
      { endpoint: B, readyVersions: ["12"] },
    ]),
    "13 | 12",
  );
});

void test("an endpoint serving two versions lists both", () => {
  assert.equal(servedVersionOf([{ endpoint: A, readyVersions: ["12", "13"] }]), "12,13");
});

void test("nothing served: empty", () => {
  assert.equal(servedVersionOf([{ endpoint: A, readyVersions: [] }]), "");
});

void test("an endpoint that did not answer is '?', never read as serving nothing", () => {
  assert.equal(
    servedVersionOf([
      { endpoint: A, readyVersions: ["13"] },
      { endpoint: B, readyVersions: [], error: "connect ECONNREFUSED 10.0.0.2:8000" },
    ]),
    "13 | ?",
  );
});
