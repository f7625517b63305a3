// Prometheus metrics as Triton exposes them on the metrics port (triton-contract.md §5, §8.10):
// family names, help texts (core metrics.cc), labels `model`/`version` (plus `reason` on
// failures), per-model series created at 0 when a version loads and removed when it is destroyed,
// summaries only with summary_latencies=true, and CPU series without labels (no GPU on this box).
import { readFileSync } from "node:fs";

export type FailureReason = "REJECTED" | "CANCELED" | "BACKEND" | "OTHER";
// triton-contract.md §5.2: all four failure series are created at 0 at load time.
export const FAILURE_REASONS: readonly FailureReason[] = [
  "REJECTED",
  "CANCELED",
  "BACKEND",
  "OTHER",
];

export type LatencyKind =
  "request" | "queue" | "compute_input" | "compute_infer" | "compute_output";
const LATENCY_KINDS: readonly LatencyKind[] = [
  "request",
  "queue",
  "compute_input",
  "compute_infer",
  "compute_output",
];

export interface MetricsConfig {
  /** `--metrics-config summary_latencies=true` (§5.3; off by default). */
  readonly summaryLatencies: boolean;
  /** `--metrics-config summary_quantiles=…`; default 0.5:0.05,0.9:0.01,0.95:0.001,0.99:0.001,0.999:0.001. */
  readonly summaryQuantiles: readonly (readonly [number, number])[];
  /** `--metrics-config counter_latencies=false` turns the *_duration_us counters off (§5.3). */
  readonly counterLatencies: boolean;
}

export const DEFAULT_QUANTILES: readonly (readonly [number, number])[] = [
  [0.5, 0.05],
  [0.9, 0.01],
  [0.95, 0.001],
  [0.99, 0.001],
  [0.999, 0.001],
];

/** Parses `summary_quantiles="0.5:0.05,0.9:0.01"` like `ParseQuantiles` (bad pairs skipped). */
export function parseQuantiles(text: string): [number, number][] {
  const out: [number, number][] = [];
  for (const pair of text.replace(/^"|"$/g, "").split(",")) {
    const [q, e] = pair.split(":");
    if (e === undefined) continue;
    const qn = Number.parseFloat(q ?? "");
    const en = Number.parseFloat(e);
    if (Number.isNaN(qn) || Number.isNaN(en)) continue;
    out.push([qn, en]);
  }
  return out;
}

// prometheus-cpp summaries keep a sliding window (max_age 60 s); quantiles are over that window.
const SUMMARY_MAX_AGE_MS = 60_000;

/** The per-(model, version) reporter: every series of one model version. */
export class ModelMetrics {
  success = 0;
  readonly failure: Record<FailureReason, number> = {
    REJECTED: 0,
    CANCELED: 0,
    BACKEND: 0,
    OTHER: 0,
  };
  inferenceCount = 0;
  execCount = 0;
  readonly durationUs: Record<LatencyKind, number> = {
    request: 0,
    queue: 0,
    compute_input: 0,
    compute_infer: 0,
    compute_output: 0,
  };
  pending = 0;
  loadDurationSecs = 0;
  readonly summaries: Record<LatencyKind, { at: number; us: number }[]> = {
    request: [],
    queue: [],
    compute_input: [],
    compute_infer: [],
    compute_output: [],
  };
  readonly summaryTotals: Record<LatencyKind, { count: number; sum: number }> = {
    request: { count: 0, sum: 0 },
    queue: { count: 0, sum: 0 },
    compute_input: { count: 0, sum: 0 },
    compute_infer: { count: 0, sum: 0 },
    compute_output: { count: 0, sum: 0 },
  };

  constructor(
    readonly model: string,
    readonly version: number,
    /**
     * `counter_latencies=false`: `IncrementCounter` returns early for every counter, so success,
     * failure and counts stay at 0 too (§5.3 side effect, [src]; runtime UNCONFIRMED).
     */
    readonly countersEnabled: boolean = true,
  ) {}

  observe(kind: LatencyKind, us: number): void {
    this.durationUs[kind] += us;
    const now = Date.now();
    const window = this.summaries[kind];
    window.push({ at: now, us });
    while (window.length > 0 && now - window[0]!.at > SUMMARY_MAX_AGE_MS) window.shift();
    this.summaryTotals[kind].count += 1;
    this.summaryTotals[kind].sum += us;
  }
}

interface Family {
  readonly name: string;
  readonly help: string;
  readonly type: "counter" | "gauge" | "summary";
}

