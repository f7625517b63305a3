// Drives Pulumi's own dynamic-provider host (`@pulumi/pulumi/cmd/dynamic-provider`) over gRPC,
// as the engine does during `pulumi preview/up/refresh/destroy` (pulumi-notes.md §1.2, §2.5).
// There is no public test API for this host; the call shapes below are the ones the engine
// sends: every property map carries the serialised provider as `__provider`, Configure comes
// first, unknowns are the sentinel string, and errors come back as gRPC status + details.
import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { Struct, type JavaScriptValue } from "google-protobuf/google/protobuf/struct_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { ResourceProviderClient } from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as providerProto from "@pulumi/pulumi/proto/provider_pb";
import { Status } from "@pulumi/pulumi/proto/status_pb";
import { engineLaunch, userShellEnvironment } from "./engine/pulumi-project";

/** The engine's wire form of an unknown value (`pulumi.runtime.unknownValue`). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG_VALUE = "1b47061264138c4ac30d75fd1eb44270";

export type Props = Record<string, unknown>;

/** Wraps a value the way the engine marks secret config (accepted by Configure). */
export function secret(value: string): Props {
  return { [SECRET_SIG_KEY]: SECRET_SIG_VALUE, value };
}

/** A failed RPC as the engine sees it: status code, message, and any init-failure details. */
export class HostRpcError extends Error {
  constructor(
    readonly method: string,
    readonly code: number,
    readonly details: string,
    readonly initFailure?: { id: string; properties: Props; reasons: string[] },
  ) {
    super(`${method} failed with gRPC status ${code}: ${details}`);
    this.name = "HostRpcError";
  }
}

export type DiffChanges = "unknown" | "none" | "some";

export interface StartOptions {
  /** The directory holding Pulumi.yaml; the host starts where the engine computes from it. */
  projectRoot: string;
  /**
   * Only to prove what another Pulumi.yaml would do: start the host here instead of the
   * directory the engine computes from this project's Pulumi.yaml.
   */
  workingDirectory?: string;
  /** The serialised provider (`__provider` from a mocks run); added to every property map. */
  providerText: string;
  /** Variables of the user's shell that runs `pulumi` (e.g. standard credential variables). */
  env?: Record<string, string>;
  /** Called with every chunk the host writes to stdout/stderr (what `pulumi up` would show). */
  onOutput?: (stream: "stdout" | "stderr", text: string) => void;
}

export interface ProviderHost {
  readonly port: number;
  /** Everything the host wrote after its port line (provider logs, progress). */
  output(): { stdout: string; stderr: string };
  configure(config: Props): Promise<{ acceptSecrets: boolean; supportsPreview: boolean }>;
  check(
    urn: string,
    olds: Props,
    news: Props,
  ): Promise<{ inputs: Props; failures: { property: string; reason: string }[] }>;
  diff(
    id: string,
    urn: string,
    olds: Props,
    news: Props,
  ): Promise<{ changes: DiffChanges; replaces: string[]; deleteBeforeReplace: boolean }>;
  create(urn: string, properties: Props): Promise<{ id: string; properties: Props }>;
  read(
    id: string,
    urn: string,
    properties: Props,
  ): Promise<{ id: string; properties: Props; inputs: Props | undefined }>;
  update(id: string, urn: string, olds: Props, news: Props): Promise<{ properties: Props }>;
  delete(id: string, urn: string, properties: Props): Promise<void>;
  pluginVersion(): Promise<string>;
  close(): Promise<void>;
}

const PROVIDER_KEY = "__provider";

/**
 * Starts the host as the engine does (pulumi/pulumi pkg/resource/plugin/plugin.go `ExecPlugin`):
 * the `pulumi-resource-pulumi-nodejs` plugin shim, executed in the directory the engine computes
 * from Pulumi.yaml, with the engine address as its one argument and the CLI's environment (here:
 * a user's shell, nothing of the test runner's) plus the project name. The shim resolves
 * `@pulumi/pulumi/cmd/dynamic-provider` from that directory and runs it with `node` from PATH.
 */
