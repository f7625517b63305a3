#!/usr/bin/env bash
# Runs the README's "main job" command, read from the README itself, in a fresh clone of HEAD with
# a clean environment (no ONNXRUNTIME_NODE_INSTALL, no node_modules), as a new user would on a
# machine that reaches only the package registries. .ci/run calls it after the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
command=$(sed -n 's/^| run the main job[^|]*| `\(.*\)` |$/\1/p' README.md)
if [ -z "$command" ]; then
  echo "fresh-clone-main-job: README.md has no 'run the main job' row in its commands table" >&2
  exit 1
fi
clone=$(mktemp -d "${TMPDIR:-/tmp}/triton-serving-fresh-XXXXXX")
trap 'rm -rf "$clone"' EXIT
git clone --quiet --no-local "$PWD" "$clone"
echo "fresh clone of $(git rev-parse --short HEAD) in $clone: $command"
cd "$clone"
env -i PATH="$PATH" HOME="${HOME:-/root}" LANG=C.UTF-8 bash -c "$command"
