import assert from "node:assert/strict";
import { test } from "node:test";

test("the toolchain runs TypeScript tests", () => {
  assert.equal(typeof structuredClone, "function");
});
