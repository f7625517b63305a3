// How the Pulumi engine starts this project, derived from Pulumi.yaml with the engine's own rules,
// so that every harness starts the program and the dynamic-provider host where and how the real
// `pulumi preview/up/refresh/destroy` would (docs/engine-launch.md).
//
// - Working directory and entry point: `getPwdMain` (pulumi/pulumi pkg/engine/project.go): no
//   `main` → the project root and entry ".", `main` naming a directory → that directory and ".",
//   `main` naming a file → its directory and its base name. An absolute `main`, or one outside the
//   project, is an error. The program AND every plugin (the dynamic-provider host included) run
//   in that directory.
// - Runtime options (pulumi-language-nodejs `parseOptions`/`execNodejs`): `typescript: true`
//   becomes PULUMI_NODEJS_TYPESCRIPT=true, `tsconfig: <path>` PULUMI_NODEJS_TSCONFIG_PATH, and
//   `nodeargs` extra arguments before the runner.
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, basename, relative, resolve, sep } from "node:path";
import { parse } from "yaml";

export interface EngineLaunch {
  /** The directory holding Pulumi.yaml. */
  projectRoot: string;
  /** `name:` of Pulumi.yaml (PULUMI_NODEJS_PROJECT / --project). */
  projectName: string;
  /** Where the engine runs the program and every plugin. */
  workingDirectory: string;
  /** The entry point the language host passes to the runner (relative to the working directory). */
  entryPoint: string;
  /** What the language host adds to the environment of the program process. */
  runtimeEnv: Record<string, string>;
  /** `runtime.options.nodeargs`, split as the language host splits them. */
  nodeArgs: string[];
}

/** The project root: the nearest directory at or above `from` that holds Pulumi.yaml. */
export function findProjectRoot(from: string): string {
  let dir = resolve(from);
  for (;;) {
    if (existsSync(join(dir, "Pulumi.yaml")) || existsSync(join(dir, "Pulumi.yml"))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no Pulumi.yaml at or above ${from}`);
    dir = parent;
  }
}

/** `getPwdMain`, as the engine computes it. */
export function pwdAndMain(
  projectRoot: string,
  main: string | undefined,
): { pwd: string; main: string } {
  if (main === undefined || main === "") return { pwd: projectRoot, main: "." };
  if (isAbsolute(main)) throw new Error("project 'main' must be a relative path");
  const target = resolve(projectRoot, main);
  const rel = relative(projectRoot, target);
  if (rel.startsWith("..") || isAbsolute(rel) || rel.split(sep)[0] === "..") {
    throw new Error("project 'main' must be a subfolder");
  }
  if (!existsSync(target)) throw new Error(`project 'main' could not be read: ${target}`);
  return statSync(target).isDirectory()
    ? { pwd: target, main: "." }
    : { pwd: dirname(target), main: basename(target) };
}

interface ProjectFile {
  name?: unknown;
  main?: unknown;
  runtime?: unknown;
}

/** Reads Pulumi.yaml at `projectRoot` and applies the engine's and language host's rules. */
export function engineLaunch(projectRoot: string): EngineLaunch {
  const file = ["Pulumi.yaml", "Pulumi.yml"]
    .map((f) => join(projectRoot, f))
    .find((f) => existsSync(f));
  if (file === undefined) throw new Error(`no Pulumi.yaml in ${projectRoot}`);
  const project = (parse(readFileSync(file, "utf8")) ?? {}) as ProjectFile;
  if (typeof project.name !== "string") throw new Error(`${file}: 'name' must be a string`);
  const main = typeof project.main === "string" ? project.main : undefined;
  const { pwd, main: entryPoint } = pwdAndMain(projectRoot, main);
  const options =
    typeof project.runtime === "object" && project.runtime !== null
      ? (((project.runtime as Record<string, unknown>).options ?? {}) as Record<string, unknown>)
      : {};
  const runtimeEnv: Record<string, string> = {};
  if (options.typescript === undefined || options.typescript === true) {
    // The language host's default for `typescript` is true.
    runtimeEnv.PULUMI_NODEJS_TYPESCRIPT = "true";
  }
  if (typeof options.tsconfig === "string" && options.tsconfig !== "") {
    runtimeEnv.PULUMI_NODEJS_TSCONFIG_PATH = options.tsconfig;
  }
  const nodeArgs =
    typeof options.nodeargs === "string" ? options.nodeargs.split(/\s+/).filter(Boolean) : [];
  return {
    projectRoot,
    projectName: project.name,
    workingDirectory: pwd,
    entryPoint,
    runtimeEnv,
    nodeArgs,
  };
}

/**
 * The environment a process started by the Pulumi CLI has: the CLI's own (the user's shell) and
 * nothing the test runner added. Tests pass what a user would have exported (credentials) in
 * `extra`; PATH leads with the Node.js that runs the tests, so `node` in the plugin shim is it.
 */
export function userShellEnvironment(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {
    PATH: [dirname(process.execPath), "/usr/local/bin", "/usr/bin", "/bin"].join(":"),
    HOME: process.env.HOME ?? "/root",
    LANG: "C.UTF-8",
  };
  if (process.env.TMPDIR !== undefined) env.TMPDIR = process.env.TMPDIR;
  return { ...env, ...extra };
}
