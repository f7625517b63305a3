import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { backoffDelayMs, parseRetryAfterMs, resolveRetryPolicy } from "../../../src/core/http";

void describe("parseRetryAfterMs", () => {
  const now = Date.UTC(2026, 10, 21, 12, 0, 0);
  void test("delta-seconds", () => {
    assert.equal(parseRetryAfterMs("3", now), 3000);
    assert.equal(parseRetryAfterMs(" 0 ", now), 0);
    assert.equal(parseRetryAfterMs("1.5", now), 1500);
  });
  void test("HTTP-date, relative to the clock, never negative", () => {
    assert.equal(parseRetryAfterMs("Sat, 21 Nov 2026 12:00:07 GMT", now), 7000);
    assert.equal(parseRetryAfterMs("Sat, 21 Nov 2026 11:59:00 GMT", now), 0);
  });
  void test("absent or garbage", () => {
    assert.equal(parseRetryAfterMs(undefined, now), undefined);
    assert.equal(parseRetryAfterMs("", now), undefined);
    assert.equal(parseRetryAfterMs("-5", now), undefined);
    assert.equal(parseRetryAfterMs("soon", now), undefined);
  });
});

void describe("backoffDelayMs", () => {
  const policy = resolveRetryPolicy({ baseDelayMs: 100, maxDelayMs: 1000 });
  void test("full jitter over a doubling ceiling, capped", () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6].map((n) => backoffDelayMs(n, policy, () => 0.5)),
      [50, 100, 200, 400, 500, 500],
    );
    assert.equal(
      backoffDelayMs(3, policy, () => 0),
      0,
    );
    assert.equal(
      backoffDelayMs(3, policy, () => 0.999),
      399,
    );
  });
});

void describe("resolveRetryPolicy", () => {
  void test("later overrides win, undefined is ignored", () => {
    const p = resolveRetryPolicy({ maxAttempts: 7 }, { maxAttempts: undefined, baseDelayMs: 10 });
    assert.equal(p.maxAttempts, 7);
    assert.equal(p.baseDelayMs, 10);
  });
  void test("rejects nonsense", () => {
    assert.throws(
      () => resolveRetryPolicy({ maxAttempts: 0 }),
      /maxAttempts must be an integer >= 1, got 0/,
    );
  });
});
