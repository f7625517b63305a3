// Smoke verification: N inferences against one exact version of a model on one endpoint, checking
// output names, datatypes and shapes (and values against a golden expectation when configured),
// and an optional p95 latency budget. Always addressed to an explicit version, so a check can never
// be answered by another version than the one under test.
import { errorMessage, StepFailure } from "../errors";
import type { ExpectedOutput, InferTensor, ModelMetadataView, TritonEndpoint } from "./ports";

/** A golden output: exact values compared with a tolerance. */
export interface GoldenOutput {
  name: string;
  /** Expected protocol datatype; defaults to the config's. */
  datatype?: string;
  /** Expected full shape; defaults to the config's (batch dim matching any size). */
  shape?: number[];
  /** Expected values, flat row-major. */
  data: (number | boolean | string)[];
}

/** How a deployment verifies a candidate. */
export interface SmokeSpec {
  /** Inference requests per endpoint. Default 3. */
  requests?: number;
  /** A golden input with expected outputs; without it an input is generated from the metadata. */
  golden?: {
    inputs: InferTensor[];
    outputs: GoldenOutput[];
    /** |actual − expected| ≤ absolute + relative·|expected|. Defaults 1e-5 and 1e-4. */
    tolerance?: { absolute?: number; relative?: number };
  };
  /** Fail when the p95 latency of the smoke requests exceeds this many ms. */
  latencyBudgetMs?: number;
}

/** What a smoke run observed. */
export interface SmokeReport {
  endpoint: string;
  model: string;
  version: string;
  requests: number;
  mode: "golden" | "generated";
  latenciesMs: number[];
  p95Ms: number;
}

/** Run the smoke check; throws StepFailure with the first discrepancy. */
export async function runSmoke(args: {
  endpoint: TritonEndpoint;
  model: string;
  version: string;
  spec: SmokeSpec;
  expected: ExpectedOutput[];
  requests?: number;
  signal?: AbortSignal;
  now?: () => number;
  onRequest?: (done: number, total: number) => void;
}): Promise<SmokeReport> {
  const { endpoint, model, version, spec } = args;
  const now = args.now ?? (() => performance.now());
  const where = `model '${model}' version ${version} on ${endpoint.name}`;
  const golden = spec.golden;
  const inputs =
    golden?.inputs ?? generateInputs(await endpoint.metadata(model, version, args.signal), where);
  const total = Math.max(1, args.requests ?? spec.requests ?? 3);
  const latencies: number[] = [];
  for (let i = 0; i < total; i++) {
    const started = now();
    let result;
    try {
      result = await endpoint.infer(model, version, inputs, args.signal);
    } catch (error) {
      throw new StepFailure(
        `${where}: smoke request ${i + 1} of ${total} failed: ${errorMessage(error)}`,
      );
    }
    latencies.push(now() - started);
    if (result.modelVersion !== undefined && result.modelVersion !== version) {
      throw new StepFailure(
        `${where}: the response came from version ${result.modelVersion}; expected ${version}`,
      );
    }
    checkOutputs(where, result.outputs, args.expected, golden);
    args.onRequest?.(i + 1, total);
  }
  const p95Ms = percentile(latencies, 0.95);
  if (spec.latencyBudgetMs !== undefined && p95Ms > spec.latencyBudgetMs) {
    throw new StepFailure(
      `${where}: p95 latency ${p95Ms.toFixed(1)} ms over ${total} requests; expected at most ${spec.latencyBudgetMs} ms`,
    );
  }
  return {
    endpoint: endpoint.name,
    model,
    version,
    requests: total,
    mode: golden === undefined ? "generated" : "golden",
    latenciesMs: latencies,
    p95Ms,
  };
}

