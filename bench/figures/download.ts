// Downloads against their floors: the project's MlflowClient.downloadModel (hash while
// streaming, fsync) against `curl -o`, `curl -o` + `sync <file>`, `curl | sha256sum` and the
// sha256 of the same bytes already in memory, from the same MLflow-compatible server; and the same
// download internals against curl from a static file server. Then the peak RSS of a large
// download against an idle process with the same imports.
import { mkdtemp, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { MlflowHandle } from "../../test/support/mlflow";
import { publishOnnxModel, type PublishedModel } from "../../test/support/mlflow/seed";
import { irisModel } from "../../test/support/onnx/fixtures";
import { runWorker, timeShell } from "../lib/processes";
import type { Report } from "../lib/report";
import { combine, interleaved } from "../lib/rounds";
import { startStaticServer } from "../lib/static-server";

const MiB = 1024 * 1024;

interface WorkerDownload {
  bytes: number;
  seconds: number;
  peakRssMiB: number;
}

async function publishWeights(mlflow: MlflowHandle, name: string, mib: number) {
  const published = await publishOnnxModel(mlflow.url, {
    name,
    layout: "run-artifacts",
    files: { "model.onnx": irisModel(), "weights.bin": new Uint8Array(mib * MiB).fill(7) },
  });
  const relative = published.artifactUri.replace(/^mlflow-artifacts:\/+/, "");
  return {
    published,
    url: `${mlflow.url}/api/2.0/mlflow-artifacts/artifacts/${relative}/weights.bin`,
    stored: join(mlflow.artifactsDir, relative, "weights.bin"),
  };
}

/** One project download in a fresh worker process and directory; milliseconds (or the worker's figures). */
async function projectDownload(
  work: string,
  mlflow: MlflowHandle,
  name: string,
  published: PublishedModel,
  sampleRss = false,
): Promise<WorkerDownload> {
  const dir = await mkdtemp(join(work, "project-"));
  try {
    return await runWorker<WorkerDownload>("download-worker.ts", [
      "mlflow",
      mlflow.url,
      name,
      published.version,
      dir,
      ...(sampleRss ? ["rss"] : []),
    ]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function benchDownload(
  report: Report,
  mlflow: MlflowHandle,
  work: string,
  mib: number,
  rounds: number,
): Promise<void> {
  const name = "bench-download";
  const { published, url, stored } = await publishWeights(mlflow, name, mib);
  const statics = await startStaticServer(dirname(stored));
  const staticUrl = `${statics.url}/weights.bin`;
  const out = join(work, "curl.bin");
  const shell = async (command: string) => {
    try {
      return await timeShell(command);
    } finally {
      await rm(out, { force: true });
    }
  };
  report.command(`curl -o: \`curl -sf -o <file> $URL\``);
  report.command(`curl -o + sync: \`curl -sf -o <file> $URL && sync <file>\` (fsync of that file)`);
  report.command(`curl | sha256sum: \`curl -sf $URL | sha256sum\``);
  report.command(
    "sha256 in memory: Node's `createHash('sha256')` over the file's bytes read into one buffer beforehand (bench/download-worker.ts sha)",
  );
  report.command(
    "static file server: `python3 -m http.server` on the MLflow server's artifact directory, same curl commands against it",
  );
  try {
    const values = await interleaved(
      rounds,
      [
        { name: "curl -o", run: () => shell(`curl -sf -o ${out} '${url}'`) },
        { name: "curl -o + sync", run: () => shell(`curl -sf -o ${out} '${url}' && sync ${out}`) },
        { name: "curl | sha256sum", run: () => shell(`curl -sf '${url}' | sha256sum >/dev/null`) },
        {
          name: "sha256 in memory",
          run: async () =>
            (await runWorker<{ seconds: number }>("download-worker.ts", ["sha", stored])).seconds *
            1000,
        },
        {
          name: "project",
          run: async () => (await projectDownload(work, mlflow, name, published)).seconds * 1000,
        },
        { name: "static: curl -o", run: () => shell(`curl -sf -o ${out} '${staticUrl}'`) },
        {
          name: "static: curl -o + sync",
          run: () => shell(`curl -sf -o ${out} '${staticUrl}' && sync ${out}`),
        },
        {
          name: "static: project",
          run: async () => {
            const dir = await mkdtemp(join(work, "static-"));
            try {
              const r = await runWorker<WorkerDownload>("download-worker.ts", [
                "url",
                staticUrl,
                String(mib * MiB),
                dir,
              ]);
              return r.seconds * 1000;
            } finally {
              await rm(dir, { recursive: true, force: true });
            }
          },
        },
      ],
      (round, task, ms) => console.log(`  download round ${round}: ${task} ${ms.toFixed(0)} ms`),
    );
    const v = (k: string) => values.get(k)!;
    const size = mib >= 1024 ? `${mib / 1024} GiB` : `${mib} MiB`;
    const floor = combine([v("curl -o + sync"), v("sha256 in memory")], (xs) => Math.max(...xs));
    report.ratio(
      `${size} download vs max(curl -o + sync, sha256 in memory)`,
      v("project"),
      floor,
      "ms",
      0.87,
    );
    report.ratio(`${size} download vs curl -o`, v("project"), v("curl -o"), "ms");
    report.ratio(`${size} download vs curl -o + sync`, v("project"), v("curl -o + sync"), "ms");
    report.ratio(`${size} download vs curl | sha256sum`, v("project"), v("curl | sha256sum"), "ms");
    report.ratio(`${size} download vs sha256 in memory`, v("project"), v("sha256 in memory"), "ms");
    report.ratio(
      `${size} from a static file server vs curl -o`,
      v("static: project"),
      v("static: curl -o"),
      "ms",
    );
    report.ratio(
      `${size} from a static file server vs curl -o + sync`,
      v("static: project"),
      v("static: curl -o + sync"),
      "ms",
    );
  } finally {
    await statics.close();
  }
}

export async function benchDownloadMemory(
  report: Report,
  mlflow: MlflowHandle,
  work: string,
  mib: number,
  rounds: number,
): Promise<void> {
  const name = "bench-rss";
  const { published } = await publishWeights(mlflow, name, mib);
  const values = await interleaved(
    rounds,
    [
      {
        name: "download",
        run: async () => (await projectDownload(work, mlflow, name, published, true)).peakRssMiB,
      },
      {
        name: "idle",
        run: async () =>
          (await runWorker<{ peakRssMiB: number }>("download-worker.ts", ["idle"])).peakRssMiB,
      },
    ],
    (round, task, v) =>
      console.log(`  memory round ${round}: ${task} peak RSS ${v.toFixed(0)} MiB`),
  );
  const download = values.get("download")!;
  const idle = values.get("idle")!;
  const size = mib >= 1024 ? `${mib / 1024} GiB` : `${mib} MiB`;
  report.value(`peak RSS of an idle process with the same imports`, idle, "MiB");
  report.value(`peak RSS of a ${size} download`, download, "MiB");
  report.value(
    `peak RSS of a ${size} download above the idle process`,
    download.map((d, i) => d - idle[i]!),
    "MiB",
    40,
  );
}
