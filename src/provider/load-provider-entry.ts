// Loads the provider's run-time half inside the dynamic-provider host, through the project's
// STABLE ENTRY POINT, not an internal file path.
//
// Why: Pulumi serialises the provider object by value into `__provider` and stores that text in
// state (pulumi-notes.md §1.9, §1.10); `refresh` and `destroy` later run the text stored at
// the last create/update, not today's code. So what the text names is a compatibility contract
// (docs/provider-compatibility.md): the entry name `./model-deployment-provider` of package.json
// `exports`, which maps to whatever file implements it in this release, and the API version the
// text expects. Files can move freely; the entry name and the API cannot change incompatibly.
//
// Where the project is: the engine starts the host in the directory it computes from Pulumi.yaml
// (the project root, or dirname(main) when Pulumi.yaml names a `main`), so the working directory
// is not trusted: the project root is the nearest directory at or above it holding Pulumi.yaml.
//
// Everything here runs in the host: no imports at module level (they would be serialised), only
// `require` inside the body, which the serialiser leaves as-is (§1.10).

/** The entry every stored `__provider` names; see docs/provider-compatibility.md. */
export const PROVIDER_ENTRY = "./model-deployment-provider";
/** The run-time API this serialised provider calls; the entry exports `providerApiVersion`. */
export const PROVIDER_API_VERSION = 1;

/** Requires the project's provider entry and checks it speaks `apiVersion`. */
export function loadProviderEntry<T>(entry: string, apiVersion: number): T {
  /* eslint-disable @typescript-eslint/no-require-imports -- run-time loading is the point (see above) */
  const path = require("node:path") as typeof import("node:path");
  const fs = require("node:fs") as typeof import("node:fs");
  const start = process.cwd();
  let root = start;
  while (
    !fs.existsSync(path.join(root, "Pulumi.yaml")) &&
    !fs.existsSync(path.join(root, "Pulumi.yml"))
  ) {
    const parent = path.dirname(root);
    if (parent === root) {
      throw new Error(
        `triton-serving ModelDeployment provider: no Pulumi.yaml at or above ${start}; expected ` +
          `the dynamic-provider host to run inside the triton-serving project (the engine starts ` +
          `it in the project directory)`,
      );
    }
    root = parent;
  }
  const manifest = path.join(root, "package.json");
  const pkg = JSON.parse(fs.readFileSync(manifest, "utf8")) as {
    exports?: Record<string, unknown>;
  };
  const target = pkg.exports?.[entry];
  if (typeof target !== "string") {
    throw new Error(
      `triton-serving ModelDeployment provider: ${manifest} has no exports["${entry}"]; expected ` +
        `the entry the resource's state was created with (docs/provider-compatibility.md)`,
    );
  }
  const flag = Symbol.for("triton-serving.provider.ts-node-registered");
  const registry = globalThis as unknown as Record<symbol, boolean | undefined>;
  if (registry[flag] !== true) {
    // As the language host's run.js registers ts-node for the program in the project root: the
    // project's tsconfig.json (whose "ts-node" section makes it transpile-only; `tsc` checks
    // types in CI).
    const tsNode = require("ts-node") as typeof import("ts-node");
    tsNode.register({ project: path.join(root, "tsconfig.json") });
    registry[flag] = true;
  }
  const mod = require(path.join(root, target)) as T & { providerApiVersion?: unknown };
  if (mod.providerApiVersion !== apiVersion) {
    throw new Error(
      `triton-serving ModelDeployment provider: ${target} speaks provider API ` +
        `${String(mod.providerApiVersion)}; this resource's state needs API ${apiVersion} ` +
        `(docs/provider-compatibility.md)`,
    );
  }
  return mod;
  /* eslint-enable @typescript-eslint/no-require-imports */
}
