// The program (loadStackConfig) and the model CLI refuse a stack that shares the model repository,
// the namespace or the monitoring release with another stack file of the project (issue 15).
import assert from "node:assert/strict";
import { copyFile, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { parse, stringify } from "yaml";
import { ConfigError } from "../../src/config/errors";
import { readStackConfig } from "../../src/config/stack-file";
import { assertStackIsolation } from "../../src/config/stack-isolation";

const REPO = join(__dirname, "..", "..");

void describe("assertStackIsolation", () => {
  void test("the project's dev and prod share nothing", () => {
    for (const stack of ["dev", "prod"]) {
      assert.doesNotThrow(() => assertStackIsolation(REPO, stack, readStackConfig(REPO, stack)));
    }
  });

  void test("a stack with prod's namespace and monitoring release is refused, naming both", async () => {
    const dir = await mkdtemp(join(tmpdir(), "isolation-"));
    await copyFile(join(REPO, "Pulumi.yaml"), join(dir, "Pulumi.yaml"));
    await copyFile(join(REPO, "Pulumi.prod.yaml"), join(dir, "Pulumi.prod.yaml"));
    const dev = parse(await readFile(join(REPO, "Pulumi.dev.yaml"), "utf8")) as {
      config: Record<string, unknown>;
    };
    dev.config["triton-serving:namespace"] = "triton-prod";
    (dev.config["triton-serving:monitoring"] as Record<string, unknown>).releaseName =
      "monitoring-prod";
    await writeFile(join(dir, "Pulumi.dev.yaml"), stringify(dev));
    const prodFile = join(dir, "Pulumi.prod.yaml");
    assert.throws(
      () => assertStackIsolation(dir, "dev", readStackConfig(dir, "dev")),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.deepEqual(error.lines, [
          `namespace: triton-prod is also stack prod's (${prodFile}); expected a value of stack dev's own — two stacks sharing it deploy over each other's models`,
          `monitoring.releaseName: monitoring-prod is also stack prod's (${prodFile}); expected a value of stack dev's own — two stacks sharing it deploy over each other's models`,
        ]);
        return true;
      },
    );
  });
});
