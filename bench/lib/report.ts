// The figures of one `npm run bench`: printed as they are measured and written to
// bench/RESULTS.md with the machine, its load and the floor commands.
import { writeFile } from "node:fs/promises";
import { cpus, loadavg, totalmem } from "node:os";
import { spread, type Spread } from "./rounds";

export interface Row {
  figure: string;
  /** Median of the project's values, with its unit. */
  project: string;
  /** Median of the floor's values, with its unit ("" when the figure has no floor). */
  floor: string;
  /** min / median / max of the per-round ratio floor ÷ project (or of the figure itself). */
  spread: Spread;
  /** What the spread is: "floor ÷ project", "ms", "MiB" … */
  unit: string;
  target: string;
  ok: boolean | undefined;
}

export class Report {
  readonly rows: Row[] = [];
  readonly commands: string[] = [];
  readonly loads: string[] = [];
  private readonly started = new Date();

  constructor(private readonly mode: string) {
    this.noteLoad("start");
  }

  noteLoad(when: string): void {
    const [one, five, fifteen] = loadavg().map((l) => l.toFixed(2));
    this.loads.push(
      `${when} (${new Date().toISOString().slice(11, 19)} UTC): ${one}, ${five}, ${fifteen}`,
    );
  }

  command(text: string): void {
    if (!this.commands.includes(text)) this.commands.push(text);
  }

  /** A ratio floor ÷ project per round (paired rounds), judged on its median. */
  ratio(
    figure: string,
    project: readonly number[],
    floor: readonly number[],
    unit: string,
    target?: number,
  ): void {
    const per = project.map((p, i) => floor[i]! / p);
    const s = spread(per);
    this.add({
      figure,
      project: `${fmt(spread(project).median)} ${unit}`,
      floor: `${fmt(spread(floor).median)} ${unit}`,
      spread: s,
      unit: "floor ÷ project",
      target: target === undefined ? "reference" : `≥ ${target}`,
      ok: target === undefined ? undefined : s.median >= target,
    });
  }

  /** A plain figure (ms, MiB …), judged on its median against `below` when given. */
  value(
    figure: string,
    values: readonly number[],
    unit: string,
    below?: number,
    target?: string,
  ): void {
    const s = spread(values);
    this.add({
      figure,
      project: `${fmt(s.median)} ${unit}`,
      floor: "",
      spread: s,
      unit,
      target: below === undefined ? (target ?? "reference") : `< ${below} ${unit}`,
      ok: below === undefined ? undefined : s.median < below,
    });
  }

  private add(row: Row): void {
    this.rows.push(row);
    const verdict = row.ok === undefined ? "    " : row.ok ? "ok  " : "MISS";
    console.log(
      `${verdict} ${row.figure}: ${fmt(row.spread.min)} / ${fmt(row.spread.median)} / ${fmt(row.spread.max)} ${row.unit} (project ${row.project}${row.floor ? `, floor ${row.floor}` : ""}; target ${row.target})`,
    );
  }

  async write(path: string): Promise<number> {
    this.noteLoad("end");
    const cpu = cpus()[0]?.model ?? "unknown CPU";
    const lines = [
      "# Benchmark results",
      "",
      `Produced by \`npm run bench${this.mode === "full" ? "" : ` -- --${this.mode}`}\` on ${this.started.toISOString().slice(0, 16).replace("T", " ")} UTC: Node ${process.version}, ${cpus().length} × ${cpu}, ${(totalmem() / 1024 ** 3).toFixed(0)} GiB RAM, Linux; a machine shared with other work.`,
      `Load average (1, 5, 15 min): ${this.loads.join("; ")}.`,
      "",
      "Each figure and its floor are measured once per round, in an order that rotates from round to round, so the ratio floor ÷ project of one round compares runs under the same load (1.0 = as fast as the floor). Columns: min / median / max over the rounds; project and floor are medians.",
      "",
      "| figure | min / median / max | project | floor | target | |",
      "| --- | --- | --- | --- | --- | --- |",
      ...this.rows.map(
        (r) =>
          `| ${cell(r.figure)} | ${fmt(r.spread.min)} / **${fmt(r.spread.median)}** / ${fmt(r.spread.max)} ${r.unit} | ${r.project} | ${r.floor || "—"} | ${r.target} | ${r.ok === undefined ? "" : r.ok ? "ok" : "**missed**"} |`,
      ),
      "",
      "Floors, as run (`$URL` is the artifact's download URL on the MLflow-compatible test server unless said otherwise):",
      "",
      ...this.commands.map((c) => `- ${c}`),
      "",
    ];
    await writeFile(path, lines.join("\n"));
    return this.rows.filter((r) => r.ok === false).length;
  }
}

/** Markdown table cell text: a `|` (as in `curl | sha256sum`) would end the cell. */
function cell(text: string): string {
  return text.replace(/\|/g, "\\|");
}

export function fmt(value: number): string {
  const abs = Math.abs(value);
  return abs >= 100 ? value.toFixed(0) : abs >= 10 ? value.toFixed(1) : value.toFixed(2);
}
