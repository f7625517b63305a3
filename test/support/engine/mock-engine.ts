// The engine side of a program run, served over gRPC to the REAL Node.js language runtime
// (`@pulumi/pulumi/cmd/run`), which connects to it exactly as it connects to `pulumi` itself:
// `--monitor` (pulumirpc.ResourceMonitor) and `--engine` (pulumirpc.Engine).
//
// Resource registrations are answered by Pulumi's own MockMonitor (the object behind
// `pulumi.runtime.setMocks`), so what a resource "creates" is the mocks' state; everything else —
// the runner's working directory, ts-node as run.js registers it, config from PULUMI_CONFIG, the
// dynamic provider's serialisation, how an unhandled error is reported and the exit code — is the
// production path (docs/engine-launch.md).
import * as grpc from "@grpc/grpc-js";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { EngineService } from "@pulumi/pulumi/proto/engine_grpc_pb";
import * as engineProto from "@pulumi/pulumi/proto/engine_pb";
import { ResourceMonitorService } from "@pulumi/pulumi/proto/resource_grpc_pb";
import * as resourceProto from "@pulumi/pulumi/proto/resource_pb";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import {
  echoingMocks,
  type ComputedState,
  type InputsByKey,
  type RecordedResource,
} from "../pulumi-mocks";

export interface EngineLogEntry {
  severity: "debug" | "info" | "warning" | "error";
  message: string;
  urn: string;
}

export interface MockEngine {
  monitorAddress: string;
  engineAddress: string;
  resources: RecordedResource[];
  /** The raw wire form of the outputs the program registered on its Stack resource. */
  stackOutputs(): Record<string, unknown>;
  /** Every diagnostic the program sent to the engine (what `pulumi` would print). */
  log: EngineLogEntry[];
  close(): Promise<void>;
}

const SEVERITIES: EngineLogEntry["severity"][] = ["debug", "info", "warning", "error"];
const STACK_TYPE = "pulumi:pulumi:Stack";

type Callback = (err: grpc.ServiceError | null, resp?: unknown) => void;
type Handler = (call: { request: unknown }, callback: Callback) => void;

export async function startMockEngine(opts: {
  project: string;
  stack: string;
  computedState?: ComputedState;
}): Promise<MockEngine> {
  const inputsByKey: InputsByKey = new Map();
  const monitor = new MockMonitor(echoingMocks(inputsByKey, opts.computedState));
  // MockMonitor builds URNs from this process's runtime settings; this process is not the program,
  // so build them from the run's own project and stack (mocks.ts `newUrn`, same shape).
  (monitor as unknown as { newUrn: (p: string, t: string, n: string) => string }).newUrn = (
    parent,
    type,
    name,
  ) => {
    const qualified = parent ? `${parent.split("::")[2]!.split("$").pop()!}$${type}` : type;
    return `urn:pulumi:${opts.stack}::${opts.project}::${qualified}::${name}`;
  };

  const resources: RecordedResource[] = [];
  let stackUrn = "";
  let stackOutputs: Record<string, unknown> = {};
  const log: EngineLogEntry[] = [];
  const wrapped = monitor as unknown as Record<string, (req: unknown, cb: Callback) => void>;
  const empty = (_call: unknown, cb: Callback) => cb(null, new Empty());

  const monitorImpl: Record<string, Handler> = {
    registerResource(call, cb) {
      const req = call.request as resourceProto.RegisterResourceRequest;
      wrapped.registerResource!.call(monitor, req, (err, resp) => {
        if (!err && resp) {
          const urn = (resp as resourceProto.RegisterResourceResponse).getUrn();
          if (req.getType() === STACK_TYPE) stackUrn = urn;
          const seen = inputsByKey.get(`${req.getType()}::${req.getName()}`);
          resources.push({
            type: req.getType(),
            name: req.getName(),
            urn,
            parent: req.getParent(),
            dependencies: [...req.getDependenciesList()].sort(),
            protect: req.getProtect() ?? false,
            custom: seen?.custom ?? req.getCustom(),
            inputs: seen?.inputs ?? {},
          });
        }
        cb(err, resp);
      });
    },
    registerResourceOutputs(call, cb) {
      const req = call.request as resourceProto.RegisterResourceOutputsRequest;
      if (req.getUrn() === stackUrn) {
        stackOutputs = req.getOutputs()?.toJavaScript() ?? {};
      }
      cb(null, new Empty());
    },
    supportsFeature(call, cb) {
      // As MockMonitor: every feature but outputValues (so inputs arrive as plain values).
      const req = call.request as resourceProto.SupportsFeatureRequest;
      const resp = new resourceProto.SupportsFeatureResponse();
      resp.setHassupport(req.getId() !== "outputValues");
      cb(null, resp);
    },
    invoke: (call, cb) => wrapped.invoke!.call(monitor, call.request, cb),
    readResource: (call, cb) => wrapped.readResource!.call(monitor, call.request, cb),
    getDeploymentInfo: (call, cb) => wrapped.getDeploymentInfo!.call(monitor, call.request, cb),
    registerPackage: (call, cb) => wrapped.registerPackage!.call(monitor, call.request, cb),
    registerStackTransform: empty,
    registerStackInvokeTransform: empty,
    signalAndWaitForShutdown: empty,
  };

  let rootUrn = "";
  const engineImpl: Record<string, Handler> = {
    log(call, cb) {
      const req = call.request as engineProto.LogRequest;
      log.push({
        severity: SEVERITIES[req.getSeverity()] ?? "error",
        message: req.getMessage(),
        urn: req.getUrn(),
      });
      cb(null, new Empty());
    },
    getRootResource(_call, cb) {
      const resp = new engineProto.GetRootResourceResponse();
      resp.setUrn(rootUrn);
      cb(null, resp);
    },
    setRootResource(call, cb) {
      rootUrn = (call.request as engineProto.SetRootResourceRequest).getUrn();
      cb(null, new engineProto.SetRootResourceResponse());
    },
    requirePulumiVersion: (_call, cb) => cb(null, new engineProto.RequirePulumiVersionResponse()),
  };

  const server = new grpc.Server();
  server.addService(ResourceMonitorService, withUnimplemented(ResourceMonitorService, monitorImpl));
  server.addService(EngineService, withUnimplemented(EngineService, engineImpl));
  const bind = (): Promise<number> =>
    new Promise((resolve, reject) =>
      server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, port) =>
        err ? reject(err) : resolve(port),
      ),
    );
  const monitorPort = await bind();
  const address = `127.0.0.1:${monitorPort}`;
  return {
    monitorAddress: address,
    engineAddress: address,
    resources,
    stackOutputs: () => stackOutputs,
    log,
    close: () => new Promise((resolve) => server.tryShutdown(() => resolve())),
  };
}

/** Every method of the service: ours where implemented, UNIMPLEMENTED otherwise (as the engine). */
function withUnimplemented(
  service: grpc.ServiceDefinition,
  impl: Record<string, Handler>,
): grpc.UntypedServiceImplementation {
  const out: grpc.UntypedServiceImplementation = {};
  for (const name of Object.keys(service)) {
    out[name] = (impl[name] ??
      ((_call: unknown, cb: Callback) =>
        cb({
          code: grpc.status.UNIMPLEMENTED,
          details: `${name} is not implemented by the test engine`,
          message: name,
          name: "Error",
          metadata: new grpc.Metadata(),
        }))) as grpc.handleUnaryCall<unknown, unknown>;
  }
  return out;
}
