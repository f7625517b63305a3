// MLflow's basic-auth app in front of every route (mlflow-contract.md §4, §5): no or wrong
// credentials → 401 plain text with `WWW-Authenticate: Basic realm="mlflow"`; known credentials
// without the permission → 403 `Permission denied`. Bearer tokens (MLFLOW_TRACKING_TOKEN, as a
// reverse proxy or a hosted MLflow checks them) are accepted the same way when configured.
import type { IncomingHttpHeaders } from "node:http";
import { PERMISSION_DENIED_TEXT, UNAUTHENTICATED_TEXT } from "./errors";
import type { AuthOptions, Permission } from "./options";
import { textReply, type Reply } from "./reply";

export type AuthOutcome =
  | { readonly ok: true; readonly principal: string; readonly permission: Permission }
  | { readonly ok: false; readonly reply: Reply };

// The basic-auth app leaves only these prefixes unprotected (`is_unprotected_route`).
const UNPROTECTED_PREFIXES = ["/static", "/favicon.ico", "/health"];

export function isUnprotectedRoute(path: string): boolean {
  return UNPROTECTED_PREFIXES.some((prefix) => path.startsWith(prefix));
}

export function unauthenticatedReply(): Reply {
  return textReply(401, UNAUTHENTICATED_TEXT, { "WWW-Authenticate": 'Basic realm="mlflow"' });
}

export function forbiddenReply(): Reply {
  return textReply(403, PERMISSION_DENIED_TEXT);
}

export function authenticate(headers: IncomingHttpHeaders, auth: AuthOptions): AuthOutcome {
  const header = headers.authorization ?? "";
  const basic = /^Basic\s+(.+)$/i.exec(header);
  if (basic) {
    const decoded = Buffer.from(basic[1]!, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    const username = colon >= 0 ? decoded.slice(0, colon) : decoded;
    const password = colon >= 0 ? decoded.slice(colon + 1) : "";
    const user = auth.users?.find((u) => u.username === username && u.password === password);
    if (user) return { ok: true, principal: username, permission: user.permission ?? "MANAGE" };
  }
  const bearer = /^Bearer\s+(.+)$/i.exec(header);
  if (bearer) {
    const token = auth.tokens?.find((t) => t.token === bearer[1]);
    if (token) return { ok: true, principal: "token", permission: token.permission ?? "MANAGE" };
  }
  // Missing, malformed or wrong credentials all get the same challenge.
  return { ok: false, reply: unauthenticatedReply() };
}

/** Reads need READ; anything else needs EDIT or MANAGE; NO_PERMISSIONS gets nothing. */
export function isPermitted(method: string, permission: Permission): boolean {
  if (permission === "NO_PERMISSIONS") return false;
  if (method === "GET" || method === "HEAD" || method === "OPTIONS") return true;
  return permission === "EDIT" || permission === "MANAGE";
}

export { PERMISSION_DENIED_TEXT, UNAUTHENTICATED_TEXT };