// Help texts verbatim from core src/metrics.cc.
const F = {
  success: {
    name: "nv_inference_request_success",
    help: "Number of successful inference requests, all batch sizes",
    type: "counter",
  },
  failure: {
    name: "nv_inference_request_failure",
    help: "Number of failed inference requests, all batch sizes",
    type: "counter",
  },
  count: {
    name: "nv_inference_count",
    help: "Number of inferences performed (does not include cached requests)",
    type: "counter",
  },
  exec: {
    name: "nv_inference_exec_count",
    help: "Number of model executions performed (does not include cached requests)",
    type: "counter",
  },
  request: {
    name: "nv_inference_request_duration_us",
    help: "Cumulative inference request duration in microseconds (includes cached requests)",
    type: "counter",
  },
  queue: {
    name: "nv_inference_queue_duration_us",
    help: "Cumulative inference queuing duration in microseconds (includes cached requests)",
    type: "counter",
  },
  compute_input: {
    name: "nv_inference_compute_input_duration_us",
    help: "Cumulative compute input duration in microseconds (does not include cached requests)",
    type: "counter",
  },
  compute_infer: {
    name: "nv_inference_compute_infer_duration_us",
    help: "Cumulative compute inference duration in microseconds (does not include cached requests)",
    type: "counter",
  },
  compute_output: {
    name: "nv_inference_compute_output_duration_us",
    help: "Cumulative inference compute output duration in microseconds (does not include cached requests)",
    type: "counter",
  },
  pending: {
    name: "nv_inference_pending_request_count",
    help: "Instantaneous number of pending requests awaiting execution per-model.",
    type: "gauge",
  },
  load: { name: "nv_model_load_duration_secs", help: "Model load time in seconds", type: "gauge" },
  pinnedTotal: {
    name: "nv_pinned_memory_pool_total_bytes",
    help: "Pinned memory pool total memory size, in bytes",
    type: "gauge",
  },
  pinnedUsed: {
    name: "nv_pinned_memory_pool_used_bytes",
    help: "Pinned memory pool used memory size, in bytes",
    type: "gauge",
  },
  cpuUtil: { name: "nv_cpu_utilization", help: "CPU utilization rate [0.0 - 1.0]", type: "gauge" },
  cpuTotal: {
    name: "nv_cpu_memory_total_bytes",
    help: "CPU total memory (RAM), in bytes",
    type: "gauge",
  },
  cpuUsed: {
    name: "nv_cpu_memory_used_bytes",
    help: "CPU used memory (RAM), in bytes",
    type: "gauge",
  },
} satisfies Record<string, Family>;

const SUMMARY_FAMILIES: Record<LatencyKind, Family> = {
  request: {
    name: "nv_inference_request_summary_us",
    help: "Summary of inference request duration in microseconds (includes cached requests)",
    type: "summary",
  },
  queue: {
    name: "nv_inference_queue_summary_us",
    help: "Summary of inference queuing duration in microseconds (includes cached requests)",
    type: "summary",
  },
  compute_input: {
    name: "nv_inference_compute_input_summary_us",
    help: "Cumulative compute input duration in microseconds (does not include cached requests)",
    type: "summary",
  },
  compute_infer: {
    name: "nv_inference_compute_infer_summary_us",
    help: "Cumulative compute inference duration in microseconds (does not include cached requests)",
    type: "summary",
  },
  compute_output: {
    name: "nv_inference_compute_output_summary_us",
    help: "Cumulative inference compute output duration in microseconds (does not include cached requests)",
    type: "summary",
  },
};

function escapeLabel(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

/** Labels sorted by name, as prometheus-cpp stores them in a std::map (§5.2 "Labels are sorted"). */
function labelText(labels: Record<string, string>, extra?: [string, string]): string {
  const parts = Object.keys(labels)
    .sort()
    .map((k) => `${k}="${escapeLabel(labels[k]!)}"`);
  // prometheus-cpp appends a summary's quantile label after the metric's own labels.
  if (extra) parts.push(`${extra[0]}="${escapeLabel(extra[1])}"`);
  return parts.length > 0 ? `{${parts.join(",")}}` : "";
}

/** prometheus-cpp WriteValue: NaN prints as "Nan", infinities as "+Inf"/"-Inf". */
function valueText(v: number): string {
  if (Number.isNaN(v)) return "Nan";
  if (!Number.isFinite(v)) return v > 0 ? "+Inf" : "-Inf";
  return String(v);
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[idx]!;
}

interface CpuSample {
  idle: number;
  total: number;
}

function readCpuSample(): CpuSample | undefined {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
    const nums = line.trim().split(/\s+/).slice(1).map(Number);
    const idle = (nums[3] ?? 0) + (nums[4] ?? 0);
    return { idle, total: nums.reduce((a, b) => a + b, 0) };
  } catch {
    return undefined;
  }
}

function readMemInfo(): { total: number; used: number } {
  try {
    const text = readFileSync("/proc/meminfo", "utf8");
    const kb = (key: string): number =>
      Number(new RegExp(`^${key}:\\s+(\\d+)`, "m").exec(text)?.[1] ?? 0);
    const total = kb("MemTotal") * 1024;
    return { total, used: total - kb("MemAvailable") * 1024 };
  } catch {
    return { total: 0, used: 0 };
  }
}

