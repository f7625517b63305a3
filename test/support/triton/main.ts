// `npm run triton-server -- <tritonserver flags> [--admin-port=<p>] [--legacy-status-codes]`
// Starts the Triton-compatible test server on 127.0.0.1 and prints one JSON line on stdout once the
// ports are open: {"httpPort":…,"metricsPort":…,"adminPort":…}. A startup failure prints the
// reason on stderr and exits 1 (as tritonserver does with "failed to load all models").
import { parseTritonFlags } from "./flags";
import { startTritonServer } from "./server";

async function main(): Promise<void> {
  const options = parseTritonFlags(process.argv.slice(2));
  const handle = await startTritonServer({
    ...options,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(
    `${JSON.stringify({
      httpPort: handle.httpPort,
      metricsPort: handle.metricsPort ?? null,
      adminPort: handle.adminPort ?? null,
    })}\n`,
  );
  const stop = (): void => {
    handle.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

main().catch((e: unknown) => {
  process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
