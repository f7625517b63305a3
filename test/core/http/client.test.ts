import assert from "node:assert/strict";
import { createServer } from "node:net";
import { after, describe, test } from "node:test";
import { HttpClient, HttpError, parseServerError, redactUrl } from "../../../src/core/http";
import {
  fakeClock,
  json,
  reply,
  startScriptedServer,
  type ScriptedServer,
} from "./scripted-server";

const servers: ScriptedServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});
async function serve(...handlers: Parameters<typeof startScriptedServer>[0]) {
  const s = await startScriptedServer(handlers);
  servers.push(s);
  return s;
}

void describe("retries", () => {
  void test("429 with Retry-After in seconds: waits exactly what the server asks", async () => {
    const s = await serve(
      reply(429, "", { "retry-after": "3" }),
      reply(429, "", { "retry-after": "1" }),
      json(200, { ok: true }),
    );
    const { clock, sleeps } = fakeClock();
    const http = new HttpClient({ baseUrl: s.url, clock, retry: { maxAttempts: 5 } });
    const res = await http.json({ method: "GET", path: "/x" });
    assert.deepEqual(res.body, { ok: true });
    assert.equal(res.attempts, 3);
    assert.deepEqual(sleeps, [3000, 1000]);
  });

  void test("503 with Retry-After as an HTTP-date", async () => {
    const start = Date.UTC(2026, 10, 21, 12, 0, 0);
    const s = await serve(
      reply(503, "busy", { "retry-after": "Sat, 21 Nov 2026 12:00:05 GMT" }),
      json(200, {}),
    );
    const { clock, sleeps } = fakeClock(start);
    const http = new HttpClient({ baseUrl: s.url, clock });
    await http.json({ method: "GET", path: "/x" });
    assert.deepEqual(sleeps, [5000]);
  });

  void test("5xx without Retry-After: full-jitter exponential backoff, then the last error", async () => {
    const s = await serve(
      json(502, { error_code: "TEMPORARILY_UNAVAILABLE", message: "try later" }),
    );
    const { clock, sleeps } = fakeClock(undefined, 0.5);
    const http = new HttpClient({
      baseUrl: s.url,
      clock,
      retry: { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 300 },
    });
    const err = await http.json({ method: "GET", path: "/x" }).catch((e: unknown) => e);
    assert.ok(err instanceof HttpError);
    assert.equal(err.status, 502);
    assert.equal(err.attempts, 4);
    assert.equal(err.errorCode, "TEMPORARILY_UNAVAILABLE");
    assert.equal(
      err.message,
      `GET ${s.url}/x returned HTTP 502: TEMPORARILY_UNAVAILABLE: try later (after 4 attempts)`,
    );
    assert.deepEqual(sleeps, [50, 100, 150]);
    assert.equal(s.requests.length, 4);
  });

  void test("a Retry-After beyond maxRetryAfterMs is not waited out", async () => {
    const s = await serve(reply(429, "", { "retry-after": "3600" }), json(200, {}));
    const { clock, sleeps } = fakeClock();
    const http = new HttpClient({ baseUrl: s.url, clock, retry: { maxRetryAfterMs: 60_000 } });
    await assert.rejects(http.json({ method: "GET", path: "/x" }), {
      name: "HttpError",
      status: 429,
      attempts: 1,
    });
    assert.deepEqual(sleeps, []);
  });

  void test("respectRetryAfter false uses the backoff", async () => {
    const s = await serve(reply(429, "", { "retry-after": "30" }), json(200, {}));
    const { clock, sleeps } = fakeClock(undefined, 0.5);
    const http = new HttpClient({
      baseUrl: s.url,
      clock,
      retry: { respectRetryAfter: false, baseDelayMs: 10 },
    });
    await http.json({ method: "GET", path: "/x" });
    assert.deepEqual(sleeps, [5]);
  });

  void test("POST is not retried unless declared idempotent", async () => {
    const s = await serve(reply(503), reply(503), json(200, {}));
    const { clock, sleeps } = fakeClock();
    const http = new HttpClient({ baseUrl: s.url, clock });
    await assert.rejects(http.json({ method: "POST", path: "/load", json: {} }), {
      status: 503,
      attempts: 1,
    });
    assert.equal(s.requests.length, 1);
    const res = await http.json({ method: "POST", path: "/index", json: {}, idempotent: true });
    assert.equal(res.attempts, 2);
    assert.equal(sleeps.length, 1);
  });

  void test("4xx other than 408/429 is not retried", async () => {
    const s = await serve(json(404, { error: "Request for unknown model: 'm' is not found" }));
    const http = new HttpClient({ baseUrl: s.url, clock: fakeClock().clock });
    const err = await http.json({ method: "GET", path: "/v2/models/m" }).catch((e: unknown) => e);
    assert.ok(err instanceof HttpError);
    assert.equal(err.serverMessage, "Request for unknown model: 'm' is not found");
    assert.equal(err.errorCode, undefined);
    assert.equal(s.requests.length, 1);
  });

  void test("retryIf vetoes a retry for an answer the caller knows is permanent", async () => {
    const s = await serve(reply(503, "disabled for good"), json(200, {}));
    const { clock, sleeps } = fakeClock();
    const http = new HttpClient({ baseUrl: s.url, clock });
    await assert.rejects(
      http.text({ method: "GET", path: "/", retryIf: (e) => e.rawText !== "disabled for good" }),
      { status: 503, attempts: 1 },
    );
    assert.deepEqual(sleeps, []);
  });

  void test("408 is retried", async () => {
    const s = await serve(reply(408), json(200, { a: 1 }));
    const http = new HttpClient({ baseUrl: s.url, clock: fakeClock().clock });
    assert.equal((await http.json({ method: "GET", path: "/" })).attempts, 2);
  });

  void test("connection refused is a network error, retried", async () => {
    const port = await freePort();
    const { clock, sleeps } = fakeClock(undefined, 0.5);
    const http = new HttpClient({
      baseUrl: `http://127.0.0.1:${port}`,
      clock,
      retry: { maxAttempts: 3, baseDelayMs: 20 },
    });
    const err = await http.text({ method: "GET", path: "/" }).catch((e: unknown) => e);
    assert.ok(err instanceof HttpError);
    assert.equal(err.kind, "network");
    assert.equal(err.attempts, 3);
    assert.match(err.message, /ECONNREFUSED/);
    assert.deepEqual(sleeps, [10, 20]);
  });
});

