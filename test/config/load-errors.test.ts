// Bad stack config stops the program (= `pulumi preview`) with
// every problem listed: the key, the value and what is allowed; a missing secret names the exact
// command that sets it.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { runStack, stackFileValues } from "../program/harness/run-stack";
import { testSecrets } from "../program/harness/test-secrets";

describe("the program stops on bad config", () => {
  test("missing secrets, a misspelt key and a bad value are all reported at once", async () => {
    const values = stackFileValues("dev");
    values.modles = values.models;
    (values.triton as Record<string, unknown>).replicas = 0;
    const run = await runStack({ stack: "dev", values, secrets: {} });
    assert.equal(run.ok, false);
    assert.equal(
      run.ok ? "" : run.error,
      [
        "invalid stack config (stack dev):",
        "  - triton.replicas: got 0, expected an integer >= 1",
        "  - modles: unknown key, expected one of the known keys: environment, namespace, storage, triton, deploy, mlflow, monitoring, alerting, models",
        "  - slackWebhookUrl: missing secret, set it with: pulumi config set --secret slackWebhookUrl <value> --stack dev",
        "  - tritonApiKey: missing secret, set it with: pulumi config set --secret tritonApiKey <value> --stack dev",
      ].join("\n"),
    );
  });

  test("secrets a feature needs are required once it is configured (pager, export preparation)", async () => {
    const { slackWebhookUrl, tritonApiKey } = testSecrets("prod");
    const run = await runStack({
      stack: "prod",
      values: stackFileValues("prod"),
      secrets: { slackWebhookUrl: slackWebhookUrl!, tritonApiKey: tritonApiKey! },
    });
    assert.equal(
      run.ok ? "" : run.error,
      [
        "invalid stack config (stack prod):",
        "  - pagerRoutingKey: missing secret (alerting.pager.enabled is true), set it with: pulumi config set --secret pagerRoutingKey <value> --stack prod",
        "  - nfsSshPrivateKey: missing secret (storage.prepareExport is set), set it with: pulumi config set --secret nfsSshPrivateKey <value> --stack prod",
      ].join("\n"),
    );
  });
});
