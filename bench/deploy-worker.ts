// Child process of bench/run.ts for the deployment figures: runs the core's deployModel for each
// request in a JSON file, at most <parallel> at once (the CLI's fan-out, core mapBounded), and
// prints one JSON line: the wall time of the whole batch and each deployment's outcome and steps.
import { readFileSync } from "node:fs";
import {
  DeploymentError,
  deployModel,
  mapBounded,
  type DeployEnvironment,
  type DeployRequest,
} from "../src/core";

interface Outcome {
  model: string;
  outcome: string;
  step?: string;
  ms: number;
  stepsMs: Record<string, number>;
}

async function main(): Promise<void> {
  const [envFile, requestsFile, parallel] = process.argv.slice(2);
  if (!envFile || !requestsFile || !parallel) {
    throw new Error("usage: deploy-worker <env.json> <requests.json> <parallel>");
  }
  const env = JSON.parse(readFileSync(envFile, "utf8")) as DeployEnvironment;
  const requests = JSON.parse(readFileSync(requestsFile, "utf8")) as DeployRequest[];
  const started = process.hrtime.bigint();
  const outcomes = await mapBounded(requests, Number(parallel), async (request) => {
    const t = process.hrtime.bigint();
    const ms = () => Number(process.hrtime.bigint() - t) / 1e6;
    try {
      const result = await deployModel(env, request);
      return { model: request.model, outcome: result.outcome, ms: ms(), stepsMs: result.stepsMs };
    } catch (error) {
      if (!(error instanceof DeploymentError)) throw error;
      return {
        model: request.model,
        outcome: error.result?.outcome ?? "failed",
        step: error.step,
        ms: ms(),
        stepsMs: error.result?.stepsMs ?? {},
      } satisfies Outcome;
    }
  });
  const totalMs = Number(process.hrtime.bigint() - started) / 1e6;
  process.stdout.write(`${JSON.stringify({ totalMs, outcomes })}\n`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