/**
 * The registry: reporters are shared by label set and reference-counted, so a reload of the same
 * version that overlaps the old instance keeps its counts (§5.5 [inferred]), and the series go
 * away when the last instance of that version is destroyed (§5.5, §8.7).
 */
export class MetricsRegistry {
  private readonly reporters = new Map<string, { metrics: ModelMetrics; refs: number }>();
  private lastCpu: CpuSample | undefined = readCpuSample();
  private cpuUtilization = 0;

  constructor(readonly config: MetricsConfig) {}

  acquire(model: string, version: number): ModelMetrics {
    const key = `${model}\u0000${version}`;
    let entry = this.reporters.get(key);
    if (!entry) {
      entry = {
        metrics: new ModelMetrics(model, version, this.config.counterLatencies),
        refs: 0,
      };
      this.reporters.set(key, entry);
    }
    entry.refs += 1;
    return entry.metrics;
  }

  release(metrics: ModelMetrics): void {
    const key = `${metrics.model}\u0000${metrics.version}`;
    const entry = this.reporters.get(key);
    if (!entry || entry.metrics !== metrics) return;
    entry.refs -= 1;
    if (entry.refs <= 0) this.reporters.delete(key);
  }

  clear(): void {
    this.reporters.clear();
  }

  /** Prometheus text exposition; families without series are omitted, as prometheus-cpp does. */
  render(): string {
    const all = [...this.reporters.values()]
      .map((e) => e.metrics)
      .sort((a, b) => (a.model === b.model ? a.version - b.version : a.model < b.model ? -1 : 1));
    const lines: string[] = [];
    const family = (f: Family, series: string[]): void => {
      if (series.length === 0) return;
      lines.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`, ...series);
    };
    const perModel = (f: Family, value: (m: ModelMetrics) => number): void =>
      family(
        f,
        all.map(
          (m) =>
            `${f.name}${labelText({ model: m.model, version: String(m.version) })} ${valueText(value(m))}`,
        ),
      );
    // prometheus-cpp's Registry collects counters, then gauges, then summaries.
    perModel(F.success, (m) => m.success);
    family(
      F.failure,
      all.flatMap((m) =>
        FAILURE_REASONS.map(
          (r) =>
            `${F.failure.name}${labelText({ model: m.model, reason: r, version: String(m.version) })} ${m.failure[r]}`,
        ),
      ),
    );
    perModel(F.count, (m) => m.inferenceCount);
    perModel(F.exec, (m) => m.execCount);
    if (this.config.counterLatencies) {
      for (const kind of LATENCY_KINDS) perModel(F[kind], (m) => Math.round(m.durationUs[kind]));
    }
    perModel(F.pending, (m) => m.pending);
    perModel(F.load, (m) => m.loadDurationSecs);
    // triton-contract.md §5.4: pinned-memory gauges since 24.01, no labels. This box has no CUDA
    // pinned pool, so they read 0 [choice: the contract does not say what a CPU-only build shows].
    family(F.pinnedTotal, [`${F.pinnedTotal.name} 0`]);
    family(F.pinnedUsed, [`${F.pinnedUsed.name} 0`]);
    // triton-contract.md §5.4: nv_cpu_* have no labels; nv_gpu_* need a GPU (none here).
    this.sampleCpu();
    const mem = readMemInfo();
    family(F.cpuUtil, [`${F.cpuUtil.name} ${valueText(this.cpuUtilization)}`]);
    family(F.cpuTotal, [`${F.cpuTotal.name} ${mem.total}`]);
    family(F.cpuUsed, [`${F.cpuUsed.name} ${mem.used}`]);
    if (this.config.summaryLatencies) {
      for (const kind of LATENCY_KINDS) {
        const f = SUMMARY_FAMILIES[kind];
        family(
          f,
          all.flatMap((m) => {
            const labels = { model: m.model, version: String(m.version) };
            const now = Date.now();
            const window = m.summaries[kind]
              .filter((o) => now - o.at <= SUMMARY_MAX_AGE_MS)
              .map((o) => o.us)
              .sort((a, b) => a - b);
            const totals = m.summaryTotals[kind];
            return [
              `${f.name}_count${labelText(labels)} ${totals.count}`,
              `${f.name}_sum${labelText(labels)} ${valueText(totals.sum)}`,
              ...this.config.summaryQuantiles.map(
                ([q]) =>
                  `${f.name}${labelText(labels, ["quantile", String(q)])} ${valueText(quantile(window, q))}`,
              ),
            ];
          }),
        );
      }
    }
    return `${lines.join("\n")}\n`;
  }

  private sampleCpu(): void {
    const now = readCpuSample();
    if (now && this.lastCpu && now.total > this.lastCpu.total) {
      const busy = now.total - this.lastCpu.total - (now.idle - this.lastCpu.idle);
      this.cpuUtilization = Math.min(1, Math.max(0, busy / (now.total - this.lastCpu.total)));
    }
    if (now) this.lastCpu = now;
  }
}
