// The two ways MLflow sends a file (mlflow-contract.md §2.4): the proxied artifact endpoint's
// generator body (chunked, no Content-Length, Range ignored) and Flask's `send_file` for the
// legacy routes (Content-Length, ETag, Range → 206). Both carry the attachment headers (§2.3).
import { createHash } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { basename } from "node:path";
import { werkzeugReply, type Reply } from "../reply";

// MLflow's `_guess_mime_type`: MLmodel and YAML as text, else by extension, else octet-stream.
const MIME_BY_EXTENSION: Readonly<Record<string, string>> = {
  MLmodel: "text/plain",
  yaml: "text/plain",
  yml: "text/plain",
  txt: "text/plain",
  json: "application/json",
  html: "text/html",
  csv: "text/csv",
  png: "image/png",
  jpg: "image/jpeg",
};

export function guessMimeType(fileName: string): string {
  const name = basename(fileName);
  const dot = name.lastIndexOf(".");
  const extension = dot > 0 ? name.slice(dot + 1) : name;
  return MIME_BY_EXTENSION[extension] ?? "application/octet-stream";
}

// mlflow-contract.md §2.3: `Content-Disposition: attachment; filename=…`,
// `X-Content-Type-Options: nosniff`, guessed MIME type.
function attachmentHeaders(fileName: string): Record<string, string> {
  return {
    "Content-Type": guessMimeType(fileName),
    "Content-Disposition": `attachment; filename=${basename(fileName)}`,
    "X-Content-Type-Options": "nosniff",
  };
}

/** The proxied download (`_download_artifact`): a generator body → chunked, no length. */
export function streamedFileReply(path: string, size: number, artifactPath: string): Reply {
  // mlflow-contract.md §2.4 / §8 item 6: no Content-Length, Range ignored (200, full body).
  return {
    status: 200,
    headers: attachmentHeaders(artifactPath),
    file: { path, start: 0, end: size - 1 },
    chunked: true,
  };
}

interface SendFileStat {
  readonly size: number;
  readonly mtimeMs: number;
}

/**
 * Flask `send_file(path, as_attachment=True)` with Werkzeug's conditional handling:
 * Content-Length, Accept-Ranges, ETag/Last-Modified, 304 on a matching If-None-Match, and one
 * byte range → 206 with Content-Range (mlflow-contract.md §2.4: `bytes=0-99` → 206, CL=100).
 * Several ranges or one past the end → 416 whose Content-Range names only the full size.
 */
export function sendFileReply(
  requestHeaders: IncomingHttpHeaders,
  path: string,
  stat: SendFileStat,
): Reply {
  const mtimeSeconds = Math.floor(stat.mtimeMs / 1000);
  const etag = `"${mtimeSeconds}-${stat.size}-${createHash("sha1").update(path).digest("hex").slice(0, 8)}"`;
  const headers: Record<string, string> = {
    ...attachmentHeaders(path),
    "Accept-Ranges": "bytes",
    ETag: etag,
    "Last-Modified": new Date(mtimeSeconds * 1000).toUTCString(),
    "Cache-Control": "no-cache",
  };
  if (requestHeaders["if-none-match"] === etag) {
    return { status: 304, headers, body: Buffer.alloc(0) };
  }
  const range = requestHeaders.range;
  const ifRange = requestHeaders["if-range"];
  const rangeApplies =
    range !== undefined && stat.size > 0 && (ifRange === undefined || ifRange === etag);
  if (!rangeApplies) return { status: 200, headers, file: { path, start: 0, end: stat.size - 1 } };

  const parsed = parseSingleRange(range, stat.size);
  if (parsed === undefined) {
    return werkzeugReply(416, { "Content-Range": `bytes */${stat.size}` });
  }
  return {
    status: 206,
    headers: { ...headers, "Content-Range": `bytes ${parsed.start}-${parsed.end}/${stat.size}` },
    file: { path, start: parsed.start, end: parsed.end },
  };
}

/** Werkzeug's `range_for_length`: one `bytes=` range, clipped to the file; else unsatisfiable. */
function parseSingleRange(
  header: string,
  size: number,
): { start: number; end: number } | undefined {
  const m = /^bytes=\s*(.+)$/.exec(header.trim());
  if (!m || m[1]!.includes(",")) return undefined;
  const spec = /^(\d*)-(\d*)$/.exec(m[1]!.trim());
  if (!spec || (spec[1] === "" && spec[2] === "")) return undefined;
  if (spec[1] === "") {
    const suffix = Number(spec[2]);
    if (suffix === 0) return undefined;
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(spec[1]);
  const end = spec[2] === "" ? size - 1 : Math.min(Number(spec[2]), size - 1);
  if (start >= size || end < start) return undefined;
  return { start, end };
}
