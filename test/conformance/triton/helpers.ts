// Shared helpers for the Triton conformance suite: temporary repositories, a server that is
// stopped after the test, and a small HTTP client that returns status, headers and body.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { request } from "undici";
import { irisModel } from "../../support/onnx/fixtures";
import { onnxConfig, writeModelDir } from "../../support/triton/repository-fixture";
import {
  startTritonServer,
  type TritonHandle,
  type TritonServerOptions,
} from "../../support/triton/server";

// Parsed response bodies are read field by field in assertions; `any` keeps that terse, and every
// value read is compared against an exact expectation.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export interface HttpResult {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
  readonly text: string;
  json(): Json;
}

export async function http(
  method: "GET" | "POST" | "PUT" | "DELETE",
  url: string,
  opts: { body?: string | Buffer | object; headers?: Record<string, string> } = {},
): Promise<HttpResult> {
  const body =
    opts.body === undefined || typeof opts.body === "string" || Buffer.isBuffer(opts.body)
      ? opts.body
      : JSON.stringify(opts.body);
  const res = await request(url, { method, body, headers: opts.headers });
  const buf = Buffer.from(await res.body.arrayBuffer());
  return {
    status: res.statusCode,
    headers: res.headers,
    body: buf,
    text: buf.toString("utf8"),
    json: () => JSON.parse(buf.toString("utf8")),
  };
}

/** A temporary model repository, removed when the test ends. */
export function tempRepo(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), "triton-conf-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Starts a server and stops it when the test ends. */
export async function serve(t: TestContext, opts: TritonServerOptions): Promise<TritonHandle> {
  const handle = await startTritonServer(opts);
  t.after(() => handle.stop());
  return handle;
}

/** A repository holding `iris` (the old platform's [1,4] → [1,3] model) at the given versions. */
export function irisRepo(t: TestContext, versions: number[] = [1], config?: string): string {
  const root = tempRepo(t);
  writeModelDir(root, "iris", {
    config: config ?? onnxConfig("iris"),
    versions: Object.fromEntries(versions.map((v) => [String(v), irisModel({ variant: v })])),
  });
  return root;
}

/** An explicit-mode server over `root` with `load` loaded at startup. */
export function serveExplicit(
  t: TestContext,
  root: string,
  load: string[] = [],
  extra: Partial<TritonServerOptions> = {},
): Promise<TritonHandle> {
  return serve(t, {
    modelRepository: root,
    modelControlMode: "explicit",
    loadModels: load,
    ...extra,
  });
}

export const IRIS_INPUT = [5.1, 3.5, 1.4, 0.2];

/** Element-wise within 1e-6 of what the reference computation gives (float32 round-off only). */
export function assertClose(actual: ArrayLike<number>, expected: Float32Array): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i]! - expected[i]!) < 1e-6, `[${i}] ${actual[i]} vs ${expected[i]}`);
  }
}

export function irisInferBody(
  data: number[] | number[][] = IRIS_INPUT,
  extra: object = {},
): object {
  return { inputs: [{ name: "input", shape: [1, 4], datatype: "FP32", data }], ...extra };
}

export async function load(
  handle: TritonHandle,
  model: string,
  body?: object,
): Promise<HttpResult> {
  return http("POST", `${handle.httpUrl}/v2/repository/models/${model}/load`, { body });
}

export async function unload(
  handle: TritonHandle,
  model: string,
  body?: object,
): Promise<HttpResult> {
  return http("POST", `${handle.httpUrl}/v2/repository/models/${model}/unload`, { body });
}

export async function index(handle: TritonHandle, body?: object): Promise<Json[]> {
  const res = await http("POST", `${handle.httpUrl}/v2/repository/index`, { body });
  if (res.status !== 200) throw new Error(`index answered ${res.status}: ${res.text}`);
  return res.json();
}

export async function metricsText(handle: TritonHandle): Promise<string> {
  const res = await http("GET", `${handle.metricsUrl!}/metrics`);
  return res.text;
}

/** Series lines (no comments) of the metrics text that mention `model="<m>"`. */
export function modelSeries(text: string, model: string): string[] {
  return text.split("\n").filter((l) => !l.startsWith("#") && l.includes(`model="${model}"`));
}

/** Polls `check` until it returns true or the deadline passes (for states with no event). */
export async function until(
  check: () => Promise<boolean> | boolean,
  timeoutMs = 5_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
