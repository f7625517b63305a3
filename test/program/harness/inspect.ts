// Small readers over a recorded program run, shared by the program tests.
import assert from "node:assert/strict";
import { isDeepStrictEqual } from "node:util";
import { isSecretWrapper, unwrapSecrets, type RecordedResource } from "../../support/pulumi-mocks";

/** A Kubernetes object read by path in assertions (its shape is what the tests check). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- read by path, checked by the assertions
export type Obj = Record<string, any>;

/** `<type> <name>` of every resource, sorted: the complete set a stack registers. */
export function resourceSet(resources: readonly RecordedResource[]): string[] {
  return resources.map((r) => `${r.type} ${r.name}`).sort();
}

/** The one resource of that type and name (fails the test if absent or duplicated). */
export function one(
  resources: readonly RecordedResource[],
  type: string,
  name: string,
): RecordedResource {
  const found = resources.filter((r) => r.type === type && r.name === name);
  assert.equal(found.length, 1, `expected exactly one ${type} ${name}, found ${found.length}`);
  return found[0]!;
}

/** Inputs with secrets unwrapped, as a Kubernetes object. */
export function object(r: RecordedResource): Obj {
  return unwrapSecrets(r.inputs) as Obj;
}

/** `<type> <name>` of a URN (its `<type>::<name>` tail, the type without its parent chain). */
function shortUrn(urn: string): string {
  const parts = urn.split("::");
  const type = (parts[parts.length - 2] ?? "").split("$").pop() ?? "";
  return `${type} ${parts[parts.length - 1] ?? ""}`;
}

/** The `<type> <name>` of the parent. */
export function parentOf(r: RecordedResource): string {
  return shortUrn(r.parent);
}

/** The `<type> <name>` of each dependency URN, sorted. */
export function dependenciesOf(r: RecordedResource): string[] {
  return r.dependencies.map(shortUrn).sort();
}

/**
 * Where each marker occurs outside a secret wrapper: the JSON of all inputs with every wrapped
 * secret removed must not contain it.
 */
export function plaintextOccurrences(
  resources: readonly RecordedResource[],
  markers: readonly string[],
): string[] {
  const found: string[] = [];
  for (const r of resources) {
    const text = JSON.stringify(unwrapSecrets(r.inputs, () => "<secret>"));
    for (const m of markers) if (text.includes(m)) found.push(`${r.type} ${r.name} contains ${m}`);
  }
  return found;
}

/** True if the value is a secret wrapper whose value deep-equals `expected`. */
export function isSecretEqual(value: unknown, expected: unknown): boolean {
  return isSecretWrapper(value) && isDeepStrictEqual(value.value, expected);
}
