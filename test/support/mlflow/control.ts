// The test-control API over HTTP, under its own prefix so it never collides with (or is
// mistaken for) MLflow's paths: faults, the request log, behaviour switches, version statuses
// and simulated S3 objects. No auth, no faults, not logged.
import type { IncomingMessage } from "node:http";
import type { FaultRule } from "./faults";
import { parseSwitchChanges } from "./options";
import { jsonReply, type Reply } from "./reply";
import { MODEL_VERSION_STATUSES, type ModelVersionStatus } from "./store";
import type { MlflowHandle } from "./server";

export const CONTROL_PREFIX = "/_mlflow_test";

const HTTP_FAULT_KINDS = ["status", "delay", "reset", "close", "truncate", "corrupt", "set-alias"];

class ControlError extends Error {}

async function readJson(incoming: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of incoming) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  try {
    const value: unknown = text === "" ? {} : JSON.parse(text);
    if (typeof value === "object" && value !== null && !Array.isArray(value)) {
      return value as Record<string, unknown>;
    }
  } catch {
    // fall through
  }
  throw new ControlError(`expected a JSON object body, got: ${text.slice(0, 200)}`);
}

async function readBytes(incoming: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of incoming) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function faultRuleFrom(body: Record<string, unknown>): FaultRule {
  if (typeof body.path !== "string" || body.path === "") {
    throw new ControlError(`fault rule needs "path" (a regular-expression source string)`);
  }
  if (typeof body.kind !== "string" || !HTTP_FAULT_KINDS.includes(body.kind)) {
    throw new ControlError(
      `fault rule "kind" must be one of ${HTTP_FAULT_KINDS.join(", ")}, got ${JSON.stringify(body.kind)}`,
    );
  }
  try {
    new RegExp(body.path);
  } catch (error) {
    throw new ControlError(
      `fault rule "path" is not a valid regular expression: ${(error as Error).message}`,
    );
  }
  return body as unknown as FaultRule;
}

export async function handleControl(
  handle: MlflowHandle,
  method: string,
  pathname: string,
  incoming: IncomingMessage,
): Promise<Reply> {
  const path = pathname.slice(CONTROL_PREFIX.length);
  try {
    if (path === "/faults" && method === "POST") {
      return jsonReply({ id: handle.faults.add(faultRuleFrom(await readJson(incoming))) });
    }
    if (path === "/faults" && method === "GET") return jsonReply({ faults: handle.faults.list() });
    if (path === "/faults" && method === "DELETE") {
      handle.faults.clear();
      return jsonReply({});
    }
    if (path === "/requests" && method === "GET") return jsonReply({ requests: handle.requests() });
    if (path === "/requests" && method === "DELETE") {
      handle.clearRequests();
      return jsonReply({});
    }
    if (path === "/switches" && method === "GET") return jsonReply({ switches: handle.switches() });
    if (path === "/switches" && method === "PATCH") {
      handle.setSwitches(parseSwitchChanges(await readJson(incoming)));
      return jsonReply({ switches: handle.switches() });
    }
    if (path === "/model-version-status" && method === "POST") {
      const body = await readJson(incoming);
      const status = body.status as ModelVersionStatus;
      if (!MODEL_VERSION_STATUSES.includes(status)) {
        throw new ControlError(
          `"status" must be one of ${MODEL_VERSION_STATUSES.join(", ")}, got ${JSON.stringify(body.status)}`,
        );
      }
      handle.setModelVersionStatus(
        String(body.name),
        String(body.version),
        status,
        typeof body.status_message === "string" ? body.status_message : undefined,
      );
      return jsonReply({});
    }
    const s3 = /^\/s3\/([^/]+)\/(.+)$/.exec(path);
    if (s3 && method === "PUT") {
      await handle.putS3Object(
        `s3://${s3[1]}/${decodeURIComponent(s3[2]!)}`,
        await readBytes(incoming),
      );
      return jsonReply({});
    }
    return jsonReply({ error: `no test-control route ${method} ${pathname}` }, 404);
  } catch (error) {
    return jsonReply({ error: (error as Error).message }, 400);
  }
}
