// Label and field selectors of list and watch requests (kubernetes-contract.md §3.1, §4.1).
import { statusErrors } from "./status";
import type { KubeObject } from "./store";

type Requirement = (labels: Readonly<Record<string, string>>) => boolean;

function parseRequirement(term: string): Requirement {
  const t = term.trim();
  const set = /^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(t);
  if (set) {
    const [, key, op, list] = set as unknown as [string, string, string, string];
    const values = list.split(",").map((v) => v.trim());
    return (labels) => {
      const present = key in labels && values.includes(labels[key] ?? "");
      return op === "in" ? present : !present;
    };
  }
  const cmp = /^([\w./-]+)\s*(==|=|!=)\s*([\w.-]*)$/.exec(t);
  if (cmp) {
    const [, key, op, value] = cmp as unknown as [string, string, string, string];
    return op === "!=" ? (l) => l[key] !== value : (l) => l[key] === value;
  }
  const exists = /^(!?)([\w./-]+)$/.exec(t);
  if (exists) {
    const [, not, key] = exists as unknown as [string, string, string];
    return not === "!" ? (l) => !(key in l) : (l) => key in l;
  }
  throw statusErrors.badRequest(`unable to parse requirement: ${JSON.stringify(t)}`);
}

/** Splits on commas outside parentheses (`a in (x,y),b=c`). */
function terms(selector: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let current = "";
  for (const ch of selector) {
    if (ch === "(") depth += 1;
    if (ch === ")") depth -= 1;
    if (ch === "," && depth === 0) {
      out.push(current);
      current = "";
    } else {
      current += ch;
    }
  }
  if (current.trim() !== "") out.push(current);
  return out;
}

export function labelMatcher(selector: string | null): (o: KubeObject) => boolean {
  if (selector === null || selector.trim() === "") return () => true;
  const requirements = terms(selector).map(parseRequirement);
  return (o) => {
    const labels = (o.metadata.labels ?? {}) as Record<string, string>;
    return requirements.every((r) => r(labels));
  };
}

/** Only `metadata.name` and `metadata.namespace` field selectors (what clients use for one object). */
export function fieldMatcher(selector: string | null): (o: KubeObject) => boolean {
  if (selector === null || selector.trim() === "") return () => true;
  const checks = terms(selector).map((term) => {
    const m = /^(metadata\.name|metadata\.namespace)\s*(==|=|!=)\s*(.*)$/.exec(term.trim());
    if (!m) throw statusErrors.badRequest(`field label not supported: ${term.split(/[=!]/)[0]}`);
    const [, field, op, value] = m as unknown as [string, string, string, string];
    const read = (o: KubeObject) =>
      field === "metadata.name" ? o.metadata.name : (o.metadata.namespace ?? "");
    return op === "!="
      ? (o: KubeObject) => read(o) !== value
      : (o: KubeObject) => read(o) === value;
  });
  return (o) => checks.every((c) => c(o));
}
