import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readdir, readFile, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { LockHeldError } from "../../../src/core/errors";
import { acquireLock, readLock, type LockRecord } from "../../../src/core/repository";

async function lockPath(): Promise<string> {
  return join(await mkdtemp(join(tmpdir(), "lock-")), ".deploy.lock");
}

/** A pid that certainly belonged to a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]);
  return Number(child.stdout.toString());
}

function record(over: Partial<LockRecord>): LockRecord {
  return {
    token: "t0",
    owner: "ci",
    pid: 1,
    host: "other-host",
    startedAtUtc: "2026-11-21T20:00:00.000Z",
    operation: "deploy iris version 3",
    ...over,
  };
}

void describe(".deploy.lock", () => {
  void test("records owner, pid, host, start time and operation; release removes it", async () => {
    const path = await lockPath();
    const lock = await acquireLock(path, {
      owner: "alice",
      operation: "deploy iris version 4",
      host: "h1",
      now: () => new Date("2026-11-21T23:00:00.000Z"),
    });
    const onDisk = JSON.parse(await readFile(path, "utf8"));
    assert.deepEqual(
      { ...onDisk, token: "x" },
      {
        token: "x",
        owner: "alice",
        pid: process.pid,
        host: "h1",
        startedAtUtc: "2026-11-21T23:00:00.000Z",
        operation: "deploy iris version 4",
      },
    );
    await lock.release();
    assert.equal(await readLock(path), "absent");
  });

  void test("a live holder makes the next acquire fail with a message naming it", async () => {
    const path = await lockPath();
    const first = await acquireLock(path, { owner: "alice", operation: "deploy iris version 4" });
    await assert.rejects(
      acquireLock(path, { owner: "bob", operation: "deploy iris version 5" }),
      (error: unknown) => {
        assert.ok(error instanceof LockHeldError);
        assert.equal(
          error.message,
          `lock ${path} is held by alice (pid ${process.pid} on ${first.record.host}, deploy iris version 4, since ${first.record.startedAtUtc}); expected it to be free (another deployment is running); wait for it to finish; if pid ${process.pid} hangs, stop it (kill ${process.pid}) and deploy again: a lock whose process has exited is taken over at once`,
        );
        return true;
      },
    );
    await first.release();
  });

  void test("a waiting acquire gets the lock once the holder releases it", async () => {
    const path = await lockPath();
    const first = await acquireLock(path, { owner: "a", operation: "x" });
    const second = acquireLock(path, { owner: "b", operation: "y", waitMs: 5000, pollMs: 10 });
    setTimeout(() => void first.release(), 50);
    const lock = await second;
    assert.equal(lock.record.owner, "b");
    await lock.release();
  });

  void test("same host and a dead pid: the stale lock is taken over", async () => {
    const path = await lockPath();
    await writeFile(path, JSON.stringify(record({ host: "h1", pid: deadPid() })));
    let tookOver: LockRecord | undefined;
    const lock = await acquireLock(path, {
      owner: "b",
      operation: "y",
      host: "h1",
      onTakeover: (stale) => (tookOver = stale),
    });
    assert.equal(tookOver?.token, "t0");
    assert.equal(((await readLock(path)) as LockRecord).token, lock.record.token);
    assert.deepEqual(
      (await readdir(join(path, ".."))).sort(),
      [".deploy.lock"],
      "no takeover leftovers",
    );
    await lock.release();
  });

  void test("another host: held until older than the TTL, then taken over", async () => {
    const path = await lockPath();
    await writeFile(path, JSON.stringify(record({ startedAtUtc: "2026-11-21T22:00:00.000Z" })));
    const at = (iso: string) => () => new Date(iso);
    await assert.rejects(
      acquireLock(path, {
        owner: "b",
        operation: "y",
        host: "h1",
        staleAfterMs: 3_600_000,
        now: at("2026-11-21T22:59:00.000Z"),
      }),
      LockHeldError,
    );
    const lock = await acquireLock(path, {
      owner: "b",
      operation: "y",
      host: "h1",
      staleAfterMs: 3_600_000,
      now: at("2026-11-21T23:00:01.000Z"),
    });
    assert.equal(lock.record.owner, "b");
    await lock.release();
  });

  void test("same host with a live (possibly reused) pid: stale only after the TTL", async () => {
    const path = await lockPath();
    await writeFile(
      path,
      JSON.stringify(
        record({ host: "h1", pid: process.ppid, startedAtUtc: "2026-11-21T22:00:00.000Z" }),
      ),
    );
    const options = { owner: "b", operation: "y", host: "h1", staleAfterMs: 3_600_000 };
    await assert.rejects(
      acquireLock(path, { ...options, now: () => new Date("2026-11-21T22:30:00.000Z") }),
      LockHeldError,
    );
    const lock = await acquireLock(path, {
      ...options,
      now: () => new Date("2026-11-21T23:00:01.000Z"),
    });
    await lock.release();
  });

  void test("a torn lock file is stale once older than the TTL (by mtime)", async () => {
    const path = await lockPath();
    await writeFile(path, '{"tok');
    await assert.rejects(acquireLock(path, { owner: "b", operation: "y" }), LockHeldError);
    const old = new Date(Date.now() - 10_000);
    await utimes(path, old, old);
    const lock = await acquireLock(path, { owner: "b", operation: "y", staleAfterMs: 5_000 });
    await lock.release();
  });

  void test("release never removes a lock that was taken over by someone else", async () => {
    const path = await lockPath();
    const lock = await acquireLock(path, { owner: "a", operation: "x" });
    await writeFile(path, JSON.stringify(record({ token: "someone-else" })));
    await lock.release();
    assert.equal(((await readLock(path)) as LockRecord).token, "someone-else");
  });

  void test("many concurrent takers of one stale lock: exactly one wins", async () => {
    const path = await lockPath();
    await writeFile(path, JSON.stringify(record({ host: "h1", pid: deadPid() })));
    const outcomes = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) =>
        acquireLock(path, { owner: `p${i}`, operation: "x", host: "h1" }),
      ),
    );
    const winners = outcomes.filter((o) => o.status === "fulfilled");
    assert.equal(winners.length, 1);
    assert.ok(outcomes.every((o) => o.status === "fulfilled" || o.reason instanceof LockHeldError));
  });
});

void describe(".deploy.lock states a crash or a full disk can leave", () => {
  void test("the lock file appears complete: creating it leaves no empty file and no temporary file", async () => {
    const path = await lockPath();
    const lock = await acquireLock(path, { owner: "a", operation: "x" });
    assert.equal(((await readLock(path)) as LockRecord).token, lock.record.token);
    assert.deepEqual((await readdir(join(path, ".."))).sort(), [".deploy.lock"]);
    await lock.release();
  });

  void test("a temporary record left by a writer killed before the link does not block", async () => {
    const path = await lockPath();
    await writeFile(join(path, "..", ".tmp-.deploy.lock-0a1b2c"), "");
    const lock = await acquireLock(path, { owner: "b", operation: "y" });
    assert.equal(lock.record.owner, "b");
    await lock.release();
  });

  void test("an empty lock file (an older writer killed between create and write) is held for 5 s after it was written, then taken over", async () => {
    const path = await lockPath();
    await writeFile(path, "");
    const written = new Date("2026-11-21T23:00:00.000Z");
    await utimes(path, written, written);
    await assert.rejects(
      acquireLock(path, {
        owner: "b",
        operation: "y",
        now: () => new Date("2026-11-21T23:00:04.000Z"),
      }),
      (error: unknown) => {
        assert.ok(error instanceof LockHeldError);
        assert.equal(
          error.message,
          `lock ${path} is held by an unreadable lock record (written at 2026-11-21T23:00:00.000Z, no holder named); expected it to be free (another deployment is running); it is treated as abandoned at 2026-11-21T23:00:05.000Z: deploy again after that`,
        );
        return true;
      },
    );
    let tookOver = false;
    const lock = await acquireLock(path, {
      owner: "b",
      operation: "y",
      now: () => new Date("2026-11-21T23:00:05.001Z"),
      onTakeover: () => (tookOver = true),
    });
    assert.equal(tookOver, true);
    assert.deepEqual((await readdir(join(path, ".."))).sort(), [".deploy.lock"]);
    await lock.release();
  });

  void test("a holder that exited but is still a zombie (not reaped) is gone: its lock is taken over at once", async () => {
    const path = await lockPath();
    // sh starts a short child, then becomes `sleep 30`, which never reaps it: the child stays a
    // zombie while the sleep runs.
    const parent = spawn("sh", ["-c", "sleep 0 & echo $!; exec sleep 30"], {
      stdio: ["ignore", "pipe", "ignore"],
    });
    try {
      const [line] = (await once(parent.stdout, "data")) as [Buffer];
      const zombie = Number(line.toString().trim());
      while (!(await readFile(`/proc/${zombie}/stat`, "utf8")).includes(") Z ")) {
        await new Promise((resolve) => setImmediate(resolve));
      }
      await writeFile(path, JSON.stringify(record({ host: "h1", pid: zombie })));
      const lock = await acquireLock(path, { owner: "b", operation: "y", host: "h1" });
      assert.equal(lock.record.owner, "b");
      await lock.release();
    } finally {
      parent.kill("SIGKILL");
    }
  });

  void test("a takeover guard left by a taker killed mid-takeover (dead pid, this host) is removed at once", async () => {
    const path = await lockPath();
    await writeFile(path, JSON.stringify(record({ host: "h1", pid: deadPid() })));
    await writeFile(
      `${path}.takeover`,
      JSON.stringify(record({ token: "g", host: "h1", pid: deadPid(), owner: "takeover" })),
    );
    const lock = await acquireLock(path, { owner: "b", operation: "y", host: "h1" });
    assert.deepEqual((await readdir(join(path, ".."))).sort(), [".deploy.lock"]);
    await lock.release();
  });

  void test("an empty takeover guard (an older taker killed mid-write) is removed once 5 s old", async () => {
    const path = await lockPath();
    await writeFile(path, JSON.stringify(record({ host: "h1", pid: deadPid() })));
    await writeFile(`${path}.takeover`, "");
    const old = new Date(Date.now() - 6_000);
    await utimes(`${path}.takeover`, old, old);
    const lock = await acquireLock(path, { owner: "b", operation: "y", host: "h1" });
    assert.deepEqual((await readdir(join(path, ".."))).sort(), [".deploy.lock"]);
    await lock.release();
  });

  void test("a holder alive on another host is named with how to recover", async () => {
    const path = await lockPath();
    await writeFile(path, JSON.stringify(record({ startedAtUtc: "2026-11-21T22:00:00.000Z" })));
    await assert.rejects(
      acquireLock(path, {
        owner: "b",
        operation: "y",
        host: "h1",
        staleAfterMs: 3_600_000,
        now: () => new Date("2026-11-21T22:10:00.000Z"),
      }),
      {
        message: `lock ${path} is held by ci (pid 1 on other-host, deploy iris version 3, since 2026-11-21T22:00:00.000Z); expected it to be free (another deployment is running); wait for it to finish; if host other-host or that process is gone, remove ${path} and deploy again (it is treated as abandoned at 2026-11-21T23:00:00.000Z)`,
      },
    );
  });
});
