// The GitHub workflows (issue 13 point 2), parsed: triggers, jobs, least-privilege permissions,
// Node 22 with the npm cache, the policy pack in every preview and up, preview = up (the preview
// records versions, the up expects them), the stacks (discovered, or listed once in deployment
// order with dev before prod), and the runner requirements at the top of each file.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { parse } from "yaml";
import { listStacks } from "../../src/config/stack-file";
import { EXPECTED_VERSIONS_ENV, RECORD_VERSIONS_ENV } from "../../src/provider/reviewed-versions";
import { PROJECT_DIR } from "../program/harness/run-stack";

const DIR = join(PROJECT_DIR, ".github", "workflows");

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Job {
  "runs-on": unknown;
  needs?: string | string[];
  permissions?: Record<string, string>;
  environment?: string;
  strategy?: { "max-parallel"?: number; "fail-fast"?: boolean; matrix: { stack: unknown } };
  steps: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  concurrency?: { group: string; "cancel-in-progress": boolean };
  jobs: Record<string, Job>;
}

const text = (file: string) => readFileSync(join(DIR, file), "utf8");
const workflow = (file: string) => parse(text(file)) as Workflow;
const stepsUsing = (job: Job, action: string) =>
  job.steps.filter((s) => s.uses?.startsWith(`${action}@`));

