// The ModelDeployment dynamic provider: the object Pulumi serialises into `__provider`.
//
// It is deliberately THIN. Each method loads `provider-runtime.ts` from the project directory at
// run time (load-project-module.ts explains why) and delegates; nothing else is captured. So the
// serialised text holds no deployment core, no zod schema, no Map/Date/#private (which fail to
// load in the host, pulumi-notes §1.10) and no secret: credentials are read by `configure` from
// stack config or the environment, in the host, and kept on this object at run time only.
//
// Methods are object-literal methods (not arrow functions) so that `this` is the provider: the
// host calls `provider.create(...)` (pulumi-notes §1.11).
import type * as pulumi from "@pulumi/pulumi";
import { loadProjectModule } from "./load-project-module";
import type { ProviderSecrets } from "./provider-runtime";

type Runtime = typeof import("./provider-runtime");

/** Path of the run-time half, relative to the project directory (the host's cwd). */
const RUNTIME_MODULE = "src/provider/provider-runtime.ts";

// Untyped on purpose: what arrives is whatever the engine stored, possibly an older state shape;
// the run-time half validates inputs and migrates state before using them.
type Props = Record<string, unknown>;
type Provider = pulumi.dynamic.ResourceProvider<Props, Props> & {
  /** Set by `configure` inside the host; never set in the program, so never serialised. */
  secrets: ProviderSecrets | undefined;
};

export const modelDeploymentProvider: Provider = {
  secrets: undefined,

  async configure(req) {
    const runtime = loadProjectModule<Runtime>(RUNTIME_MODULE);
    this.secrets = runtime.readProviderSecrets((key) => req.config.get(key), process.env);
    return Promise.resolve();
  },

  async check(olds, news) {
    return loadProjectModule<Runtime>(RUNTIME_MODULE).check(olds, news);
  },

  async diff(id, olds, news) {
    return loadProjectModule<Runtime>(RUNTIME_MODULE).diff(id, olds, news);
  },

  async create(inputs) {
    return loadProjectModule<Runtime>(RUNTIME_MODULE).create(this.secrets, inputs);
  },

  async update(id, olds, news) {
    return loadProjectModule<Runtime>(RUNTIME_MODULE).update(this.secrets, id, olds, news);
  },

  async read(id, props) {
    return loadProjectModule<Runtime>(RUNTIME_MODULE).read(this.secrets, id, props ?? {});
  },

  async delete(id, props) {
    return loadProjectModule<Runtime>(RUNTIME_MODULE).remove(this.secrets, id, props);
  },
};
