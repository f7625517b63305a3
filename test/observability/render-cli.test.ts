// `npm run render`: writes the four files of a stack from its stack file, and fails clearly.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { main } from "../../src/cli/render";
import { RENDERED_FILE_NAMES, renderObservabilityFiles } from "../../src/observability";
import { PROJECT_DIR, projectStacks, stackInput } from "./support/inputs";
import { makeTempDir, runTool } from "./support/tools";

const tmp = makeTempDir("render-cli");
after(() => tmp.remove());

/** Runs main() with console output captured. */
function runMain(argv: string[]): { code: number; out: string; err: string } {
  const out: string[] = [];
  const err: string[] = [];
  const log = console.log;
  const error = console.error;
  console.log = (...a: unknown[]) => void out.push(a.join(" "));
  console.error = (...a: unknown[]) => void err.push(a.join(" "));
  try {
    return { code: main(argv, PROJECT_DIR), out: out.join("\n"), err: err.join("\n") };
  } finally {
    console.log = log;
    console.error = error;
  }
}

void test("the project has stack files to render", () => {
  assert.ok(projectStacks().length >= 2, `stacks: ${projectStacks().join(", ")}`);
});

for (const stack of projectStacks()) {
  void test(`--stack ${stack} writes rules.yaml, alertmanager.yaml, dashboard.json and values.yaml`, () => {
    const out = join(tmp.path, stack);
    const r = runMain(["--stack", stack, "--out", out]);
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(readdirSync(out).sort(), [...RENDERED_FILE_NAMES].sort());
    const expected = renderObservabilityFiles(stackInput(stack));
    for (const name of RENDERED_FILE_NAMES) {
      assert.equal(readFileSync(join(out, name), "utf8"), expected[name], name);
    }
    assert.equal(r.out.split("\n").length, 4);
  });
}

void test("a missing --out is a usage error (exit 2) that says what is missing", () => {
  const r = runMain(["--stack", "anything"]);
  assert.equal(r.code, 2);
  assert.match(
    r.err,
    /^render: missing --out\nusage: npm run render -- --stack <name> --out <dir>/,
  );
});

void test("an unknown option is a usage error (exit 2)", () => {
  const r = runMain(["--stack", "x", "--out", "y", "--colour"]);
  assert.equal(r.code, 2);
  assert.match(r.err, /Unknown option '--colour'/);
});

void test("a stack without a stack file fails with exit 1 naming the file", () => {
  const r = runMain(["--stack", "no-such-stack", "--out", join(tmp.path, "x")]);
  assert.equal(r.code, 1);
  assert.match(r.err, /Pulumi\.no-such-stack\.yaml/);
  assert.match(r.err, /expected the config of stack "no-such-stack"/);
});

void test("as a process: no arguments exits 2 with the usage on stderr", async () => {
  const r = await runTool(process.execPath, ["--import", "tsx", "src/cli/render.ts"], PROJECT_DIR);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /render: missing --stack and --out/);
  assert.equal(r.stdout, "");
});
