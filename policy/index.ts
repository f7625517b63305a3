// Entry point of the policy pack: Pulumi's Node.js host runs this file with the pack directory as
// working directory (PolicyPack reads its version from ./package.json) and serves the policies to
// the engine over gRPC. The rules live in policies.ts, so tests can import them without starting
// a server.
import { PolicyPack } from "@pulumi/policy";
import { policies, POLICY_PACK_NAME } from "./policies";

new PolicyPack(POLICY_PACK_NAME, { policies, enforcementLevel: "mandatory" });