export async function startProviderHost(options: StartOptions): Promise<ProviderHost> {
  const launch = engineLaunch(options.projectRoot);
  const cwd = options.workingDirectory ?? launch.workingDirectory;
  const shim = join(
    dirname(createRequire(join(cwd, "noop.js")).resolve("@pulumi/pulumi/package.json")),
    "pulumi-resource-pulumi-nodejs",
  );
  // The single argument is the engine address; the host never dials it (pulumi-notes §2.5).
  // Its own process group, so that closing it ends the shim and the node process under it.
  const child = spawn(shim, ["127.0.0.1:1"], {
    cwd,
    detached: true,
    env: {
      ...userShellEnvironment(options.env),
      PULUMI_NODEJS_PROJECT: launch.projectName,
      PULUMI_PROJECT: launch.projectName,
      // A plugin's PULUMI_CONFIG holds only its own package's keys (pulumi-nodejs: none here);
      // stack config reaches the provider through Configure (pulumi-notes §1.6).
      PULUMI_CONFIG: "{}",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output = { stdout: "", stderr: "" };
  const port = await readPort(child, output, options.onOutput);
  const client = new ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const withProvider = (props: Props): Props => ({
    ...props,
    [PROVIDER_KEY]: props[PROVIDER_KEY] ?? options.providerText,
  });
  const toStruct = (props: Props) =>
    Struct.fromJavaScript(props as Record<string, JavaScriptValue>);

  return {
    port,
    output: () => ({ ...output }),
    async configure(config) {
      const req = new providerProto.ConfigureRequest();
      req.setArgs(toStruct(config));
      const resp = await unary<providerProto.ConfigureResponse>(client, "configure", req);
      return { acceptSecrets: resp.getAcceptsecrets(), supportsPreview: resp.getSupportspreview() };
    },
    async check(urn, olds, news) {
      const req = new providerProto.CheckRequest();
      req.setUrn(urn);
      req.setOlds(toStruct(olds));
      req.setNews(toStruct(withProvider(news)));
      const resp = await unary<providerProto.CheckResponse>(client, "check", req);
      return {
        inputs: stripProvider(resp.getInputs()?.toJavaScript() ?? {}),
        failures: resp
          .getFailuresList()
          .map((f) => ({ property: f.getProperty(), reason: f.getReason() })),
      };
    },
    async diff(id, urn, olds, news) {
      const req = new providerProto.DiffRequest();
      req.setId(id);
      req.setUrn(urn);
      req.setOlds(toStruct(withProvider(olds)));
      req.setNews(toStruct(withProvider(news)));
      const resp = await unary<providerProto.DiffResponse>(client, "diff", req);
      const DC = providerProto.DiffResponse.DiffChanges;
      const changes = resp.getChanges();
      return {
        changes: changes === DC.DIFF_SOME ? "some" : changes === DC.DIFF_NONE ? "none" : "unknown",
        replaces: resp.getReplacesList(),
        deleteBeforeReplace: resp.getDeletebeforereplace(),
      };
    },
    async create(urn, properties) {
      const req = new providerProto.CreateRequest();
      req.setUrn(urn);
      req.setProperties(toStruct(withProvider(properties)));
      const resp = await unary<providerProto.CreateResponse>(client, "create", req);
      return {
        id: resp.getId(),
        properties: stripProvider(resp.getProperties()?.toJavaScript() ?? {}),
      };
    },
    async read(id, urn, properties) {
      const req = new providerProto.ReadRequest();
      req.setId(id);
      req.setUrn(urn);
      req.setProperties(toStruct(withProvider(properties)));
      const resp = await unary<providerProto.ReadResponse>(client, "read", req);
      const inputs = resp.getInputs();
      return {
        id: resp.getId(),
        properties: stripProvider(resp.getProperties()?.toJavaScript() ?? {}),
        inputs: inputs ? stripProvider(inputs.toJavaScript()) : undefined,
      };
    },
    async update(id, urn, olds, news) {
      const req = new providerProto.UpdateRequest();
      req.setId(id);
      req.setUrn(urn);
      req.setOlds(toStruct(withProvider(olds)));
      req.setNews(toStruct(withProvider(news)));
      const resp = await unary<providerProto.UpdateResponse>(client, "update", req);
      return { properties: stripProvider(resp.getProperties()?.toJavaScript() ?? {}) };
    },
    async delete(id, urn, properties) {
      const req = new providerProto.DeleteRequest();
      req.setId(id);
      req.setUrn(urn);
      req.setProperties(toStruct(withProvider(properties)));
      await unary<Empty>(client, "delete", req);
    },
    async pluginVersion() {
      const resp = await unary<{ getVersion(): string }>(client, "getPluginInfo", new Empty());
      return resp.getVersion();
    },
    async close() {
      client.close();
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        process.kill(-child.pid!, "SIGTERM");
        await exited;
      }
    },
  };
}

/** The host echoes `__provider` in every response; tests compare the rest. */
function stripProvider(props: Record<string, unknown>): Props {
  const { [PROVIDER_KEY]: _provider, ...rest } = props;
  return rest;
}

function readPort(
  child: ChildProcess,
  output: { stdout: string; stderr: string },
  onOutput: StartOptions["onOutput"],
): Promise<number> {
  return new Promise((resolve, reject) => {
    let portLine: string | undefined;
    let buffered = "";
    child.stdout?.setEncoding("utf8");
    child.stderr?.setEncoding("utf8");
    child.stdout?.on("data", (chunk: string) => {
      if (portLine === undefined) {
        buffered += chunk;
        const newline = buffered.indexOf("\n");
        if (newline < 0) return;
        portLine = buffered.slice(0, newline).trim();
        chunk = buffered.slice(newline + 1);
        const port = Number(portLine);
        if (!Number.isInteger(port) || port <= 0) {
          reject(new Error(`dynamic-provider host printed "${portLine}", expected its port`));
          return;
        }
        resolve(port);
      }
      if (chunk !== "") {
        output.stdout += chunk;
        onOutput?.("stdout", chunk);
      }
    });
    child.stderr?.on("data", (chunk: string) => {
      output.stderr += chunk;
      onOutput?.("stderr", chunk);
    });
    child.once("exit", (code, signal) => {
      if (portLine === undefined) {
        reject(
          new Error(
            `dynamic-provider host exited (code ${code}, signal ${signal}) before printing its port: ${output.stderr}`,
          ),
        );
      }
    });
    child.once("error", reject);
  });
}

type UnaryMethod = (
  req: unknown,
  callback: (err: grpc.ServiceError | null, resp: unknown) => void,
) => unknown;

function unary<T>(client: ResourceProviderClient, method: string, req: unknown): Promise<T> {
  const fn = (client as unknown as Record<string, UnaryMethod>)[method];
  if (fn === undefined) throw new Error(`ResourceProviderClient has no method ${method}`);
  return new Promise((resolve, reject) => {
    fn.call(client, req, (err, resp) => {
      if (err) {
        reject(toHostRpcError(method, err));
        return;
      }
      resolve(resp as T);
    });
  });
}

function toHostRpcError(method: string, err: grpc.ServiceError): HostRpcError {
  const raw = err.metadata?.get("grpc-status-details-bin")[0];
  let initFailure: HostRpcError["initFailure"];
  if (raw instanceof Buffer) {
    for (const detail of Status.deserializeBinary(raw).getDetailsList()) {
      if (detail.getTypeName() !== "pulumirpc.ErrorResourceInitFailed") continue;
      const failed = providerProto.ErrorResourceInitFailed.deserializeBinary(
        detail.getValue_asU8(),
      );
      initFailure = {
        id: failed.getId(),
        properties: stripProvider(failed.getProperties()?.toJavaScript() ?? {}),
        reasons: failed.getReasonsList(),
      };
    }
  }
  return new HostRpcError(method, err.code, err.details, initFailure);
}
