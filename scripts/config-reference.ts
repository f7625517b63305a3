// Generates the README's config reference from the zod schema (src/config/schema.ts), so the
// documentation cannot drift from what the program accepts; test/config/config-reference.test.ts
// fails when the README is out of date.
//
//   npx tsx scripts/config-reference.ts           print the section
//   npx tsx scripts/config-reference.ts --write   rewrite it in README.md
//   npx tsx scripts/config-reference.ts --check   exit 1 if README.md is out of date
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { setSecretCommand } from "../src/config/errors";
import { SECRET_KEYS, StackConfigSchema } from "../src/config/schema";

export const START_MARKER = "<!-- config-reference:start -->";
export const END_MARKER = "<!-- config-reference:end -->";

interface JsonSchema {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  additionalProperties?: JsonSchema | boolean;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minItems?: number;
  anyOf?: JsonSchema[];
}

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

function typeOf(s: JsonSchema): string {
  if (s.enum) return s.enum.map((v) => `\`${JSON.stringify(v)}\``).join(" / ");
  if (s.anyOf) return s.anyOf.map(typeOf).join(" or ");
  const t = Array.isArray(s.type) ? s.type.join("/") : (s.type ?? "any");
  if (t === "integer" || t === "number") {
    const bounds: string[] = [];
    if (s.minimum !== undefined && s.minimum > Number.MIN_SAFE_INTEGER) {
      bounds.push(`≥ ${s.minimum}`);
    }
    if (s.exclusiveMinimum !== undefined) bounds.push(`> ${s.exclusiveMinimum}`);
    if (s.maximum !== undefined && s.maximum < Number.MAX_SAFE_INTEGER) {
      bounds.push(`≤ ${s.maximum}`);
    }
    return bounds.length > 0 ? `${t} ${bounds.join(", ")}` : t;
  }
  if (t === "array") return `list of ${s.items ? typeOf(s.items) : "any"}`;
  if (t === "object" && !s.properties && typeof s.additionalProperties === "object") {
    return `map of ${typeOf(s.additionalProperties)}`;
  }
  return t;
}

function defaultOf(s: JsonSchema, required: boolean): string {
  if (s.default !== undefined) {
    const text = JSON.stringify(s.default);
    return `\`${text.length > 60 ? `${text.slice(0, 57)}...` : text}\``;
  }
  return required ? "**required**" : "optional";
}

/** One row per key, nested keys by dotted path (`models[].inputs[].name`). */
function rows(schema: JsonSchema, prefix: string): string[] {
  const out: string[] = [];
  const required = new Set(schema.required ?? []);
  for (const [key, prop] of Object.entries(schema.properties ?? {})) {
    const path = prefix === "" ? key : `${prefix}.${key}`;
    out.push(
      `| \`${path}\` | ${cell(typeOf(prop))} | ${defaultOf(prop, required.has(key))} | ${cell(prop.description ?? "")} |`,
    );
    if (prop.properties) out.push(...rows(prop, path));
    if (prop.items?.properties) out.push(...rows(prop.items, `${path}[]`));
  }
  return out;
}

export function renderConfigReference(): string {
  const schema = z.toJSONSchema(StackConfigSchema, {
    io: "input",
    unrepresentable: "any",
  }) as JsonSchema;
  const secretRows = Object.entries(SECRET_KEYS).map(
    ([key, s]) =>
      `| \`${key}\` | ${s.required ? "yes" : "no"} | \`${s.env}\` | ${cell(s.description)} |`,
  );
  return [
    START_MARKER,
    "<!-- Generated from src/config/schema.ts by `npx tsx scripts/config-reference.ts --write`; a test fails when it is out of date. -->",
    "",
    "### Stack config",
    "",
    "Keys of `Pulumi.<stack>.yaml`, each under the project namespace (`triton-serving:<key>`). Unknown keys are errors. Cross-key rules (checked once the keys are valid): exactly one of `alias`/`version` per model; unique model names; `KIND_GPU` needs `triton.gpu.enabled`; `dynamicBatching` needs `maxBatchSize > 0`; at least `triton.replicas` deploy endpoints; a digest when `triton.requireImageDigest`; no `triton.extraArgs` flag the platform sets itself; `nodePorts` only with a NodePort Service; the monitoring namespace differs from Triton's.",
    "",
    "| key | type | default | description |",
    "| --- | --- | --- | --- |",
    ...rows(schema, ""),
    "",
    "### Secrets",
    "",
    `Set with \`${setSecretCommand("<key>", "<stack>")}\`; the program reads them only as secrets. The model CLI and the render command read them from the environment variable instead.`,
    "",
    "| key | required | environment variable | description |",
    "| --- | --- | --- | --- |",
    ...secretRows,
    END_MARKER,
  ].join("\n");
}

/** Where the marked section (markers included) is in `readme`, or undefined without markers. */
function sectionBounds(readme: string): { start: number; end: number } | undefined {
  const start = readme.indexOf(START_MARKER);
  const end = readme.indexOf(END_MARKER);
  return start < 0 || end < start ? undefined : { start, end: end + END_MARKER.length };
}

/** `readme` with the text between the markers (inclusive) replaced by `section`. */
export function replaceSection(readme: string, section: string): string {
  const at = sectionBounds(readme);
  if (at === undefined) {
    throw new Error(`README.md: expected the markers ${START_MARKER} ... ${END_MARKER}`);
  }
  return readme.slice(0, at.start) + section + readme.slice(at.end);
}

export function currentSection(readme: string): string {
  const at = sectionBounds(readme);
  return at === undefined ? "" : readme.slice(at.start, at.end);
}

if (require.main === module) {
  const readmePath = join(__dirname, "..", "README.md");
  const section = renderConfigReference();
  const mode = process.argv[2];
  if (mode === "--write") {
    writeFileSync(readmePath, replaceSection(readFileSync(readmePath, "utf8"), section));
  } else if (mode === "--check") {
    if (currentSection(readFileSync(readmePath, "utf8")) !== section) {
      console.error(
        "README.md config reference is out of date: npx tsx scripts/config-reference.ts --write",
      );
      process.exit(1);
    }
  } else {
    console.log(section);
  }
}
