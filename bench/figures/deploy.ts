// A deployment against its floor, on the transaction tests' own bench (test/core/transaction/
// harness.ts: the Triton- and MLflow-compatible servers on one repository). Per round a fresh
// version of a model with `mib` MiB of weights inside model.onnx is published, then, in rotating
// order:
//   project: the core's deployModel in a worker process (download, validate, load + ready + smoke
//     under the staging name, promote = a second load + one smoke, commit);
//   floor: curl -o + sync of the same model.onnx, two plain Triton loads of it (the staging design
//     loads twice), the same number of inferences (curl), and one unload;
//   rollback: a small version whose smoke fails (wrong golden output), so the transaction rolls
//     back; the rollback step's time is compared with the floor's unload.
// Materialize and validate come from the deploy's step timings; the signature read is also timed
// alone on the materialized file.
import { request } from "undici";
import { link, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { DeployRequest } from "../../src/core";
import { onnxModelProto } from "../../src/core/onnx";
import { irisModel } from "../../test/support/onnx/fixtures";
import {
  API_HEADER,
  API_KEY,
  irisRequest,
  MODEL,
  publish,
  type Bench,
} from "../../test/core/transaction/harness";
import { runWorker, timeShell } from "../lib/processes";
import type { Report } from "../lib/report";
import { interleaved } from "../lib/rounds";

const MiB = 1024 * 1024;
const SMOKE_REQUESTS = 3;
/** Staging smoke requests plus the one the promote step sends on the served name. */
const INFERENCES = SMOKE_REQUESTS + 1;

/** The iris graph with `bytes` of unused weights inside the file (GraphProto initializer). */
export function modelWithWeights(variant: number, bytes: number): Uint8Array {
  const type = onnxModelProto();
  const model = type.toObject(type.decode(irisModel({ variant })), {
    longs: Number,
    bytes: Array,
  }) as { graph: { initializer: unknown[] } };
  const weights = {
    name: "unused_weights",
    dims: [bytes],
    data_type: 2,
    raw_data: new Uint8Array(bytes),
  };
  return type
    .encode(
      type.fromObject({
        ...model,
        graph: { ...model.graph, initializer: [...model.graph.initializer, weights] },
      }),
    )
    .finish();
}

interface DeployRun {
  totalMs: number;
  outcomes: {
    model: string;
    outcome: string;
    step?: string;
    ms: number;
    stepsMs: Record<string, number>;
  }[];
}

export async function deployInWorker(
  work: string,
  bench: Bench,
  requests: DeployRequest[],
  parallel: number,
): Promise<DeployRun> {
  const dir = await mkdtemp(join(work, "deploy-"));
  try {
    await writeFile(join(dir, "env.json"), JSON.stringify(bench.env));
    await writeFile(join(dir, "requests.json"), JSON.stringify(requests));
    return await runWorker<DeployRun>("deploy-worker.ts", [
      join(dir, "env.json"),
      join(dir, "requests.json"),
      String(parallel),
    ]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * One unload, sent from this process (no curl start-up in the figure: the rollback's own unload
 * is a request from a running process too).
 */
async function unloadRequest(triton: string, model: string): Promise<number> {
  const started = process.hrtime.bigint();
  const res = await request(`${triton}/v2/repository/models/${model}/unload`, {
    method: "POST",
    headers: { [API_HEADER]: API_KEY },
  });
  await res.body.text();
  if (res.statusCode !== 200) throw new Error(`unload of ${model} answered HTTP ${res.statusCode}`);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

const FLOOR_CONFIG = (name: string) => `name: "${name}"
platform: "onnxruntime_onnx"
max_batch_size: 0
input [ { name: "input" data_type: TYPE_FP32 dims: [ 1, 4 ] } ]
output [ { name: "probabilities" data_type: TYPE_FP32 dims: [ 1, 3 ] } ]
`;

export async function benchDeploy(
  report: Report,
  bench: Bench,
  work: string,
  mib: number,
  rounds: number,
): Promise<void> {
  const triton = bench.tritons[0]!.httpUrl;
  const admin = `-H '${API_HEADER}: ${API_KEY}'`;
  const out = join(work, "floor-model.onnx");
  const body = join(work, "infer.json");
  await writeFile(
    body,
    JSON.stringify({
      inputs: [{ name: "input", shape: [1, 4], datatype: "FP32", data: [5.1, 3.5, 1.4, 0.2] }],
    }),
  );
  report.command(
    `deploy floor: \`curl -sf -o <file> $URL && sync <file>\` for model.onnx, then \`curl -sf -X POST ${admin} <triton>/v2/repository/models/<m>/load\` for two models whose 1/model.onnx is that file (hard links, config.pbtxt beside), ${INFERENCES} × \`curl -sf -X POST -d @infer.json <triton>/v2/models/<m>/versions/1/infer\` (one curl, one connection), and one unload request sent from the bench process (the rollback's floor)`,
  );
  let round = 0;
  let current: { version: string; url: string; bytes: Uint8Array } | undefined;
  const floorParts = {
    download: [] as number[],
    loads: [] as number[],
    infer: [] as number[],
    unload: [] as number[],
  };
  const project = {
    total: [] as number[],
    materialize: [] as number[],
    validate: [] as number[],
    signature: [] as number[],
    signatureFirst: [] as number[],
    signatureBytes: [] as number[],
  };
  const rollbackMs: number[] = [];
  const floorTotal: number[] = [];

  const prepare = async () => {
    // A fresh version each round: an existing version directory would be reused, not downloaded.
    round++;
    const bytes = modelWithWeights(round, mib * MiB);
    const v = await publish(bench, bytes);
    const runRelative = `0/${v.runId}/artifacts/model/model.onnx`;
    current = {
      version: v.version,
      url: `${bench.mlflow.url}/api/2.0/mlflow-artifacts/artifacts/${runRelative}`,
      bytes,
    };
    for (const m of ["floor_a", "floor_b"]) {
      await rm(join(bench.root, m), { recursive: true, force: true });
      await mkdir(join(bench.root, m, "1"), { recursive: true });
      await writeFile(join(bench.root, m, "config.pbtxt"), FLOOR_CONFIG(m));
    }
    await writeFile(join(bench.root, "floor_a", "1", "model.onnx"), bytes);
    await link(
      join(bench.root, "floor_a", "1", "model.onnx"),
      join(bench.root, "floor_b", "1", "model.onnx"),
    );
  };

  for (let r = 0; r < rounds; r++) {
    await prepare();
    const c = current!;
    const tasks = [
      {
        name: "project",
        run: async () => {
          const run = await deployInWorker(
            work,
            bench,
            [irisRequest(c.version, { smoke: { requests: SMOKE_REQUESTS } })],
            1,
          );
          const o = run.outcomes[0]!;
          if (o.outcome !== "committed") {
            throw new Error(`bench deploy ended ${o.outcome} at ${o.step ?? "?"}`);
          }
          project.total.push(o.ms);
          project.materialize.push(o.stepsMs.materialize ?? NaN);
          project.validate.push(o.stepsMs.validate ?? NaN);
          const sig = await runWorker<{ seconds: number; firstSeconds: number; bytesRead: number }>(
            "download-worker.ts",
            ["signature", join(bench.root, MODEL, c.version, "model.onnx")],
          );
          project.signature.push(sig.seconds * 1000);
          project.signatureFirst.push(sig.firstSeconds * 1000);
          project.signatureBytes.push(sig.bytesRead);
          return o.ms;
        },
      },
      {
        name: "floor",
        run: async () => {
          const download = await timeShell(`curl -sf -o ${out} '${c.url}' && sync ${out}`);
          await rm(out, { force: true });
          let loads = 0;
          for (const m of ["floor_a", "floor_b"]) {
            loads += await timeShell(
              `curl -sf -o /dev/null -X POST ${admin} ${triton}/v2/repository/models/${m}/load`,
            );
          }
          const inferUrl = `${triton}/v2/models/floor_a/versions/1/infer`;
          const infer = await timeShell(
            `curl -sf -X POST -H 'Content-Type: application/json' --data-binary @${body} ${Array.from({ length: INFERENCES }, () => `-o /dev/null '${inferUrl}'`).join(" ")}`,
          );
          const unload = await unloadRequest(triton, "floor_a");
          await unloadRequest(triton, "floor_b");
          floorParts.download.push(download);
          floorParts.loads.push(loads);
          floorParts.infer.push(infer);
          floorParts.unload.push(unload);
          const total = download + loads + infer;
          floorTotal.push(total);
          return total;
        },
      },
      {
        name: "rollback",
        run: async () => {
          const small = await publish(bench, irisModel({ variant: 100 + round }));
          const bad = irisRequest(small.version, {
            smoke: {
              requests: SMOKE_REQUESTS,
              golden: {
                inputs: [{ name: "input", shape: [1, 4], data: [5.1, 3.5, 1.4, 0.2] }],
                outputs: [{ name: "probabilities", data: [9, 9, 9] }],
              },
            },
          });
          const run = await deployInWorker(work, bench, [bad], 1);
          const o = run.outcomes[0]!;
          if (o.outcome !== "rolled_back") throw new Error(`bench rollback ended ${o.outcome}`);
          rollbackMs.push(o.stepsMs.rollback ?? NaN);
          return o.ms;
        },
      },
    ];
    // The order rotates from round to round, as in every interleaved figure.
    await interleaved(1, [...tasks.slice(r % tasks.length), ...tasks.slice(0, r % tasks.length)]);
    console.log(
      `  deploy round ${r + 1}: project ${project.total.at(-1)!.toFixed(0)} ms (materialize ${project.materialize.at(-1)!.toFixed(0)}, validate ${project.validate.at(-1)!.toFixed(0)}), floor ${floorTotal.at(-1)!.toFixed(0)} ms (download ${floorParts.download.at(-1)!.toFixed(0)}, 2 loads ${floorParts.loads.at(-1)!.toFixed(0)}, ${INFERENCES} inferences ${floorParts.infer.at(-1)!.toFixed(0)}), rollback step ${rollbackMs.at(-1)!.toFixed(0)} ms vs unload ${floorParts.unload.at(-1)!.toFixed(0)} ms`,
    );
  }
  const size = `${mib} MiB`;
  report.ratio(
    `deploy of a ${size} model vs download + 2 loads + smoke`,
    project.total,
    floorTotal,
    "ms",
    0.85,
  );
  report.ratio(
    `materialize, ${size}, vs curl -o + sync`,
    project.materialize,
    floorParts.download,
    "ms",
    0.8,
  );
  report.value(
    `validate step, ${size} model (signature + staging config.pbtxt, fsynced)`,
    project.validate,
    "ms",
  );
  report.value(
    `ONNX signature read from the ${size} file (warm: median of 5)`,
    project.signature,
    "ms",
    50,
  );
  report.value(
    `ONNX signature read from the ${size} file, first in a process (builds the protobuf types too)`,
    project.signatureFirst,
    "ms",
  );
  report.value(
    `bytes read for that signature`,
    project.signatureBytes.map((b) => b / 1024),
    "KiB",
  );
  report.value(
    `rollback step minus its floor (one unload)`,
    rollbackMs.map((ms, i) => ms - floorParts.unload[i]!),
    "ms",
    20,
  );
}
