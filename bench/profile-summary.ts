// Summarises a V8 CPU profile (`node --cpu-prof`): self time per function, heaviest first, and
// the share of idle time (the main thread waiting for the network or the disk).
//   node --import tsx bench/profile-summary.ts <file.cpuprofile> [top=25]
import { readFileSync } from "node:fs";

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

function main(): void {
  const [file, top = "25"] = process.argv.slice(2);
  if (file === undefined) throw new Error("usage: profile-summary <file.cpuprofile> [top]");
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const frame = byId.get(id)!.callFrame;
    const delta = profile.timeDeltas[i] ?? 0;
    total += delta;
    const where = frame.url.split("/").slice(-2).join("/");
    const key = `${frame.functionName || "(anonymous)"} ${where}${where ? `:${frame.lineNumber + 1}` : ""}`;
    self.set(key, (self.get(key) ?? 0) + delta);
  });
  console.log(`profile: ${(total / 1000).toFixed(0)} ms`);
  for (const [key, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(top))) {
    const ms = (us / 1000).toFixed(0).padStart(7);
    console.log(`${ms} ms ${((100 * us) / total).toFixed(1).padStart(5)} %  ${key}`);
  }
}

main();
