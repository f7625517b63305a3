// The README's config reference is generated from the schema and must not drift from it.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import {
  currentSection,
  renderConfigReference,
  replaceSection,
} from "../../scripts/config-reference";

const README = join(__dirname, "..", "..", "README.md");

describe("README config reference", () => {
  test("equals what scripts/config-reference.ts generates from the schema", () => {
    assert.equal(
      currentSection(readFileSync(README, "utf8")),
      renderConfigReference(),
      "README.md is out of date: run `npx tsx scripts/config-reference.ts --write`",
    );
  });

  test("documents every top-level key, nested keys by path, and every secret", () => {
    const section = renderConfigReference();
    for (const key of [
      "environment",
      "namespace",
      "storage",
      "triton",
      "deploy",
      "mlflow",
      "monitoring",
      "alerting",
      "models",
    ]) {
      assert.ok(section.includes(`| \`${key}\` |`), key);
    }
    assert.ok(section.includes("| `triton.replicas` | integer ≥ 1 | `1` |"));
    assert.ok(section.includes("| `models[].inputs[].dataType` |"));
    for (const secret of [
      "slackWebhookUrl",
      "tritonApiKey",
      "pagerRoutingKey",
      "mlflowTrackingToken",
      "mlflowTrackingPassword",
      "nfsSshPrivateKey",
    ]) {
      assert.ok(section.includes(`| \`${secret}\` |`), secret);
    }
  });

  test("--write replaces only the text between the markers", () => {
    const before =
      "# t\n\nintro\n<!-- config-reference:start -->\nold\n<!-- config-reference:end -->\n\n## after\n";
    assert.equal(
      replaceSection(before, "<!-- config-reference:start -->\nnew\n<!-- config-reference:end -->"),
      "# t\n\nintro\n<!-- config-reference:start -->\nnew\n<!-- config-reference:end -->\n\n## after\n",
    );
  });
});
