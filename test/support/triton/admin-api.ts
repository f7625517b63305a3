// The admin endpoint: the in-process test controls over HTTP, on a separate port, for when the
// server runs as a child process. Never on Triton's own ports or paths.
//
//   GET    /admin/status              {"running":bool,"httpPort":n,"metricsPort":n}
//   GET    /admin/request-log         [{atMs, model, requestedVersion?, servedVersion?, status}]
//   DELETE /admin/request-log
//   GET    /admin/models              {"<model>":{"<version>":{"state":…,"reason":…}}}
//   PUT    /admin/latency             {"model":m,"version"?:v,"ms":n}            (ms 0 clears)
//   PUT    /admin/execution-failure   {"model":m,"version"?:v,"code"?:c,"message"?:s}
//   DELETE /admin/execution-failure   {"model":m,"version"?:v}
//   PUT    /admin/load-delay          {"model":m,"version"?:v,"ms":n}            (ms 0 clears)
//   PUT    /admin/load-failure        {"model":m,"version"?:v,"code"?:c,"message"?:s}
//   DELETE /admin/load-failure        {"model":m,"version"?:v}
//   POST   /admin/reset-controls
//   POST   /admin/crash               close every socket abruptly, drop all state
//   POST   /admin/restart             start again with the same flags on the same ports
import type { IncomingMessage, ServerResponse } from "node:http";
import type { TritonErrorCode } from "./errors";
import type { TritonHandle } from "./server";

const CODES: readonly TritonErrorCode[] = [
  "UNKNOWN",
  "INTERNAL",
  "NOT_FOUND",
  "INVALID_ARG",
  "UNAVAILABLE",
  "UNSUPPORTED",
  "ALREADY_EXISTS",
  "CANCELLED",
];

class BadRequest extends Error {}

interface Target {
  model: string;
  version: number | undefined;
}

function target(body: Record<string, unknown>): Target {
  if (typeof body.model !== "string" || body.model === "") {
    throw new BadRequest(`'model' must be a non-empty string, got ${JSON.stringify(body.model)}`);
  }
  const v = body.version;
  if (v !== undefined && (typeof v !== "number" || !Number.isInteger(v))) {
    throw new BadRequest(`'version' must be an integer when given, got ${JSON.stringify(v)}`);
  }
  return { model: body.model, version: v };
}

function ms(body: Record<string, unknown>): number {
  if (typeof body.ms !== "number" || body.ms < 0) {
    throw new BadRequest(`'ms' must be a non-negative number, got ${JSON.stringify(body.ms)}`);
  }
  return body.ms;
}

function failure(body: Record<string, unknown>): { code?: TritonErrorCode; message?: string } {
  const code = body.code;
  if (code !== undefined && !(CODES as readonly unknown[]).includes(code)) {
    throw new BadRequest(`'code' must be one of ${CODES.join(", ")}, got ${JSON.stringify(code)}`);
  }
  if (body.message !== undefined && typeof body.message !== "string") {
    throw new BadRequest(`'message' must be a string, got ${JSON.stringify(body.message)}`);
  }
  return {
    ...(code !== undefined ? { code: code as TritonErrorCode } : {}),
    ...(body.message !== undefined ? { message: body.message } : {}),
  };
}

export function createAdminHandler(handle: TritonHandle) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const send = (status: number, value: unknown): void => {
        const body = JSON.stringify(value);
        res.writeHead(status, {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
        });
        res.end(body);
      };
      const run = async (): Promise<unknown> => {
        const text = Buffer.concat(chunks).toString("utf8");
        let body: Record<string, unknown> = {};
        if (text.trim() !== "") {
          try {
            body = JSON.parse(text) as Record<string, unknown>;
          } catch (e) {
            throw new BadRequest(`request body is not JSON: ${(e as Error).message}`);
          }
        }
        const route = `${req.method ?? "GET"} ${(req.url ?? "/").split("?")[0]}`;
        switch (route) {
          case "GET /admin/status":
            return {
              running: handle.running,
              httpPort: handle.httpPort,
              metricsPort: handle.metricsPort,
            };
          case "GET /admin/request-log":
            return handle.requestLog();
          case "DELETE /admin/request-log":
            handle.clearRequestLog();
            return {};
          case "GET /admin/models": {
            const out: Record<string, Record<string, unknown>> = {};
            for (const [m, versions] of handle.modelStates()) {
              out[m] = Object.fromEntries([...versions].map(([v, s]) => [String(v), s]));
            }
            return out;
          }
          case "PUT /admin/latency": {
            const t = target(body);
            handle.setLatency(t.model, t.version, ms(body));
            return {};
          }
          case "PUT /admin/execution-failure": {
            const t = target(body);
            handle.failExecution(t.model, t.version, failure(body));
            return {};
          }
          case "DELETE /admin/execution-failure": {
            const t = target(body);
            handle.failExecution(t.model, t.version, undefined);
            return {};
          }
          case "PUT /admin/load-delay": {
            const t = target(body);
            handle.setLoadDelay(t.model, t.version, ms(body));
            return {};
          }
          case "PUT /admin/load-failure": {
            const t = target(body);
            handle.failLoad(t.model, t.version, failure(body));
            return {};
          }
          case "DELETE /admin/load-failure": {
            const t = target(body);
            handle.failLoad(t.model, t.version, undefined);
            return {};
          }
          case "POST /admin/reset-controls":
            handle.resetControls();
            return {};
          case "POST /admin/crash":
            await handle.crash();
            return {};
          case "POST /admin/restart":
            await handle.restart();
            return { httpPort: handle.httpPort, metricsPort: handle.metricsPort };
          default:
            throw new NotFound(`no admin route ${route}`);
        }
      };
      run().then(
        (value) => send(200, value),
        (e: unknown) => {
          const status = e instanceof BadRequest ? 400 : e instanceof NotFound ? 404 : 500;
          send(status, { error: e instanceof Error ? e.message : String(e) });
        },
      );
    });
  };
}

class NotFound extends Error {}
