// Worker-thread entry: serves the policy pack with @pulumi/policy's own analyzer server (the
// `serve` that `new PolicyPack` calls when Pulumi runs policy/index.ts), and posts the port it
// prints. In a worker so that the test can end the server (terminate) — serve() keeps its gRPC
// port open and runs once per thread.
import { parentPort } from "node:worker_threads";
import { policies, POLICY_PACK_NAME } from "../../policy/policies";

interface PolicyServer {
  serve(
    name: string,
    version: string,
    enforcementLevel: string,
    args: { policies: unknown[] },
    initialConfig: undefined,
  ): void;
}

const print = console.log;
// serve() prints the port on stdout for the engine to read; here it goes to the test instead.
console.log = (text: unknown) => {
  console.log = print;
  parentPort?.postMessage(Number(text));
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const server = require("@pulumi/policy/server") as PolicyServer;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { version } = require("../../policy/package.json") as { version: string };
server.serve(POLICY_PACK_NAME, version, "mandatory", { policies }, undefined);