/** Compare the response outputs with what the config (and the golden expectation) promise. */
export function checkOutputs(
  where: string,
  outputs: InferTensor[],
  expected: ExpectedOutput[],
  golden: SmokeSpec["golden"],
): void {
  const got = outputs.map((o) => o.name).sort();
  const want = expected.map((o) => o.name).sort();
  if (got.join("\u0000") !== want.join("\u0000")) {
    throw new StepFailure(
      `${where}: outputs are [${got.join(", ")}]; expected [${want.join(", ")}]`,
    );
  }
  for (const exp of expected) {
    const out = outputs.find((o) => o.name === exp.name);
    if (out === undefined) continue;
    const gold = golden?.outputs.find((g) => g.name === exp.name);
    const datatype = gold?.datatype ?? exp.datatype;
    if (out.datatype !== datatype) {
      throw new StepFailure(
        `${where}: output '${exp.name}' has datatype ${out.datatype}; expected ${datatype}`,
      );
    }
    const shape = gold?.shape ?? exp.shape;
    if (!shapeMatches(out.shape, shape)) {
      throw new StepFailure(
        `${where}: output '${exp.name}' has shape [${out.shape.join(",")}]; expected [${shape.join(",")}]`,
      );
    }
    if (gold !== undefined) compareValues(where, out, gold, golden?.tolerance);
  }
}

function compareValues(
  where: string,
  out: InferTensor,
  gold: GoldenOutput,
  tolerance: { absolute?: number; relative?: number } | undefined,
): void {
  const actual = flatten(out.data);
  if (actual.length !== gold.data.length) {
    throw new StepFailure(
      `${where}: output '${out.name}' has ${actual.length} values; expected ${gold.data.length}`,
    );
  }
  const abs = tolerance?.absolute ?? 1e-5;
  const rel = tolerance?.relative ?? 1e-4;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const e = gold.data[i];
    if (typeof a === "number" && typeof e === "number") {
      const allowed = abs + rel * Math.abs(e);
      if (!(Math.abs(a - e) <= allowed)) {
        throw new StepFailure(
          `${where}: output '${out.name}' value [${i}] is ${a}; expected ${e} ± ${formatTolerance(allowed)}`,
        );
      }
    } else if (a !== e) {
      throw new StepFailure(
        `${where}: output '${out.name}' value [${i}] is ${JSON.stringify(a)}; expected ${JSON.stringify(e)}`,
      );
    }
  }
}

function formatTolerance(n: number): string {
  return Number(n.toPrecision(3)).toString();
}

/** A shape matches when ranks are equal and every expected dim is -1 or equal. */
export function shapeMatches(actual: number[], expected: number[]): boolean {
  return actual.length === expected.length && expected.every((d, i) => d === -1 || d === actual[i]);
}

function flatten(data: unknown[]): unknown[] {
  return data.flatMap((d) => (Array.isArray(d) ? flatten(d as unknown[]) : [d]));
}

/**
 * The most elements a generated smoke input may have: 10 M numbers are ~60 MB of JSON, and a
 * shape beyond what a JS array can hold (2^32 - 1) would fail with a bare "Invalid array length".
 */
export const MAX_GENERATED_ELEMENTS = 10_000_000;

/** Inputs generated from the metadata: every -1 dim becomes 1, values are small and deterministic. */
export function generateInputs(metadata: ModelMetadataView, where: string): InferTensor[] {
  return metadata.inputs.map((input) => {
    const shape = input.shape.map((d) => (d < 0 ? 1 : d));
    const count = shape.reduce((a, b) => a * b, 1);
    if (count > MAX_GENERATED_ELEMENTS) {
      throw new StepFailure(
        `${where}: input '${input.name}' has shape [${input.shape.join(",")}] (${count} elements); expected at most ${MAX_GENERATED_ELEMENTS} elements for a generated smoke input — configure smoke.golden with a real input`,
      );
    }
    const data = Array.from({ length: count }, (_, i) => sampleValue(input.datatype, i, where));
    return { name: input.name, datatype: input.datatype, shape, data };
  });
}

function sampleValue(datatype: string, i: number, where: string): number | boolean | string {
  switch (datatype) {
    case "FP32":
    case "FP64":
      return (i % 7) / 8;
    case "BOOL":
      return i % 2 === 1;
    case "BYTES":
      return "smoke";
    case "INT8":
    case "INT16":
    case "INT32":
    case "INT64":
    case "UINT8":
    case "UINT16":
    case "UINT32":
    case "UINT64":
      return i % 3;
    default:
      throw new StepFailure(
        `${where}: cannot generate a JSON smoke input of datatype ${datatype}; configure a golden input`,
      );
  }
}

/** The q-quantile (nearest rank) of a list of numbers. */
export function percentile(values: number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1] ?? 0;
}