void describe("timeouts", () => {
  void test("a slow response times out, is retried, then reported with the timeout", async () => {
    const s = await serve((_req, res) => {
      setTimeout(() => {
        if (!res.destroyed) res.end("late");
      }, 2000).unref();
    });
    const http = new HttpClient({
      baseUrl: s.url,
      clock: fakeClock().clock,
      timeoutMs: 100,
      retry: { maxAttempts: 2 },
    });
    const started = Date.now();
    const err = await http.text({ method: "GET", path: "/slow" }).catch((e: unknown) => e);
    assert.ok(err instanceof HttpError);
    assert.equal(err.kind, "timeout");
    assert.equal(err.message, `GET ${s.url}/slow timed out after 100 ms (after 2 attempts)`);
    assert.ok(Date.now() - started < 1500, "gave up long before the server answered");
    assert.equal(s.requests.length, 2);
  });

  void test("a body that stalls after the headers times out too", async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write("{");
    });
    const http = new HttpClient({
      baseUrl: s.url,
      clock: fakeClock().clock,
      timeoutMs: 100,
      retry: { maxAttempts: 1 },
    });
    await assert.rejects(http.json({ method: "GET", path: "/" }), {
      name: "HttpError",
      kind: "timeout",
    });
  });

  void test("a caller's abort is not retried and surfaces as the abort", async () => {
    const s = await serve(() => undefined);
    const http = new HttpClient({ baseUrl: s.url, clock: fakeClock().clock, timeoutMs: 5000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("cancelled by test")), 50);
    await assert.rejects(
      http.text({ method: "GET", path: "/", signal: controller.signal }),
      /cancelled by test/,
    );
    assert.equal(s.requests.length, 1);
  });
});

void describe("requests and errors", () => {
  void test("base URL prefix, query, JSON body, default headers", async () => {
    const s = await serve(json(200, {}));
    const http = new HttpClient({
      baseUrl: `${s.url}/mlflow/`,
      headers: { authorization: "Bearer t0k" },
    });
    await http.json({
      method: "POST",
      path: "/api/2.0/x",
      query: { a: "1 2", b: undefined },
      json: { k: "v" },
    });
    const r = s.requests[0]!;
    assert.equal(r.url, "/mlflow/api/2.0/x?a=1+2");
    assert.equal(r.headers.authorization, "Bearer t0k");
    assert.equal(r.headers["content-type"], "application/json");
    assert.equal(r.body, '{"k":"v"}');
  });

  void test("okStatuses turn a status into an answer", async () => {
    const s = await serve(reply(400));
    const http = new HttpClient({ baseUrl: s.url });
    const res = await http.text({
      method: "GET",
      path: "/v2/health/ready",
      okStatuses: [200, 400],
    });
    assert.equal(res.status, 400);
    assert.equal(res.body, "");
  });

  void test("non-JSON error bodies are kept as text; secrets never appear", async () => {
    const s = await serve(
      reply(401, "You are not authenticated. Please see docs", {
        "www-authenticate": 'Basic realm="mlflow"',
      }),
    );
    const http = new HttpClient({
      baseUrl: s.url,
      headers: { authorization: "Basic c2VjcmV0OnB3" },
    });
    const err = await http
      .text({ method: "GET", path: "/p", query: { token: "abc123", name: "m" } })
      .catch((e: unknown) => e);
    assert.ok(err instanceof HttpError);
    assert.equal(err.rawText, "You are not authenticated. Please see docs");
    assert.equal(err.url, `${s.url}/p?token=***&name=m`);
    assert.doesNotMatch(JSON.stringify({ ...err, message: err.message }), /abc123|c2VjcmV0/);
  });

  void test("a base URL with credentials is refused", () => {
    assert.throws(
      () => new HttpClient({ baseUrl: "http://u:p@127.0.0.1:1" }),
      /carries credentials/,
    );
  });

  void test("parseServerError shapes", () => {
    assert.deepEqual(
      parseServerError('{"error_code":"RESOURCE_DOES_NOT_EXIST","message":"nope"}'),
      {
        errorCode: "RESOURCE_DOES_NOT_EXIST",
        message: "nope",
      },
    );
    assert.deepEqual(parseServerError('{"error":"Not Found"}'), {
      errorCode: undefined,
      message: "Not Found",
    });
    assert.deepEqual(parseServerError('{"detail":"Artifact serving is disabled."}'), {
      errorCode: undefined,
      message: "Artifact serving is disabled.",
    });
    assert.deepEqual(
      parseServerError("<!doctype html>\n<title>404 Not Found</title>\n<h1>Not Found</h1>"),
      {
        rawText: "404 Not Found Not Found",
      },
    );
    assert.deepEqual(parseServerError("Permission denied"), { rawText: "Permission denied" });
    assert.deepEqual(parseServerError(""), {});
  });

  void test("redactUrl", () => {
    assert.equal(
      redactUrl("https://user:pw@h/x?X-Amz-Signature=s&path=a"),
      "https://***:***@h/x?X-Amz-Signature=***&path=a",
    );
  });
});

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}
