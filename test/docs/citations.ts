// Finds the citations of the project's own documents in source, tests and docs, and reports those
// that do not resolve: a cited `<name>.md` that is not in the repository, a `§n.m` with no heading
// `n.m` in that document, a quoted section name or "invariant N" / "layer N" with no such heading,
// and relative Markdown links to missing files or anchors. Users only have the repository, so a
// comment that says "triton-contract.md §2.4" must lead them to a section headed 2.4.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize } from "node:path";

/** A file to scan: its repository-relative path and its text. */
export interface ScannedFile {
  path: string;
  text: string;
}

/** What the checker may ask about the repository. */
export interface Repository {
  /** True when the repository-relative path exists (file or directory). */
  exists(path: string): boolean;
  /** The heading lines (`#…` without the hashes) of a repository-relative Markdown file. */
  headings(path: string): string[];
}

/** One citation that does not resolve. */
export interface BrokenCitation {
  file: string;
  line: number;
  citation: string;
  problem: string;
}

/**
 * Documents cited by bare name (`design.md`, `pulumi-notes §1.9`): they live in docs/. The `.md`
 * is optional for these names because the code has always cited them both ways.
 */
export const DOC_DIR = "docs";

const SECTION = String.raw`§\s?(\d+(?:\.\d+)*)`;
const MORE_SECTIONS = String.raw`(?:\s*(?:,|;|/|and|or|&)?\s*§\s?\d+(?:\.\d+)*)*`;
// A Markdown file name with an optional relative directory, not inside a URL or after `repo:`.
const MD_FILE = String.raw`(?<![\w/.:@-])((?:\.{1,2}/|[\w-]+/)*[\w.-]+\.md)\b`;

/** GitHub's anchor of a heading: lower case, punctuation except '-' and '_' dropped, spaces to '-'. */
export function githubAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

/** The section number a heading carries (`2.4 How …` → "2.4", `0. Wire …` → "0"), if any. */
export function headingNumber(heading: string): string | undefined {
  return /^(\d+(?:\.\d+)*)\.?(?:\s|$)/.exec(heading.trim())?.[1];
}

function lineOf(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** The repository path a citation names, or undefined when it names nothing here to check. */
function resolveDoc(
  cited: string,
  from: string,
  repo: Repository,
  ownDocs: ReadonlySet<string>,
): string | undefined {
  const bare = !cited.includes("/");
  if (bare && ownDocs.has(cited)) {
    return repo.exists(join(DOC_DIR, cited)) ? join(DOC_DIR, cited) : undefined;
  }
  const candidates = bare
    ? [join(dirname(from), cited), cited, join(DOC_DIR, cited)]
    : [normalize(join(dirname(from), cited)), normalize(cited)];
  return candidates.find((c) => !c.startsWith("..") && repo.exists(c));
}

/** Every unresolved citation in `files`. `ownDocs` are the names of the Markdown files in docs/. */
export function findBrokenCitations(
  files: readonly ScannedFile[],
  repo: Repository,
  ownDocs: ReadonlySet<string>,
): BrokenCitation[] {
  const broken: BrokenCitation[] = [];
  const ownNames = [...ownDocs].map((d) => d.replace(/\.md$/, ""));
  const ownAlternation = ownNames.map((n) => n.replace(/[-.]/g, "\\$&")).join("|");
  for (const file of files) {
    const report = (index: number, citation: string, problem: string) =>
      broken.push({ file: file.path, line: lineOf(file.text, index), citation, problem });
    const sectionsOf = (doc: string) => new Set(repo.headings(doc).map(headingNumber));
    const hasSection = (doc: string, n: string) => sectionsOf(doc).has(n);

    // 1. Every `<name>.md` (own docs or repository paths) must exist.
    for (const m of file.text.matchAll(new RegExp(MD_FILE, "g"))) {
      const cited = m[1] ?? "";
      // `server: docs/x.md` or kps: `charts/x.md`: a path in another repository, named by its key.
      const before = file.text.slice(Math.max(0, m.index - 24), m.index);
      if (/`[\w-]+:\s?$|(?:^|[\s(])[\w-]+:\s?`$/.test(before)) continue;
      if (resolveDoc(cited, file.path, repo, ownDocs) === undefined) {
        report(m.index, cited, `${cited} is not in the repository`);
      }
    }
    if (ownAlternation === "") continue;

    // 2. `<own doc>[.md] §n[, §m …]` and `<own doc>[.md][,] "Heading"` / `invariant N` / `layer N`.
    // A bare `§n` later in the same file refers to the last own document named before it.
    const named = new RegExp(
      String.raw`(?<![\w/-])(${ownAlternation})(\.md)?(?:` +
        String.raw`\s+(${SECTION}${MORE_SECTIONS})` +
        String.raw`|,?\s+"([^"\n]+)"` +
        String.raw`|\s+(invariant|layer)\s+(\d+)` +
        String.raw`)?`,
      "gi",
    );
    const mentions: { index: number; end: number; doc: string }[] = [];
    for (const m of file.text.matchAll(named)) {
      const [, name = "", md, list, , quoted, kind, kindNumber] = m;
      // Without `.md` a name is a citation only with a section after it ("pulumi-notes §1.9"),
      // so that the word "design" in a sentence is not taken for the document.
      if (md === undefined && list === undefined && quoted === undefined && kind === undefined) {
        continue;
      }
      const doc = join(DOC_DIR, `${name.toLowerCase()}.md`);
      mentions.push({ index: m.index, end: m.index + m[0].length, doc });
      if (!repo.exists(doc)) {
        // With `.md` step 1 has reported it already.
        if (md === undefined) report(m.index, name, `${doc} is not in the repository`);
        continue;
      }
      if (list !== undefined) {
        for (const s of list.matchAll(/§\s?(\d+(?:\.\d+)*)/g)) {
          const n = s[1] ?? "";
          if (!hasSection(doc, n)) {
            report(m.index, `${name} §${n}`, `${doc} has no heading numbered ${n}`);
          }
        }
      }
      if (quoted !== undefined) {
        const want = quoted.toLowerCase();
        if (!repo.headings(doc).some((h) => h.toLowerCase().includes(want))) {
          report(m.index, `${name} "${quoted}"`, `${doc} has no heading containing "${quoted}"`);
        }
      }
      if (kind !== undefined) {
        const want = new RegExp(`^${kind}\\s+${kindNumber}\\b`, "i");
        if (!repo.headings(doc).some((h) => want.test(h.trim()))) {
          report(
            m.index,
            `${name} ${kind} ${kindNumber}`,
            `${doc} has no heading "${kind} ${kindNumber}"`,
          );
        }
      }
    }
    for (const s of file.text.matchAll(new RegExp(SECTION, "g"))) {
      if (mentions.some((x) => x.index <= s.index && s.index < x.end)) continue;
      // In a document of docs/, a bare section is one of its own; elsewhere, of the last one named.
      const self = file.path.startsWith(`${DOC_DIR}/`) ? { doc: file.path } : undefined;
      const before = self ?? mentions.filter((x) => x.index < s.index).at(-1);
      const n = s[1] ?? "";
      const precededBy = file.text.slice(Math.max(0, s.index - 16), s.index);
      if (/RFC\s?\d+[\s*,]*$/.test(precededBy)) continue;
      if (before === undefined) {
        report(s.index, `§${n}`, "a section cited without naming the document anywhere before it");
      } else if (repo.exists(before.doc) && !hasSection(before.doc, n)) {
        const where = self ? "" : " (named earlier in the file)";
        report(s.index, `§${n}`, `${before.doc}${where} has no heading numbered ${n}`);
      }
    }

    // 3. Relative Markdown links in Markdown files: the file and, for .md targets, the anchor.
    if (!file.path.endsWith(".md")) continue;
    for (const m of file.text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1] ?? "";
      if (/^[a-z]+:/i.test(target)) continue;
      const [path = "", anchor] = target.split("#");
      const resolved = path === "" ? file.path : normalize(join(dirname(file.path), path));
      if (path !== "" && !repo.exists(resolved)) {
        report(m.index, target, `link target ${resolved} is not in the repository`);
        continue;
      }
      if (anchor !== undefined && resolved.endsWith(".md")) {
        const anchors = repo.headings(resolved).map(githubAnchor);
        if (!anchors.includes(anchor)) {
          report(m.index, target, `${resolved} has no anchor #${anchor}`);
        }
      }
    }
  }
  return broken;
}

