// Validate, on its own: a graph whose initializers live in external-data files passes only with
// every named file beside model.onnx, in a subdirectory too, and fails naming the missing file
// before Triton is touched (issue 10; materialize normally catches it first, so this is the
// check that stands when the files come from elsewhere, e.g. a directory an operator copied).
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { modelConfigPort } from "../../../src/core/transaction/model-config-port";
import { externalDataModel } from "../../support/onnx/fixtures";

const scratch: string[] = [];
after(async () => {
  for (const dir of scratch) await rm(dir, { recursive: true, force: true });
});

/** A version directory with model.onnx and, when `withData`, its data file at `dataFileName`. */
async function versionDir(dataFileName: string, withData: boolean): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "validate-external-"));
  scratch.push(dir);
  const onnx = externalDataModel({ dataFileName });
  await writeFile(join(dir, "model.onnx"), onnx.model);
  if (withData) {
    await mkdir(join(dir, dataFileName, ".."), { recursive: true });
    await writeFile(join(dir, dataFileName), onnx.data);
  }
  return dir;
}

const spec = {
  name: "iris",
  maxBatchSize: 0,
  instanceGroup: { kind: "KIND_CPU", count: 1 },
} as const;

describe("validate with external data", () => {
  test("passes with the data file beside model.onnx, in a subdirectory too", async () => {
    for (const name of ["model.onnx.data", "data/weights.bin"]) {
      const dir = await versionDir(name, true);
      await modelConfigPort(spec, "3").validate(join(dir, "model.onnx"));
    }
  });

  test("fails naming the missing file and where it was expected", async () => {
    const dir = await versionDir("data/weights.bin", false);
    await assert.rejects(modelConfigPort(spec, "3").validate(join(dir, "model.onnx")), {
      message: `model.onnx references external data 'data/weights.bin', missing beside it in ${dir}; expected every file the graph names (data/weights.bin) in the model version's artifact`,
    });
  });
});
