// Child-process entry for the preview = up tests: runs src/index.ts under recording mocks (like
// test/program/harness/child.ts) but also reports what was registered when the program FAILS, so
// a test can check that a refusal registered nothing. The environment (the
// TRITON_SERVING_*_VERSIONS variables) is the one the parent spawned this process with.
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { installRecordingMocks } from "../support/pulumi-mocks";

interface Request {
  stack: string;
  config: Record<string, string>;
  secretKeys: string[];
  preview: boolean;
}

async function main(): Promise<void> {
  const [inPath, outPath] = process.argv.slice(2);
  if (inPath === undefined || outPath === undefined) {
    throw new Error("usage: program-child.ts <in.json> <out.json>");
  }
  const req = JSON.parse(readFileSync(inPath, "utf8")) as Request;
  const resources = installRecordingMocks({ project: "triton-serving", ...req });
  let error: string | undefined;
  try {
    await pulumi.runtime.runInPulumiStack(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const mod = require(resolve(__dirname, "../../src/index.ts")) as Record<string, unknown>;
      return Promise.resolve({ ...mod });
    });
  } catch (e) {
    error = (e as Error).message;
  }
  writeFileSync(outPath, JSON.stringify({ error, resources }));
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(2);
  },
);
