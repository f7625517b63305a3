// Loads a TypeScript module of this project at run time, inside the dynamic-provider host.
//
// Why: Pulumi serialises the provider object by value (pulumi-notes.md §1.9, §1.10). Anything it
// captures — the deployment core, zod schemas, Maps, Dates, `#private` fields, secrets — would be
// copied into `__provider` (stored twice per resource in state) or fail to load in the host. So the
// provider captures only this function, and this function `require()`s the real code from the
// project directory when a method runs. The engine starts the host with cwd = the project directory,
// so `process.cwd()` locates the sources, and ts-node (a peer dependency Pulumi already needs for
// TypeScript programs) compiles them, registered once per process.
//
// Everything here runs in the host: no imports at module level (they would be serialised), only
// `require` inside the body, which the serialiser leaves as-is (§1.10).

/**
 * Requires `<cwd>/<relativePath>` (a `.ts` file of this project) and returns its exports.
 * Throws a clear error when the host does not run in the project directory.
 */
export function loadProjectModule<T>(relativePath: string): T {
  /* eslint-disable @typescript-eslint/no-require-imports -- run-time loading is the point (see above) */
  const path = require("node:path") as typeof import("node:path");
  const fs = require("node:fs") as typeof import("node:fs");
  const cwd = process.cwd();
  const file = path.join(cwd, relativePath);
  if (!fs.existsSync(file)) {
    throw new Error(
      `triton-serving ModelDeployment provider: cannot find ${file}; expected the dynamic-provider ` +
        `host to run in the triton-serving project directory (the engine starts it with cwd = the ` +
        `directory of Pulumi.yaml), but its working directory is ${cwd}`,
    );
  }
  const flag = Symbol.for("triton-serving.provider.ts-node-registered");
  const registry = globalThis as unknown as Record<symbol, boolean | undefined>;
  if (registry[flag] !== true) {
    const tsNode = require("ts-node") as typeof import("ts-node");
    tsNode.register({
      transpileOnly: true,
      // The sources are CommonJS (package.json has no "type": "module"); pin that so ts-node does
      // not depend on how its version understands `module: nodenext`.
      compilerOptions: { module: "commonjs", moduleResolution: "node10", sourceMap: true },
      project: path.join(cwd, "tsconfig.json"),
    });
    registry[flag] = true;
  }
  return require(file) as T;
  /* eslint-enable @typescript-eslint/no-require-imports */
}
