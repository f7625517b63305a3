// Crash trials (issue 10 point 2), the full run: `node --import tsx scripts/crash-trials.ts
// [--trials 200] [--seed 1]`. Deploys in a child process and SIGKILLs it after a random delay, with
// one and two Triton-compatible servers sharing one repository and version-less client load
// throughout; after each kill checks the repository, the answers and the next run
// (test/core/transaction/crash-trials.ts says what exactly). Prints one line per trial, then the
// figures: trials, violations, where the kills landed, requests answered. Takes minutes. The test
// suite runs a seeded subset (test/core/transaction/deploy-crash-trials.test.ts).
import { parseArgs } from "node:util";
import { landings, runCrashTrials } from "../test/core/transaction/crash-trials";

const { values } = parseArgs({
  options: { trials: { type: "string", default: "200" }, seed: { type: "string", default: "1" } },
});
const trials = Number(values.trials);
const seed = Number(values.seed);
if (!Number.isInteger(trials) || trials < 1 || !Number.isInteger(seed)) {
  process.stderr.write(`--trials ${values.trials} / --seed ${values.seed}: expected integers\n`);
  process.exit(2);
}

async function main(): Promise<number> {
  const started = Date.now();
  const records = await runCrashTrials({
    trials,
    seed,
    onTrial: (r) =>
      process.stdout.write(
        `trial ${r.index} seed ${r.seed} pods ${r.pods} ${r.kind} (${r.candidate}) aimed at ${r.target} + ${r.delayMs} ms, killed at ${r.landed}; ${r.requests} requests, ${r.failedRequests} failed; ${r.violations.length === 0 ? "ok" : `VIOLATIONS: ${r.violations.join(" | ")}`}\n`,
      ),
  });
  const violating = records.filter((r) => r.violations.length > 0);
  const requests = records.reduce((n, r) => n + r.requests, 0);
  const failed = records.reduce((n, r) => n + r.failedRequests, 0);
  process.stdout.write(
    [
      "",
      `trials: ${records.length} (seeds ${seed}..${seed + records.length - 1}; ${records.filter((r) => r.pods === 1).length} with 1 server, ${records.filter((r) => r.pods === 2).length} with 2)`,
      `kinds: ${["good", "reused-number", "broken-validate", "broken-smoke", "early"].map((k) => `${k} ${records.filter((r) => r.kind === k).length}`).join(", ")}`,
      `violations: ${violating.length} trial(s)${violating.map((r) => `\n  seed ${r.seed}: ${r.violations.join(" | ")}`).join("")}`,
      `kills landed (last step event before the kill):`,
      ...landings(records).map(([where, n]) => `  ${where}: ${n}`),
      `version-less requests: ${requests}, not answered 200: ${failed}`,
      `took ${Math.round((Date.now() - started) / 1000)} s`,
      "",
    ].join("\n"),
  );
  return violating.length === 0 ? 0 : 1;
}

void main().then((code) => process.exit(code));
