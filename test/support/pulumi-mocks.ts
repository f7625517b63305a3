// Pulumi mocks that record every registered resource with what the engine would see: type, name,
// URN, parent, dependencies, `protect` and inputs (secrets still wrapped, so tests can check that
// a secret only ever travels as a secret). pulumi-notes.md §2.
//
// Program runs happen as the engine runs them (test/support/engine); this module holds what
// they record and the mocks Pulumi's MockMonitor answers registrations with.
import type * as pulumi from "@pulumi/pulumi";

/** The wrapper a secret value travels in through the mock monitor (rpc.ts `specialSecretSig`). */
export const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG_VALUE = "1b47061264138c4ac30d75fd1eb44270";

export interface RecordedResource {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  /** URN of the parent ("" for the stack itself). */
  readonly parent: string;
  /** URNs of explicit and implicit (input) dependencies. */
  readonly dependencies: readonly string[];
  readonly protect: boolean;
  readonly custom: boolean;
  /** Inputs as the engine receives them; secrets are `{ [SECRET_SIG_KEY]: SECRET_SIG_VALUE, value }`. */
  readonly inputs: Record<string, unknown>;
}

export interface ProgramRun {
  readonly resources: RecordedResource[];
  /** Stack outputs, resolved (secrets unwrapped). */
  readonly outputs: Record<string, unknown>;
}

export function isSecretWrapper(v: unknown): v is { value: unknown } {
  return (
    typeof v === "object" &&
    v !== null &&
    (v as Record<string, unknown>)[SECRET_SIG_KEY] === SECRET_SIG_VALUE
  );
}

/** The same value with every secret wrapper replaced by `replace(value)` (default: the value). */
export function unwrapSecrets(
  v: unknown,
  replace: (value: unknown) => unknown = (x) => x,
): unknown {
  if (isSecretWrapper(v)) return replace(unwrapSecrets(v.value, replace));
  if (Array.isArray(v)) return v.map((x) => unwrapSecrets(x, replace));
  if (typeof v === "object" && v !== null) {
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, unwrapSecrets(x, replace)]),
    );
  }
  return v;
}

/**
 * State a provider computes, by resource type: the mock adds it to the echoed inputs of every
 * resource of that type, so outputs that only a real create would fill in resolve to known values.
 */
export type ComputedState = Record<string, Record<string, unknown>>;

/** What each registration's mock saw, by `<type>::<name>`. */
export type InputsByKey = Map<string, { inputs: Record<string, unknown>; custom: boolean }>;

/**
 * Mocks whose resources echo their inputs as state (plus `computedState` for the type) with id
 * `<name>-id`, so names and metadata resolve like a real create; each registration's inputs are
 * kept in `inputsByKey`.
 */
export function echoingMocks(
  inputsByKey: InputsByKey,
  computedState: ComputedState | undefined,
): pulumi.runtime.Mocks {
  return {
    newResource(args) {
      inputsByKey.set(`${args.type}::${args.name}`, {
        inputs: args.inputs as Record<string, unknown>,
        custom: args.custom ?? false,
      });
      const state = {
        ...(args.inputs as Record<string, unknown>),
        ...computedState?.[args.type],
      };
      return { id: `${args.name}-id`, state };
    },
    call(args) {
      return args.inputs as Record<string, unknown>;
    },
  };
}