void describe("every workflow", () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith(".yml"));

  void test("the three workflows are there", () => {
    assert.deepEqual(files.sort(), ["ci.yml", "deploy.yml", "preview.yml"]);
  });

  for (const file of files) {
    void test(`${file}: runner requirements (network, secrets) at the top, naming every secret used`, () => {
      const header = text(file)
        .split("\n")
        .filter((_, i, lines) => lines.slice(0, i + 1).every((l) => l.startsWith("#")))
        .join("\n");
      assert.match(header, /^# Runner requirements:$/m);
      assert.match(header, /^# - network: /m);
      assert.match(header, /^# - secrets/m);
      const used = [...text(file).matchAll(/secrets\.([A-Z_]+)/g)].map((m) => m[1]!);
      for (const secret of new Set(used)) assert.equal(header.includes(secret), true, secret);
    });

    void test(`${file}: no permission by default; jobs ask for what they use`, () => {
      const w = workflow(file);
      assert.deepEqual(w.permissions, {});
      for (const [name, job] of Object.entries(w.jobs)) {
        assert.equal(job.permissions?.contents, "read", `${file} ${name}`);
      }
    });

    void test(`${file}: Node 22 with the npm cache wherever Node is set up`, () => {
      for (const [name, job] of Object.entries(workflow(file).jobs)) {
        // npm ci directly, or through .ci/run.
        const installs = job.steps.some(
          (s) => s.run === "npm ci" || s.run?.includes(".ci/run") === true,
        );
        const setups = stepsUsing(job, "actions/setup-node");
        assert.equal(setups.length, installs ? 1 : 0, `${file} ${name}`);
        for (const s of setups) assert.deepEqual(s.with, { "node-version": 22, cache: "npm" });
      }
    });
  }
});

void describe("preview.yml", () => {
  const w = workflow("preview.yml");

  void test("on every pull request; a preview per stack found in Pulumi.*.yaml", () => {
    assert.deepEqual(Object.keys(w.on), ["pull_request"]);
    assert.deepEqual(Object.keys(w.jobs), ["stacks", "preview"]);
    assert.deepEqual(w.jobs.stacks!.permissions, { contents: "read" });
    assert.match(w.jobs.stacks!.steps[1]!.run!, /ls Pulumi\.\*\.yaml/);
    assert.equal(w.jobs.preview!.needs, "stacks");
    assert.equal(
      w.jobs.preview!.strategy!.matrix.stack,
      "${{ fromJSON(needs.stacks.outputs.stacks) }}",
    );
  });

  void test("the preview comments on the PR, with the policy pack, and records the versions", () => {
    const job = w.jobs.preview!;
    assert.deepEqual(job.permissions, { contents: "read", "pull-requests": "write" });
    const [pulumi] = stepsUsing(job, "pulumi/actions");
    assert.equal(pulumi!.uses, "pulumi/actions@v7");
    assert.deepEqual(pulumi!.with, {
      command: "preview",
      "stack-name": "${{ vars.PULUMI_ORG }}/${{ matrix.stack }}",
      "comment-on-pr": true,
      policyPacks: "policy",
      policyPackConfigs: "policy-config.json",
    });
    assert.equal(pulumi!.env![RECORD_VERSIONS_ENV], "reviewed-versions.json");
    const [upload] = stepsUsing(job, "actions/upload-artifact");
    assert.deepEqual(upload!.with, {
      name: "reviewed-versions-${{ matrix.stack }}",
      path: "reviewed-versions.json",
      "if-no-files-found": "error",
    });
    // The recorded versions are posted into the PR after the preview wrote them.
    const comment = job.steps.findIndex((s) => s.run?.includes("gh pr comment") === true);
    assert.equal(comment > job.steps.indexOf(pulumi!), true);
    assert.match(job.steps[comment]!.run!, /cat reviewed-versions\.json/);
  });
});

void describe("deploy.yml", () => {
  const w = workflow("deploy.yml");
  const job = w.jobs.up!;

  void test("on a merge to main, one deployment at a time", () => {
    assert.deepEqual(w.on, { push: { branches: ["main"] } });
    assert.deepEqual(w.concurrency, { group: "deploy", "cancel-in-progress": false });
    assert.deepEqual(Object.keys(w.jobs), ["up"]);
    assert.deepEqual(job.permissions, {
      contents: "read",
      actions: "read",
      "pull-requests": "read",
    });
  });

  void test("every stack, listed once, dev before prod, one after the other", () => {
    const order = job.strategy!.matrix.stack as string[];
    assert.deepEqual([...order].sort(), listStacks(PROJECT_DIR).sort());
    assert.equal(order.indexOf("dev") < order.indexOf("prod"), true);
    assert.equal(job.strategy!["max-parallel"], 1);
    assert.equal(job.strategy!["fail-fast"], true);
  });

  void test("each up runs in its stack's GitHub environment (prod's has the approval)", () => {
    assert.equal(job.environment, "${{ matrix.stack }}");
  });

  void test("up with the policy pack and the versions the PR's preview recorded", () => {
    const [pulumi] = stepsUsing(job, "pulumi/actions");
    assert.deepEqual(pulumi!.with, {
      command: "up",
      "stack-name": "${{ vars.PULUMI_ORG }}/${{ matrix.stack }}",
      policyPacks: "policy",
      policyPackConfigs: "policy-config.json",
    });
    assert.equal(pulumi!.env![EXPECTED_VERSIONS_ENV], "reviewed/reviewed-versions.json");
    const fetch = job.steps.findIndex((s) => s.run?.includes("gh run download") === true);
    assert.equal(fetch >= 0 && fetch < job.steps.indexOf(pulumi!), true);
    assert.match(
      job.steps[fetch]!.run!,
      /gh run list --workflow preview\.yml --commit "\$head" --status success/,
    );
    assert.match(job.steps[fetch]!.run!, /--name "reviewed-versions-\$STACK" --dir reviewed/);
  });

  void test("no step knows a stack's name: only the deployment order does", () => {
    const { strategy: _strategy, ...rest } = job;
    const everythingElse = JSON.stringify({ ...w, jobs: { up: rest } });
    for (const stack of listStacks(PROJECT_DIR)) {
      assert.equal(new RegExp(`\\b${stack}\\b`).test(everythingElse), false, stack);
    }
  });
});

void describe("ci.yml", () => {
  void test("runs .ci/run on pull requests and on main, on the Node set up", () => {
    const w = workflow("ci.yml");
    assert.deepEqual(w.on, { pull_request: null, push: { branches: ["main"] } });
    assert.deepEqual(
      w.jobs.test!.steps.map((s) => s.run ?? s.uses),
      ["actions/checkout@v4", "actions/setup-node@v4", 'sudo env "PATH=$PATH" bash .ci/run'],
    );
  });
});
