// The bad-input corpus (issue 10 point 3, issue 15 point 5): one table of bad stack configs,
// MLflow answers, artifacts, Triton behaviours and repository states, each run through the model
// CLI against the Triton- and MLflow-compatible test servers. Every case asserts the exact
// message (the thing, the value, what was expected), the exit code, and that nothing committed
// changed: the committed files byte for byte, and Triton still serving the committed version.
// The few good-but-awkward inputs (nested external data, a closing proxy, a corrupted byte
// retried) must commit instead.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { MODEL, readyVersions } from "../core/transaction/harness";
import { artifactCases } from "./cases/artifact-cases";
import { configCases } from "./cases/config-cases";
import type { CorpusCase } from "./cases/corpus-case";
import { mlflowCases } from "./cases/mlflow-cases";
import { repositoryCases } from "./cases/repository-cases";
import { tritonCases } from "./cases/triton-cases";
import { runCli } from "../cli/cli-project";
import { committedBytes, startCorpusBench, type CorpusBench } from "./corpus-bench";

const CASES: CorpusCase[] = [
  ...configCases,
  ...mlflowCases,
  ...artifactCases,
  ...tritonCases,
  ...repositoryCases,
];

function withOverrides(
  env: Record<string, string>,
  overrides: Record<string, string | undefined> = {},
): Record<string, string> {
  const out = { ...env };
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) delete out[k];
    else out[k] = v;
  }
  return out;
}

void describe(`bad-input corpus (${CASES.length} cases)`, () => {
  let b: CorpusBench;

  before(async () => {
    b = await startCorpusBench();
  });
  after(async () => {
    await b.close();
  });

  void test("has at least 40 cases, every group represented", () => {
    assert.ok(CASES.length >= 40, `${CASES.length} cases`);
    assert.deepEqual([...new Set(CASES.map((c) => c.group))].sort(), [
      "artifact",
      "mlflow",
      "repository",
      "stack config",
      "triton",
    ]);
  });

  for (const c of CASES) {
    void test(`${c.group}: ${c.name}`, async () => {
      const triton = b.bench.tritons[0]!;
      const committedBefore = await committedBytes(b.bench.root, b.committed);
      const arranged = await c.arrange(b);
      let run;
      try {
        run = await runCli(
          arranged.argv ?? ["deploy", "--stack", "cli"],
          withOverrides(b.env, arranged.env),
          arranged.project ?? b.project,
        );
      } finally {
        await arranged.cleanup?.();
        triton.resetControls();
        b.bench.mlflow.faults.clear();
      }
      const text = arranged.stream === "stdout" ? run.stdout : run.stderr;
      const expected = arranged.message;
      // The outcome is the last line(s); the progress lines before it carry timings.
      const lines = typeof expected === "string" ? expected.split("\n").length : 1;
      const message = arranged.whole ? text : text.trimEnd().split("\n").slice(-lines).join("\n");
      if (typeof expected === "string") assert.equal(message, expected, run.stderr);
      else assert.match(message, expected, run.stderr);
      assert.equal(run.code, arranged.exit, run.stderr);
      if (arranged.commits !== undefined) {
        const current = JSON.parse(
          await readFile(join(b.bench.root, MODEL, "current.json"), "utf8"),
        ) as { active_version: unknown };
        assert.equal(String(current.active_version), arranged.commits);
        assert.deepEqual(readyVersions(triton), [Number(arranged.commits)]);
        b.committed = arranged.commits;
        return;
      }
      assert.deepEqual(await committedBytes(b.bench.root, b.committed), committedBefore);
      assert.deepEqual(readyVersions(triton), [Number(b.committed)]);
      assert.deepEqual(readyVersions(triton, `${MODEL}.staging`), []);
    });
  }
});
