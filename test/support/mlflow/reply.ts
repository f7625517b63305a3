// What a handler answers, and how it goes on the wire — including the body-level transient
// faults (mlflow-contract.md §8: reset mid-body, truncated 200 without Content-Length, a slow
// body, a corrupted byte), which act on the bytes as they are written.
import { createReadStream } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { MlflowError, werkzeugErrorPage } from "./errors";

export interface FileBody {
  readonly path: string;
  /** First and last byte to send (inclusive), for a Range reply. */
  readonly start: number;
  readonly end: number;
}

export interface Reply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Buffer;
  readonly file?: FileBody;
  /** Send without Content-Length (`Transfer-Encoding: chunked`), as a generator body is. */
  readonly chunked?: boolean;
}

/** Faults that act on the body while it is written. */
export type BodyFault =
  | { readonly kind: "delay"; readonly delayMs: number; readonly afterBytes?: number }
  | { readonly kind: "reset"; readonly afterBytes?: number }
  | { readonly kind: "close"; readonly afterBytes?: number }
  | { readonly kind: "truncate"; readonly afterBytes?: number }
  | { readonly kind: "corrupt"; readonly offset?: number };

// Flask's `Response(mimetype="application/json")` as MLflow's handlers build it.
export function jsonReply(value: unknown, status = 200): Reply {
  return {
    status,
    headers: { "Content-Type": "application/json" },
    body: Buffer.from(JSON.stringify(value)),
  };
}

// mlflow-contract.md §4: `{"error_code": "<NAME>", "message": "<text>"}` with the mapped status.
export function mlflowErrorReply(error: MlflowError): Reply {
  return jsonReply({ error_code: error.errorCode, message: error.message }, error.httpStatus);
}

/** A Flask `Response(text, status)` / `make_response(text)`: Flask's default HTML mimetype. */
export function textReply(
  status: number,
  text: string,
  headers: Readonly<Record<string, string>> = {},
): Reply {
  return {
    status,
    headers: { "Content-Type": "text/html; charset=utf-8", ...headers },
    body: Buffer.from(text),
  };
}

/** A Werkzeug HTTPException page (unknown route, wrong method, uncaught exception …). */
export function werkzeugReply(
  status: number,
  headers: Readonly<Record<string, string>> = {},
): Reply {
  return textReply(status, werkzeugErrorPage(status), headers);
}

const CHUNK = 64 * 1024;

async function* bodyChunks(reply: Reply): AsyncGenerator<Buffer> {
  if (reply.file) {
    if (reply.file.end < reply.file.start) return;
    const stream = createReadStream(reply.file.path, {
      start: reply.file.start,
      end: reply.file.end,
      highWaterMark: CHUNK,
    });
    for await (const chunk of stream) yield chunk as Buffer;
    return;
  }
  const body = reply.body ?? Buffer.alloc(0);
  for (let offset = 0; offset < body.length; offset += CHUNK) {
    yield body.subarray(offset, Math.min(body.length, offset + CHUNK));
  }
}

function bodyLength(reply: Reply): number {
  if (reply.file) return Math.max(0, reply.file.end - reply.file.start + 1);
  return reply.body?.length ?? 0;
}

/** Write one chunk and wait until it is handed to the socket (or the socket is gone). */
function writeChunk(res: ServerResponse, chunk: Buffer): Promise<void> {
  return new Promise((resolve) => {
    if (res.destroyed) {
      resolve();
      return;
    }
    res.write(chunk, () => resolve());
  });
}

export interface SendContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** A delay the server cancels when it closes. */
  readonly sleep: (ms: number) => Promise<void>;
}

/** Send a reply, applying a body fault if one was drawn for this request. */
export async function sendReply(ctx: SendContext, reply: Reply, fault?: BodyFault): Promise<void> {
  const { req, res } = ctx;
  const total = bodyLength(reply);
  if (fault?.kind === "delay" && fault.afterBytes === undefined) {
    // A slow response: nothing at all until the delay has passed.
    await ctx.sleep(fault.delayMs);
  }
  if (res.destroyed) return;
  const headers: Record<string, string> = { ...reply.headers };
  // A truncated body is only undetectable by HTTP framing when no length was announced.
  const chunked = reply.chunked === true || fault?.kind === "truncate";
  if (!chunked) headers["Content-Length"] = String(total);
  res.writeHead(reply.status, headers);
  if (req.method === "HEAD") {
    res.end();
    return;
  }

  const cutAt =
    fault?.kind === "reset" || fault?.kind === "close" || fault?.kind === "truncate"
      ? Math.min(total, fault.afterBytes ?? Math.floor(total / 2))
      : undefined;
  const stallAt =
    fault?.kind === "delay" && fault.afterBytes !== undefined
      ? Math.min(total, fault.afterBytes)
      : undefined;
  const corruptAt = fault?.kind === "corrupt" ? (fault.offset ?? Math.floor(total / 2)) : undefined;

  let position = 0;
  let stalled = false;
  for await (const original of bodyChunks(reply)) {
    if (res.destroyed) return;
    let chunk = original;
    if (corruptAt !== undefined && corruptAt >= position && corruptAt < position + chunk.length) {
      chunk = Buffer.from(chunk);
      chunk[corruptAt - position] = (chunk[corruptAt - position] ?? 0) ^ 0xff;
    }
    if (stallAt !== undefined && !stalled && stallAt < position + chunk.length) {
      const head = chunk.subarray(0, stallAt - position);
      if (head.length > 0) await writeChunk(res, head);
      await ctx.sleep(fault?.kind === "delay" ? fault.delayMs : 0);
      stalled = true;
      chunk = chunk.subarray(head.length);
      position += head.length;
    }
    if (cutAt !== undefined && cutAt < position + chunk.length) {
      const head = chunk.subarray(0, cutAt - position);
      if (head.length > 0) await writeChunk(res, head);
      finishCut(res, fault);
      return;
    }
    await writeChunk(res, chunk);
    position += chunk.length;
  }
  if (cutAt !== undefined && cutAt >= total) {
    finishCut(res, fault);
    return;
  }
  res.end();
}

function finishCut(res: ServerResponse, fault: BodyFault | undefined): void {
  if (fault?.kind === "truncate") {
    // A clean end: the terminating chunk is sent, so the client sees a complete 200.
    res.end();
  } else if (fault?.kind === "reset") {
    // TCP RST: the client's read fails with ECONNRESET.
    res.socket?.resetAndDestroy();
  } else {
    // FIN without the terminating chunk (or short of Content-Length): premature close.
    res.socket?.destroy();
  }
}
