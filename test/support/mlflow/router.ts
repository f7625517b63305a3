// Flask-style routing: rules like `/api/2.0/mlflow-artifacts/artifacts/<path:artifact_path>`,
// 404 for an unknown path and 405 (with Allow) for a known path with the wrong method — both as
// Werkzeug HTML pages, never JSON (mlflow-contract.md §4).
import type { IncomingMessage } from "node:http";
import type { ArtifactStore } from "./artifact-store";
import type { BehaviourSwitches } from "./options";
import type { Reply } from "./reply";
import { requestFields, type Fields, type RequestInfo } from "./request-params";
import type { JsonWriter } from "./serialize";
import type { RegistryStore } from "./store";

/** What a handler can reach. */
export interface ServerCore {
  readonly store: RegistryStore;
  readonly artifacts: ArtifactStore;
  readonly switches: BehaviourSwitches;
  readonly writer: JsonWriter;
  readonly mlflowVersion: string;
  readonly is3x: boolean;
  readonly now: () => number;
}

export interface RouteContext {
  readonly core: ServerCore;
  readonly method: string;
  /** The raw request path (no dot-segment resolution) and the parsed query string. */
  readonly pathname: string;
  readonly query: URLSearchParams;
  readonly incoming: IncomingMessage;
  /** Path parameters, already percent-decoded. */
  readonly params: Readonly<Record<string, string>>;
  /** The Flask rule that matched (MLflow quotes it in its 503 texts). */
  readonly rule: string;
  /** The request message (query for a GET with one, else the JSON body). */
  fields(repeated?: readonly string[]): Promise<Fields>;
}

/**
 * Which MLflow guard wraps the handler: `_disable_if_artifacts_only` (tracking/registry) or
 * `_disable_unless_serve_artifacts` (the mlflow-artifacts service).
 */
export type Guard = "tracking" | "artifacts" | "none";

export interface RouteDef {
  readonly methods: readonly string[];
  readonly rule: string;
  readonly guard: Guard;
  readonly handler: (ctx: RouteContext) => Promise<Reply> | Reply;
}

interface CompiledRoute extends RouteDef {
  readonly regex: RegExp;
  readonly keys: readonly string[];
}

export type RouteMatch =
  | { readonly kind: "found"; readonly route: RouteDef; readonly params: Record<string, string> }
  | { readonly kind: "method-not-allowed"; readonly allow: readonly string[] }
  | { readonly kind: "not-found" };

function compile(def: RouteDef): CompiledRoute {
  const keys: string[] = [];
  const source = def.rule
    .split(/(<(?:path:)?[A-Za-z_]+>)/)
    .map((part) => {
      const param = /^<(path:)?([A-Za-z_]+)>$/.exec(part);
      if (!param) return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      keys.push(param[2]!);
      return param[1] ? "(.+)" : "([^/]+)";
    })
    .join("");
  return { ...def, regex: new RegExp(`^${source}$`), keys };
}

export class Router {
  private readonly routes: CompiledRoute[];

  constructor(defs: readonly RouteDef[]) {
    this.routes = defs.map(compile);
  }

  match(method: string, pathname: string): RouteMatch {
    const allowed = new Set<string>();
    for (const route of this.routes) {
      const m = route.regex.exec(pathname);
      if (!m) continue;
      const methods = new Set(route.methods);
      // Flask adds HEAD to every GET rule and answers OPTIONS itself.
      if (methods.has("GET")) methods.add("HEAD");
      methods.add("OPTIONS");
      if (methods.has(method)) {
        const params: Record<string, string> = {};
        route.keys.forEach((key, i) => {
          params[key] = safeDecode(m[i + 1]!);
        });
        return { kind: "found", route, params };
      }
      for (const allowedMethod of methods) allowed.add(allowedMethod);
    }
    if (allowed.size > 0) return { kind: "method-not-allowed", allow: [...allowed].sort() };
    return { kind: "not-found" };
  }
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Read the whole request body once (only handlers that need it call this). */
export function bodyReader(incoming: IncomingMessage): () => Promise<Buffer> {
  let body: Promise<Buffer> | undefined;
  return () => {
    body ??= (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of incoming) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    })();
    return body;
  };
}

export function fieldsReader(
  method: string,
  query: URLSearchParams,
  incoming: IncomingMessage,
  readBody: () => Promise<Buffer>,
): (repeated?: readonly string[]) => Promise<Fields> {
  return async (repeated = []) => {
    const needsBody = !(method === "GET" && [...query.keys()].length > 0);
    const info: RequestInfo = {
      method,
      query,
      headers: incoming.headers,
      body: needsBody ? await readBody() : Buffer.alloc(0),
    };
    return requestFields(info, repeated);
  };
}
