// The readiness check of a Triton pod: every configured model that has a committed version
// (`<repo>/<model>/current.json`) serves that exact version. Not Triton's /v2/health/ready: under
// strict readiness one failed deploy would take every pod out of the Service, and before the first
// deploy a model has no directory at all (design.md, "Triton facts"). A never-deployed model
// therefore does not block readiness; `TritonModelNotServing` alerts on it instead.
//
// Runs as an exec probe with the python3 of the -py3 Triton image (no curl there), standard
// library only. argv: <repository root> <Triton HTTP base URL> <timeout seconds> <model>...
export const READINESS_SCRIPT = `
import json, os, sys, urllib.request
root, base, timeout = sys.argv[1], sys.argv[2], float(sys.argv[3])
for model in sys.argv[4:]:
    path = os.path.join(root, model, "current.json")
    try:
        with open(path) as f:
            version = str(json.load(f)["active_version"])
    except FileNotFoundError:
        continue
    except Exception as e:
        sys.exit("not ready: %s unreadable: %s" % (path, e))
    url = "%s/v2/models/%s/versions/%s/ready" % (base, model, version)
    try:
        urllib.request.urlopen(url, timeout=timeout).close()
    except Exception as e:
        sys.exit("not ready: %s version %s: %s" % (model, version, e))
`.trimStart();

/** The exec probe command for the given models. */
export function readinessProbeCommand(args: {
  repositoryRoot: string;
  httpBaseUrl: string;
  timeoutSeconds: number;
  models: readonly string[];
}): string[] {
  return [
    "python3",
    "-c",
    READINESS_SCRIPT,
    args.repositoryRoot,
    args.httpBaseUrl,
    String(args.timeoutSeconds),
    ...args.models,
  ];
}
