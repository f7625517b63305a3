// Child-process entry: runs src/index.ts under recording mocks with the config given in a JSON
// file and writes the run (or the error) to another JSON file. One process per program run,
// because the Pulumi runtime's state is process-global.
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { runProgram, type ComputedState } from "../../support/pulumi-mocks";

interface Request {
  stack: string;
  config: Record<string, string>;
  secretKeys: string[];
  preview?: boolean;
  computedState?: ComputedState;
}

async function main(): Promise<void> {
  const [inPath, outPath] = process.argv.slice(2);
  if (inPath === undefined || outPath === undefined) {
    throw new Error("usage: child.ts <in.json> <out.json>");
  }
  const req = JSON.parse(readFileSync(inPath, "utf8")) as Request;
  try {
    const run = await runProgram({
      programPath: resolve(__dirname, "../../../src/index.ts"),
      project: "triton-serving",
      stack: req.stack,
      config: req.config,
      secretKeys: req.secretKeys,
      preview: req.preview ?? false,
      ...(req.computedState !== undefined ? { computedState: req.computedState } : {}),
    });
    writeFileSync(outPath, JSON.stringify({ ok: true, ...run }));
  } catch (e) {
    writeFileSync(outPath, JSON.stringify({ ok: false, error: (e as Error).message }));
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(2);
  },
);
