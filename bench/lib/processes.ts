// Timing shell commands (the floors: curl, sync, sha256sum) and running bench workers (the
// project's own code in a fresh Node process, so no figure shares a thread with the servers).
import { spawn } from "node:child_process";
import { join } from "node:path";

/** Wall-clock milliseconds of `sh -c command`; rejects when it fails. */
export function timeShell(command: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn("sh", ["-c", command], { stdio: ["ignore", "ignore", "pipe"] });
    const stderr: Buffer[] = [];
    child.stderr.on("data", (d: Buffer) => stderr.push(d));
    child.on("error", reject);
    child.on("exit", (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (code === 0) resolve(ms);
      else reject(new Error(`${command} exited ${code}: ${Buffer.concat(stderr).toString()}`));
    });
  });
}

/** Runs `bench/<script>` under tsx with `args`; resolves with the JSON line it prints. */
export function runWorker<T>(script: string, args: readonly string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", join(__dirname, "..", script), ...args],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (d: Buffer) => out.push(d));
    child.stderr.on("data", (d: Buffer) => err.push(d));
    child.on("error", reject);
    child.on("exit", (code) => {
      const text = Buffer.concat(out).toString().trim();
      if (code !== 0) {
        reject(
          new Error(`${script} ${args.join(" ")} exited ${code}: ${Buffer.concat(err).toString()}`),
        );
        return;
      }
      try {
        resolve(JSON.parse(text.split("\n").pop() ?? "") as T);
      } catch {
        reject(new Error(`${script} printed no JSON: ${text} ${Buffer.concat(err).toString()}`));
      }
    });
  });
}
