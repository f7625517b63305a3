// Every citation of the project's documents in src/, test/, bench/, scripts/, docs/ and README.md
// resolves to a file of this repository and, for `§n.m`, quoted section names and "invariant N",
// to a heading of that file; and the checker really fails on citations that do not resolve.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import {
  diskRepository,
  findBrokenCitations,
  githubAnchor,
  headingNumber,
  markdownHeadings,
  ownDocuments,
  scannedFiles,
  type Repository,
  type ScannedFile,
} from "./citations";

const ROOT = join(__dirname, "..", "..");

/** A repository held in memory: path → Markdown text (directories are implied by paths). */
function memoryRepository(files: Record<string, string>): Repository {
  const paths = Object.keys(files);
  return {
    exists: (path) => paths.some((p) => p === path || p.startsWith(`${path}/`)),
    headings: (path) => markdownHeadings(files[path] ?? ""),
  };
}

const DOCS = {
  "docs/triton-contract.md": "# Triton\n\n## 2 Model control\n\n### 2.4 Version directories\n",
  "docs/design.md": "# Design\n\n## The model repository\n\n### Invariant 4 — one at a time\n",
  "docs/runbooks.md": "# Runbooks\n\n### Runbook: TritonServerDown\n",
  "src/core/README.md": "# core\n",
};
const OWN = new Set(["triton-contract.md", "design.md", "runbooks.md", "mlflow-contract.md"]);

void describe("the citation check", () => {
  void test("resolving citations pass: named sections, chained sections, headings, links", () => {
    const files: ScannedFile[] = [
      {
        path: "src/core/a.ts",
        text: [
          "// Triton reads `13.failed` as 13 (triton-contract.md §2.4, §2).",
          '// see design.md, "The model repository" and design.md invariant 4;',
          "// with triton-contract.md named, a bare §2.4 is its section; the table is in ./README.md.",
          "// RFC 9110 §10.2.3 is not ours; `server: docs/user_guide/x.md` is upstream.",
        ].join("\n"),
      },
      {
        path: "docs/runbooks.md",
        text: "[repository](design.md#the-model-repository), [self](#runbook-tritonserverdown)",
      },
    ];
    const repo = memoryRepository({ ...DOCS, "src/core/README.md": "# core\n" });
    assert.deepEqual(findBrokenCitations(files, repo, OWN), []);
  });

  void test("made-up citations fail, each with the file, the line and what is missing", () => {
    const files: ScannedFile[] = [
      {
        path: "src/x.ts",
        text: [
          "// a made-up section (triton-contract.md §9.9)",
          "// a made-up file: see made-up-notes.md",
          "// a document that is not in docs/ (mlflow-contract §1.1)",
          '// design.md "Rollback theory" and design.md invariant 7',
          "// then a bare §3.3, which refers to design.md named on the line before",
          "// a missing path: ../shared/docs/design.md",
        ].join("\n"),
      },
      { path: "src/y.ts", text: "// §2.4 with no document named anywhere before it" },
      { path: "docs/design.md", text: "[gone](runbooks.md#runbook-nope) [lost](nowhere.md)" },
    ];
    assert.deepEqual(findBrokenCitations(files, memoryRepository(DOCS), OWN), [
      {
        file: "src/x.ts",
        line: 2,
        citation: "made-up-notes.md",
        problem: "made-up-notes.md is not in the repository",
      },
      {
        file: "src/x.ts",
        line: 6,
        citation: "../shared/docs/design.md",
        problem: "../shared/docs/design.md is not in the repository",
      },
      {
        file: "src/x.ts",
        line: 1,
        citation: "triton-contract §9.9",
        problem: "docs/triton-contract.md has no heading numbered 9.9",
      },
      {
        file: "src/x.ts",
        line: 3,
        citation: "mlflow-contract",
        problem: "docs/mlflow-contract.md is not in the repository",
      },
      {
        file: "src/x.ts",
        line: 4,
        citation: 'design "Rollback theory"',
        problem: 'docs/design.md has no heading containing "Rollback theory"',
      },
      {
        file: "src/x.ts",
        line: 4,
        citation: "design invariant 7",
        problem: 'docs/design.md has no heading "invariant 7"',
      },
      {
        file: "src/x.ts",
        line: 5,
        citation: "§3.3",
        problem: "docs/design.md (named earlier in the file) has no heading numbered 3.3",
      },
      {
        file: "src/y.ts",
        line: 1,
        citation: "§2.4",
        problem: "a section cited without naming the document anywhere before it",
      },
      {
        file: "docs/design.md",
        line: 1,
        citation: "nowhere.md",
        problem: "nowhere.md is not in the repository",
      },
      {
        file: "docs/design.md",
        line: 1,
        citation: "runbooks.md#runbook-nope",
        problem: "docs/runbooks.md has no anchor #runbook-nope",
      },
      {
        file: "docs/design.md",
        line: 1,
        citation: "nowhere.md",
        problem: "link target docs/nowhere.md is not in the repository",
      },
    ]);
  });

  void test("a cited document of docs/ that does not exist is reported where it is cited", () => {
    const files = [{ path: "src/z.ts", text: "// (mlflow-contract.md §4)" }];
    assert.deepEqual(findBrokenCitations(files, memoryRepository(DOCS), OWN), [
      {
        file: "src/z.ts",
        line: 1,
        citation: "mlflow-contract.md",
        problem: "mlflow-contract.md is not in the repository",
      },
    ]);
  });

  void test("heading numbers and GitHub anchors", () => {
    assert.equal(headingNumber("2.4 Version directories"), "2.4");
    assert.equal(headingNumber("0 Errors and HTTP status codes"), "0");
    assert.equal(headingNumber("3. Rename the old directories"), "3");
    assert.equal(headingNumber("Invariant 4 — one at a time"), undefined);
    assert.equal(githubAnchor("Runbook: TritonServerDown"), "runbook-tritonserverdown");
    assert.equal(githubAnchor("A stuck .deploy.lock"), "a-stuck-deploylock");
    assert.deepEqual(markdownHeadings("# A\n```\n# not a heading\n```\n## 1.2 B ##\n"), [
      "A",
      "1.2 B",
    ]);
  });
});

void describe("this repository", () => {
  void test("every citation in src, test, bench, scripts, docs and README.md resolves", () => {
    const files = scannedFiles(ROOT);
    const paths = files.map((f) => f.path);
    for (const expected of [
      "src/core/repository/layout.ts",
      "test/support/triton/http-api.ts",
      "bench/run.ts",
      "scripts/sandbox.ts",
      "docs/triton-contract.md",
      "README.md",
      "eslint.config.mjs",
    ]) {
      assert.ok(paths.includes(expected), `${expected} is scanned`);
    }
    assert.ok(!paths.includes("test/docs/citations.test.ts"), "its broken examples are on purpose");
    assert.deepEqual(findBrokenCitations(files, diskRepository(ROOT), ownDocuments(ROOT)), []);
  });

  void test("the README's Documentation section links every document of docs/", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const section = readme.slice(
      readme.indexOf("## Documentation"),
      readme.indexOf("## Code layout"),
    );
    const linked = [...section.matchAll(/\]\(docs\/([\w.-]+\.md)\)/g)].map((m) => m[1]);
    assert.deepEqual([...new Set(linked)].sort(), [...ownDocuments(ROOT)].sort());
  });
});
