// Drives the policy pack as the Pulumi engine does: the pack's own analyzer server
// (@pulumi/policy `serve`, in a worker thread of this process) receives Configure with a policy
// config and one Analyze per resource — type, name, URN, the resource's inputs as a protobuf
// Struct (secrets in their wire form) and its options (protect) — and answers with diagnostics.
// So the policies run with the real ResourceValidationArgs (isType, getConfig, unknown-checking
// props), not with hand-made ones.
import { Worker } from "node:worker_threads";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import {
  AnalyzeRequest,
  AnalyzerResourceOptions,
  ConfigureAnalyzerRequest,
  EnforcementLevel,
  PolicyConfig,
  type AnalyzeResponse,
} from "@pulumi/pulumi/proto/analyzer_pb";
import { AnalyzerClient } from "@pulumi/pulumi/proto/analyzer_grpc_pb";

/** A resource as the engine hands it to a policy pack. */
export interface AnalyzedResource {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  protect?: boolean;
}

/** One violation: the policy's name, its description and the message the rule reported. */
export interface Violation {
  policy: string;
  description: string;
  /** What the rule reported (the engine shows it after the description line). */
  message: string;
}

export interface PolicyAnalyzer {
  /** The policy config, as `--policy-pack-config <file>` gives it (policy name → properties). */
  configure(config: Record<string, Record<string, unknown>>): Promise<void>;
  analyze(resource: AnalyzedResource, stack?: string): Promise<Violation[]>;
  close(): Promise<void>;
}

export async function startPolicyAnalyzer(): Promise<PolicyAnalyzer> {
  const worker = new Worker(join(__dirname, "policy-analyzer-worker.ts"));
  const port = await new Promise<number>((resolve, reject) => {
    worker.once("message", (p: number) => resolve(p));
    worker.once("error", reject);
  });
  const client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const unary = <Req, Res>(method: "configure" | "analyze", req: Req) =>
    new Promise<Res>((resolve, reject) => {
      (client[method] as unknown as (r: Req, cb: (e: Error | null, res: Res) => void) => void).call(
        client,
        req,
        (error, res) => (error ? reject(error) : resolve(res)),
      );
    });
  return {
    async configure(config) {
      const req = new ConfigureAnalyzerRequest();
      for (const [policy, properties] of Object.entries(config)) {
        const pc = new PolicyConfig();
        pc.setEnforcementlevel(EnforcementLevel.MANDATORY);
        pc.setProperties(Struct.fromJavaScript(properties as never));
        req.getPolicyconfigMap().set(policy, pc);
      }
      await unary("configure", req);
    },
    async analyze(resource, stack = "test") {
      const req = new AnalyzeRequest();
      req.setType(resource.type);
      req.setName(resource.name);
      req.setUrn(`urn:pulumi:${stack}::triton-serving::${resource.type}::${resource.name}`);
      req.setProperties(Struct.fromJavaScript(resource.inputs as never));
      const options = new AnalyzerResourceOptions();
      options.setProtect(resource.protect ?? false);
      req.setOptions(options);
      const res = await unary<AnalyzeRequest, AnalyzeResponse>("analyze", req);
      return res.getDiagnosticsList().map((d) => {
        // The server sends "<description>\n<reported message>" (policy server.ts).
        const description = d.getDescription();
        const text = d.getMessage();
        const message = text.startsWith(`${description}\n`)
          ? text.slice(description.length + 1)
          : text;
        return { policy: d.getPolicyname(), description, message };
      });
    },
    async close() {
      client.close();
      await worker.terminate();
    },
  };
}
