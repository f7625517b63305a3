// triton-contract.md §2.3, §2.4 and §8.8: version discovery (stoll semantics) and version policy.
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { irisModel } from "../../support/onnx/fixtures";
import { onnxConfig, writeModelDir } from "../../support/triton/repository-fixture";
import { discoverVersions, stoll } from "../../support/triton/version-discovery";
import { http, index, irisInferBody, load, serveExplicit, tempRepo } from "./helpers";

describe("§2.4 version directories", () => {
  test("std::stoll semantics: leading digits are the number, whatever follows", () => {
    assert.equal(stoll("13.failed_20251231T0259"), 13n);
    assert.equal(stoll("13"), 13n);
    assert.equal(stoll(" 12"), 12n);
    assert.equal(stoll("+5x"), 5n);
    assert.equal(stoll("-3"), -3n);
    assert.equal(stoll("abc"), undefined);
    assert.equal(stoll("failed_13_20251231T0259"), undefined);
    assert.throws(() => stoll("99999999999999999999"), /out of range/);
  });

  test("only subdirectories count; leading zeros, configs, warmup, initial_state and non-numeric names are skipped", (t) => {
    const dir = join(tempRepo(t), "m");
    for (const d of ["1", "003", "abc", "configs", "warmup", "initial_state", "13.failed_x", "0"]) {
      mkdirSync(join(dir, d), { recursive: true });
    }
    writeFileSync(join(dir, "7"), "a file named like a version");
    writeFileSync(join(dir, "current.json"), "{}");
    const found = discoverVersions(dir);
    assert.deepEqual(found.versions, [0, 1, 13]);
    assert.deepEqual(found.ignored, [
      {
        name: "003",
        reason: "ignore version directory '003' which contains leading zeros in its directory name",
      },
      {
        name: "abc",
        reason: "ignore version directory 'abc' which fails to convert to integral number",
      },
    ]);
  });

  test("`14.failed_…` is version 14 with files looked up in `14/`: under latest it is picked and the load fails", async (t) => {
    const root = tempRepo(t);
    writeModelDir(root, "iris", {
      config: onnxConfig("iris"),
      versions: { "13": irisModel(), "14.failed_20251231T0259": irisModel() },
    });
    const h = await serveExplicit(t, root, []);
    const res = await load(h, "iris");
    assert.equal(res.status, 400);
    assert.deepEqual(res.json(), {
      error: `load failed for model 'iris': version 14 is at UNAVAILABLE state: Unavailable: unable to find '${join(root, "iris", "14", "model.onnx")}' for model instance 'iris';\n`,
    });
    assert.deepEqual(await index(h), [
      {
        name: "iris",
        version: "14",
        state: "UNAVAILABLE",
        reason: `Unavailable: unable to find '${join(root, "iris", "14", "model.onnx")}' for model instance 'iris'`,
      },
    ]);
  });

  test("`13.failed_…` next to `13/` has no effect (the version set de-duplicates)", async (t) => {
    const root = tempRepo(t);
    writeModelDir(root, "iris", {
      config: onnxConfig("iris"),
      versions: { "13": irisModel(), "13.failed_20251231T0259": irisModel() },
    });
    const h = await serveExplicit(t, root, ["iris"]);
    assert.deepEqual(await index(h), [{ name: "iris", version: "13", state: "READY" }]);
  });

  test("a quarantine name starting with a letter (`failed_14_…`) is skipped", async (t) => {
    const root = tempRepo(t);
    writeModelDir(root, "iris", {
      config: onnxConfig("iris"),
      versions: { "13": irisModel(), failed_14_20251231T0259: irisModel() },
    });
    const h = await serveExplicit(t, root, ["iris"]);
    assert.deepEqual(await index(h), [{ name: "iris", version: "13", state: "READY" }]);
  });

  test("a loose file (current.json) is no version but a change to it makes the next load a full reload", async (t) => {
    const root = tempRepo(t);
    writeModelDir(root, "iris", { config: onnxConfig("iris"), versions: { "1": irisModel() } });
    const h = await serveExplicit(t, root, ["iris"]);
    await http("POST", `${h.httpUrl}/v2/models/iris/infer`, { body: irisInferBody() });
    const count = async () =>
      (await http("GET", `${h.httpUrl}/v2/models/iris/stats`)).json().model_stats[0]
        .inference_count;
    assert.equal(await count(), 1);
    writeFileSync(join(root, "iris", "current.json"), '{"active_version":"1"}');
    assert.equal((await load(h, "iris")).status, 200);
    assert.equal(await count(), 0, "version 1 was reloaded");
    assert.deepEqual(await index(h), [{ name: "iris", version: "1", state: "READY" }]);
  });
});

describe("§2.3 version policy", () => {
  const cases: [string, string | undefined, string[]][] = [
    ["no policy: latest 1", undefined, ["3"]],
    ["latest { num_versions: 2 }", "{ latest { num_versions: 2 } }", ["2", "3"]],
    ["all {}", "{ all {} }", ["1", "2", "3"]],
    [
      "specific: listed versions whose directory exists",
      "{ specific { versions: [1, 5] } }",
      ["1"],
    ],
  ];
  for (const [name, policy, expected] of cases) {
    test(name, async (t) => {
      const root = tempRepo(t);
      writeModelDir(root, "iris", {
        config: onnxConfig("iris", policy === undefined ? {} : { versionPolicy: policy }),
        versions: { "1": irisModel(), "2": irisModel(), "3": irisModel() },
      });
      const h = await serveExplicit(t, root, ["iris"]);
      assert.deepEqual(
        (await http("GET", `${h.httpUrl}/v2/models/iris`)).json().versions,
        expected,
      );
    });
  }
});
