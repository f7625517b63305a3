// Observability repeats the core's staging-model naming instead of importing the core (layers point
// down only). This test is the link: the PromQL pattern must match exactly the names the core
// gives staging models, so a rename in the core fails here rather than leaking smoke traffic
// into alerts and dashboards.
import assert from "node:assert/strict";
import { test } from "node:test";
import { isStagingModelName, stagingModelName, STAGING_SUFFIX } from "../../src/core";
import { NOT_STAGING, STAGING_MODEL_PATTERN } from "../../src/observability";

/** PromQL regular-expression matchers are fully anchored (RE2; JavaScript agrees for this syntax). */
function promqlMatches(pattern: string, value: string): boolean {
  return new RegExp(`^(?:${pattern})$`).test(value);
}

void test("the staging pattern matches the core's stagingModelName and no served model name", () => {
  assert.equal(STAGING_MODEL_PATTERN, ".*\\.staging");
  assert.equal(stagingModelName("iris"), "iris.staging");
  assert.equal(promqlMatches(STAGING_MODEL_PATTERN, stagingModelName("iris")), true);
  assert.equal(promqlMatches(STAGING_MODEL_PATTERN, stagingModelName("text-encoder_2")), true);
  for (const served of ["iris", "iris-staging", "irisxstaging", "staging", "iris.staging.v2"]) {
    assert.equal(promqlMatches(STAGING_MODEL_PATTERN, served), false, served);
    assert.equal(isStagingModelName(served), false, `core agrees on ${served}`);
  }
  assert.equal(STAGING_SUFFIX, ".staging");
});

void test("the matcher is PromQL text: the regex's backslash is escaped inside the string literal", () => {
  assert.equal(NOT_STAGING, 'model!~".*\\\\.staging"');
});
