// Rendering a stack's rules, Alertmanager config, dashboard and values (`npm run render`): the
// first call (module loading and JIT warm-up) and the median of five warm renders.
import { listStacks, readStackConfig } from "../../src/config/stack-file";
import { observabilityInputFromConfig, renderObservabilityFiles } from "../../src/observability";
import type { Report } from "../lib/report";

function msSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

export function benchRender(report: Report): void {
  const render = (stack: string) =>
    renderObservabilityFiles(observabilityInputFromConfig(readStackConfig(process.cwd(), stack)));
  for (const stack of listStacks(process.cwd())) {
    let start = process.hrtime.bigint();
    const files = render(stack);
    const cold = msSince(start);
    const warm: number[] = [];
    for (let i = 0; i < 5; i++) {
      start = process.hrtime.bigint();
      render(stack);
      warm.push(msSince(start));
    }
    const name = `render ${stack}: ${Object.keys(files).length} files`;
    report.value(`${name}, first call`, [cold], "ms");
    report.value(`${name}, warm renders`, warm, "ms", 200);
  }
}