const SCANNED_DIRS = ["src", "test", "bench", "scripts", "policy", ".github", DOC_DIR];
const SCANNED_EXTENSIONS = /\.(ts|mts|cts|mjs|cjs|js|md|ya?ml|sh)$/;

function walk(root: string, dir: string): string[] {
  if (!existsSync(join(root, dir))) return [];
  return readdirSync(join(root, dir))
    .sort()
    .flatMap((entry) => {
      const path = join(dir, entry);
      if (entry === "node_modules" || entry.startsWith(".")) return [];
      if (statSync(join(root, path)).isDirectory()) return walk(root, path);
      return SCANNED_EXTENSIONS.test(entry) ? [path] : [];
    });
}

/** The test of this checker: its examples of broken citations are broken on purpose. */
const NOT_SCANNED = new Set(["test/docs/citations.test.ts"]);

/**
 * The files the citation check reads: src/, test/, bench/, scripts/, policy/, .github/, docs/,
 * README.md and the top-level configuration files (eslint.config.mjs, Pulumi*.yaml).
 */
export function scannedFiles(root: string): ScannedFile[] {
  const topLevel = readdirSync(root)
    .filter((f) => f === "README.md" || f === "eslint.config.mjs" || /^Pulumi.*\.ya?ml$/.test(f))
    .sort();
  const paths = [...SCANNED_DIRS.flatMap((d) => walk(root, d)), ...topLevel].filter(
    (p) => !NOT_SCANNED.has(p),
  );
  return paths.map((path) => ({ path, text: readFileSync(join(root, path), "utf8") }));
}

/** The repository on disk at `root`. */
export function diskRepository(root: string): Repository {
  const cache = new Map<string, string[]>();
  return {
    exists: (path) => existsSync(join(root, path)),
    headings: (path) => {
      let found = cache.get(path);
      if (found === undefined) {
        const text = existsSync(join(root, path)) ? readFileSync(join(root, path), "utf8") : "";
        found = markdownHeadings(text);
        cache.set(path, found);
      }
      return found;
    },
  };
}

/** Heading texts of a Markdown document, outside fenced code blocks. */
export function markdownHeadings(text: string): string[] {
  const headings: string[] = [];
  let fenced = false;
  for (const line of text.split("\n")) {
    if (/^\s*```/.test(line)) fenced = !fenced;
    const m = fenced ? null : /^#{1,6}\s+(.+?)\s*#*\s*$/.exec(line);
    if (m) headings.push(m[1] ?? "");
  }
  return headings;
}

/**
 * The documents of docs/ that may be cited by bare name: the Markdown files there, and the four
 * the code has always cited (so a missing one is reported even where it is cited without `.md`).
 */
export function ownDocuments(root: string): Set<string> {
  const dir = join(root, DOC_DIR);
  const present = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".md")) : [];
  return new Set([...CITED_BY_NAME, ...present]);
}
export const CITED_BY_NAME = [
  "design.md",
  "triton-contract.md",
  "mlflow-contract.md",
  "pulumi-notes.md",
];
