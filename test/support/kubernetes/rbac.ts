// Authentication by bearer token and RBAC as a per-token allow-list (kubernetes-contract.md
// §1.2, §1.4): the allow-list stands in for Roles and RoleBindings, the denial is the real one.
import { statusErrors, type GroupResource } from "./status";

export interface TokenIdentity {
  /** The user the token authenticates as, e.g. `system:serviceaccount:ml:runner`. */
  readonly user: string;
  /**
   * What the token may do: `"<verb> <resource>[.<group>][/<subresource>]"` entries such as
   * `"get pods"`, `"create jobs.batch"`, `"get pods/log"`; `"*"` allows everything.
   */
  readonly allow: readonly string[];
}

export interface RequestAttributes {
  readonly verb: string;
  readonly gr: GroupResource;
  readonly subresource: string;
  readonly namespace: string;
  readonly name: string;
}

export function authenticate(
  header: string | undefined,
  tokens: Readonly<Record<string, TokenIdentity>>,
): TokenIdentity {
  const m = /^Bearer\s+(\S+)$/i.exec(header ?? "");
  const identity = m ? tokens[m[1] as string] : undefined;
  if (identity === undefined) throw statusErrors.unauthorized();
  return identity;
}

export function authorize(identity: TokenIdentity, a: RequestAttributes): void {
  const resource = a.gr.group === "" ? a.gr.resource : `${a.gr.resource}.${a.gr.group}`;
  const wanted = `${a.verb} ${a.subresource === "" ? resource : `${resource}/${a.subresource}`}`;
  if (identity.allow.includes("*") || identity.allow.includes(wanted)) return;
  throw statusErrors.forbidden(a.gr, a.name, identity.user, a.verb, a.subresource, a.namespace);
}
