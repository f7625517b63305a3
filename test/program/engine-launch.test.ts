// The harness starts the program and the dynamic-provider host where the engine would, by the
// engine's own rule (pulumi/pulumi pkg/engine/project.go getPwdMain) applied to Pulumi.yaml — so a
// change to Pulumi.yaml's `main` changes where every program and host test runs, as it changes
// where `pulumi up` runs (docs/engine-launch.md).
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { engineLaunch, findProjectRoot, pwdAndMain } from "../support/engine/pulumi-project";
import { runPulumiProgram } from "../support/engine/run-program";
import { PROJECT_DIR } from "./harness/run-stack";

const scratch = mkdtempSync(join(tmpdir(), "engine-launch-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

describe("the engine's working directory and entry point (getPwdMain)", () => {
  mkdirSync(join(scratch, "app", "src"), { recursive: true });
  writeFileSync(join(scratch, "app", "src", "index.ts"), "");
  const root = join(scratch, "app");

  test("no main: the project root and entry '.'", () => {
    assert.deepEqual(pwdAndMain(root, undefined), { pwd: root, main: "." });
  });
  test("main naming a file: its directory and its base name", () => {
    assert.deepEqual(pwdAndMain(root, "src/index.ts"), {
      pwd: join(root, "src"),
      main: "index.ts",
    });
  });
  test("main naming a directory: that directory and entry '.'", () => {
    assert.deepEqual(pwdAndMain(root, "src"), { pwd: join(root, "src"), main: "." });
  });
  test("an absolute main, or one outside the project, is the engine's error", () => {
    assert.throws(() => pwdAndMain(root, "/etc"), {
      message: "project 'main' must be a relative path",
    });
    assert.throws(() => pwdAndMain(root, "../elsewhere"), {
      message: "project 'main' must be a subfolder",
    });
  });
});

describe("this project", () => {
  test("is found from any directory inside it, as the CLI finds Pulumi.yaml", () => {
    assert.equal(findProjectRoot(join(PROJECT_DIR, "src", "provider")), PROJECT_DIR);
  });

  test("Pulumi.yaml has no main: the engine runs in the project root; TypeScript through run.js", () => {
    assert.deepEqual(engineLaunch(PROJECT_DIR), {
      projectRoot: PROJECT_DIR,
      projectName: "triton-serving",
      workingDirectory: PROJECT_DIR,
      entryPoint: ".",
      runtimeEnv: { PULUMI_NODEJS_TYPESCRIPT: "true" },
      nodeArgs: [],
    });
  });

  test("a Pulumi.yaml `main` moves the run to dirname(main), in the harness as in the engine", async () => {
    // A small project beside this one whose Pulumi.yaml names a main file in a subdirectory.
    const other = join(scratch, "with-main");
    mkdirSync(join(other, "app"), { recursive: true });
    symlinkSync(join(PROJECT_DIR, "node_modules"), join(other, "node_modules"));
    writeFileSync(join(other, "package.json"), '{ "name": "with-main", "private": true }\n');
    writeFileSync(join(other, "app", "main.ts"), "export const ran: string = process.cwd();\n");
    writeFileSync(
      join(other, "Pulumi.yaml"),
      "name: with-main\nruntime:\n  name: nodejs\n  options:\n    typescript: true\nmain: app/main.ts\n",
    );
    const run = await runPulumiProgram({
      projectRoot: other,
      stack: "dev",
      config: {},
      secretKeys: [],
    });
    assert.equal(run.ok, true, run.ok ? "" : run.error);
    // The program's own view of its working directory, exported as a stack output.
    assert.deepEqual(run.ok ? run.outputs : {}, { ran: join(other, "app") });
  });
});
