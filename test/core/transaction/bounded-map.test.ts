// mapBounded: at most `limit` calls at once, the next one starting as soon as one ends, results
// in input order whatever order the calls finish in.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { mapBounded } from "../../../src/core";

/** A call the test finishes by hand, so the order of events is the test's, not a timer's. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

void describe("mapBounded", () => {
  void test("runs 3 at a time, starts the 4th when one finishes, keeps the input order", async () => {
    const calls = Array.from({ length: 5 }, () => deferred<string>());
    const started: number[] = [];
    let running = 0;
    let most = 0;
    const started3 = deferred<void>();
    const started4 = deferred<void>();
    const all = mapBounded(["a", "b", "c", "d", "e"], 3, async (item, index) => {
      started.push(index);
      running++;
      most = Math.max(most, running);
      if (started.length === 3) started3.resolve();
      if (started.length === 4) started4.resolve();
      const value = await calls[index]!.promise;
      running--;
      return `${item}${value}`;
    });
    await started3.promise;
    assert.deepEqual(started, [0, 1, 2]);
    calls[1]!.resolve("1"); // the second finishes first
    await started4.promise;
    assert.deepEqual(started, [0, 1, 2, 3]);
    for (const i of [4, 3, 2, 0]) calls[i]!.resolve(String(i));
    assert.deepEqual(await all, ["a0", "b1", "c2", "d3", "e4"]);
    assert.equal(most, 3);
  });

  void test("fewer items than the limit, and none at all", async () => {
    assert.deepEqual(await mapBounded([1, 2], 8, (n) => Promise.resolve(n * 10)), [10, 20]);
    assert.deepEqual(await mapBounded([], 4, () => Promise.resolve(1)), []);
  });

  void test("a limit that is not a positive integer is refused with the value", async () => {
    await assert.rejects(
      mapBounded([1], 0, () => Promise.resolve(1)),
      {
        message: "limit 0 is not a positive integer",
      },
    );
  });
});
