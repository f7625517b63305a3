// Runs every test file under test/ with Node's own test runner, TypeScript through tsx.
// Node 20's `--test` takes no globs, so the files are listed here; extra arguments are
// passed on (e.g. `npm test -- --test-name-pattern=quarantine`) and narrow the file list
// when they are paths.
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

function testFiles(dir) {
  return readdirSync(dir)
    .sort()
    .flatMap((entry) => {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) return entry === "node_modules" ? [] : testFiles(path);
      return entry.endsWith(".test.ts") ? [path] : [];
    });
}

const args = process.argv.slice(2);
const paths = args.filter((a) => !a.startsWith("-"));
const flags = args.filter((a) => a.startsWith("-"));
const files =
  paths.length > 0
    ? paths.flatMap((p) => (p.endsWith(".ts") ? [p] : testFiles(p)))
    : testFiles("test");
if (files.length === 0) {
  console.error(`no test files found under ${paths.join(", ") || "test/"}`);
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  ["--import", "tsx", "--test", "--test-concurrency=2", "--test-reporter=spec", ...flags, ...files],
  { stdio: "inherit", env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: "skip" } },
);
process.exit(result.status ?? 1);
