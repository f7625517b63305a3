// A static file server for the "same bytes from a static server" floor: Python's http.server
// (python3 is on every machine this runs on), serving one directory on loopback.
import { spawn, type ChildProcess } from "node:child_process";
import { freePort } from "../../test/observability/support/tools";

export interface StaticServer {
  url: string;
  close(): Promise<void>;
}

export async function startStaticServer(directory: string): Promise<StaticServer> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    "python3",
    ["-u", "-m", "http.server", "--bind", "127.0.0.1", "--directory", directory, String(port)],
    { stdio: ["ignore", "pipe", "ignore"] },
  );
  // It prints "Serving HTTP on 127.0.0.1 port <p> …" once it listens.
  await new Promise<void>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`python3 -m http.server exited ${code}`)));
    child.stdout?.on("data", (d: Buffer) => {
      if (d.toString().includes("Serving HTTP")) resolve();
    });
  });
  child.removeAllListeners("exit");
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}
