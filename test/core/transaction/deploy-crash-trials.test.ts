// Issue 10 point 2, the suite's share: 20 seeded crash trials (crash-trials.ts says what each one
// checks), alternating one and two Triton-compatible servers on one repository, with version-less
// client load throughout. The full run of 200+ trials is `node --import tsx
// scripts/crash-trials.ts`; this keeps CI's time down while covering every kind of candidate.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { runCrashTrials } from "./crash-trials";

void describe("crash trials", () => {
  void test("20 seeded trials: no violation after any kill, and the next run always converges", async () => {
    const records = await runCrashTrials({ trials: 20, seed: 1000 });
    // The seeds decide the candidates; where each delay lands varies with the machine's speed.
    assert.deepEqual(
      records.map((r) => [r.seed, r.pods, r.kind]),
      [
        "good",
        "broken-smoke",
        "broken-validate",
        "good",
        "early",
        "broken-smoke",
        "reused-number",
        "good",
        "good",
        "broken-validate",
        "early",
        "early",
        "broken-smoke",
        "reused-number",
        "early",
        "early",
        "reused-number",
        "broken-smoke",
        "broken-smoke",
        "early",
      ].map((kind, i) => [1000 + i, 1 + (i % 2), kind]),
    );
    assert.deepEqual(
      records
        .filter((r) => r.violations.length > 0)
        .map((r) => ({ seed: r.seed, landed: r.landed, violations: r.violations })),
      [],
    );
    assert.ok(records.every((r) => r.requests > 0));
  });
});
