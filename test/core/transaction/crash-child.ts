// Child process for the crash-recovery tests: runs one deployment and SIGKILLs itself the way an
// OOM kill or a lost CI runner would stop it — at the progress event named by CRASH_AT
// ("<step>:<phase>"), or just before the n-th file operation (0-based) counted from the start of
// promote, CRASH_AT_FILE_OPERATION (the repository's file-operation probe). The deployment is
// described by CRASH_DEPLOY (JSON: env and request). Exit 10: the deployment ended without the
// crash (the operation index is past the last one); 11: it failed without the crash. With
// CRASH_REPORT_PROGRESS=1 it prints every step's start/done/failed as `<step>:<phase>` lines.
import { writeSync } from "node:fs";
import { deployModel, type DeployEnvironment, type DeployRequest } from "../../../src/core";
import { setFileOperationProbe } from "../../../src/core/repository";

const [step, phase] = (process.env.CRASH_AT ?? "").split(":");
const killAtOperation =
  process.env.CRASH_AT_FILE_OPERATION === undefined
    ? undefined
    : Number(process.env.CRASH_AT_FILE_OPERATION);
const { env, request } = JSON.parse(process.env.CRASH_DEPLOY ?? "{}") as {
  env: DeployEnvironment;
  request: DeployRequest;
};

let operations: number | undefined;
setFileOperationProbe((operation) => {
  if (operations === undefined) return;
  if (operations === killAtOperation) {
    // Synchronous: the parent learns where the kill landed, and nothing else runs before it.
    writeSync(1, `${operation}\n`);
    process.kill(process.pid, "SIGKILL");
  }
  operations++;
});

void deployModel(env, request, {
  onProgress: (e) => {
    // The crash trials learn where a kill from outside landed from the last line printed.
    if (process.env.CRASH_REPORT_PROGRESS === "1" && e.phase !== "progress") {
      writeSync(1, `${e.step}:${e.phase}\n`);
    }
    if (e.step === "promote" && e.phase === "start") operations = 0;
    if (e.step === step && e.phase === phase) process.kill(process.pid, "SIGKILL");
  },
}).then(
  () => process.exit(10),
  (error: unknown) => {
    process.stderr.write(`crash-child: deployment ended without the crash: ${String(error)}\n`);
    process.exit(11);
  },
);
