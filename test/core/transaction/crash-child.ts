// Child process for the crash-recovery test: runs one deployment and SIGKILLs itself at the
// progress event named by CRASH_AT ("<step>:<phase>"), the way an OOM kill or a lost CI runner
// would stop it. The deployment is described by CRASH_DEPLOY (JSON: env and request).
import { deployModel, type DeployEnvironment, type DeployRequest } from "../../../src/core";

const [step, phase] = (process.env.CRASH_AT ?? "").split(":");
const { env, request } = JSON.parse(process.env.CRASH_DEPLOY ?? "{}") as {
  env: DeployEnvironment;
  request: DeployRequest;
};

void deployModel(env, request, {
  onProgress: (e) => {
    if (e.step === step && e.phase === phase) process.kill(process.pid, "SIGKILL");
  },
}).then(
  () => process.exit(10),
  (error: unknown) => {
    // The test expects a SIGKILL; any other end is a failure worth seeing in its output.
    process.stderr.write(`crash-child: deployment ended without the crash: ${String(error)}\n`);
    process.exit(11);
  },
);
