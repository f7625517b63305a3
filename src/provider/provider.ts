// The ModelDeployment dynamic provider: the object Pulumi serialises into `__provider`.
//
// It is deliberately THIN. Each method loads the project's provider entry at run time
// (load-provider-entry.ts explains why) and delegates; nothing else is captured. So the
// serialised text holds no deployment core, no zod schema, no Map/Date/#private (which fail to
// load in the host, pulumi-notes §1.10) and no secret: credentials are read by `configure` from
// stack config or the environment, in the host, and kept on this object at run time only.
//
// Methods are object-literal methods (not arrow functions) so that `this` is the provider: the
// host calls `provider.create(...)` (pulumi-notes §1.11).
import type * as pulumi from "@pulumi/pulumi";
import { loadProviderEntry, PROVIDER_API_VERSION, PROVIDER_ENTRY } from "./load-provider-entry";
import type { ProviderSecrets } from "./provider-runtime";

type Runtime = typeof import("./provider-runtime");

/** The run-time half, through the stable entry and API version stored in state. */
const runtime = (): Runtime => loadProviderEntry<Runtime>(PROVIDER_ENTRY, PROVIDER_API_VERSION);

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
    this.secrets = runtime().readProviderSecrets((key) => req.config.get(key), process.env);
    return Promise.resolve();
  },

  async check(olds, news) {
    return runtime().check(olds, news);
  },

  async diff(id, olds, news) {
    return runtime().diff(id, olds, news);
  },

  async create(inputs) {
    return runtime().create(this.secrets, inputs);
  },

  async update(id, olds, news) {
    return runtime().update(this.secrets, id, olds, news);
  },

  async read(id, props) {
    return runtime().read(this.secrets, id, props ?? {});
  },

  async delete(id, props) {
    return runtime().remove(this.secrets, id, props);
  },
};
