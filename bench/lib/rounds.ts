// Interleaved measurement: every figure and its floor are measured once per round, in an order
// that rotates from round to round, so that the load of a shared machine falls on both alike and
// the ratio floor ÷ project means something even when absolute times do not.

/** One measured task of a round: returns milliseconds (or another unit the caller names). */
export interface Task {
  name: string;
  run: () => Promise<number>;
}

/** Runs each task once per round, rotating the order; returns every task's values by name. */
export async function interleaved(
  rounds: number,
  tasks: readonly Task[],
  onValue?: (round: number, name: string, value: number) => void,
): Promise<Map<string, number[]>> {
  const values = new Map<string, number[]>(tasks.map((t) => [t.name, []]));
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < tasks.length; i++) {
      const task = tasks[(i + round) % tasks.length]!;
      const value = await task.run();
      values.get(task.name)!.push(value);
      onValue?.(round + 1, task.name, value);
    }
  }
  return values;
}

export interface Spread {
  min: number;
  median: number;
  max: number;
}

export function spread(values: readonly number[]): Spread {
  if (values.length === 0) throw new Error("no values to summarise");
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { min: sorted[0]!, median, max: sorted[sorted.length - 1]! };
}

/** Per-round element-wise combination of several series (e.g. the larger of two floors). */
export function combine(
  series: readonly (readonly number[])[],
  f: (xs: number[]) => number,
): number[] {
  return series[0]!.map((_, i) => f(series.map((s) => s[i]!)));
}
