#!/usr/bin/env bash
# The tests: sets up what is missing, then lints (eslint, prettier, actionlint) and runs the unit
# tests and the integration tests against the real local cluster, printing line coverage of src/.
set -euo pipefail
cd "$(dirname "$0")/.."
PATH="$(scripts/setup.sh):$PATH"
npm run lint
npx prettier --check .
bash scripts/actionlint.sh
# Everything the tests write to the temp dir goes to one directory of this run, removed at the
# end (after the leftover check has looked into it): the suite leaves no temp files behind.
TMPDIR=$(mktemp -d "${TMPDIR:-/tmp}/es-k8s-verify-tests-XXXXXX")
export TMPDIR
# The real kind: the private Docker engine (joined, or started and stopped by this run), kind and
# its node image built here, the engine images in that engine.
export ES_K8S_VERIFY_DOCKER_USER=$$
trap 'bash local-cluster/scripts/docker-engine.sh stop; rm -rf "$TMPDIR"' EXIT
kind_env=$(bash scripts/kind-env.sh)
while IFS='=' read -r name value; do export "$name=$value"; done <<<"$kind_env"
PATH="$(dirname "$KIND"):$PATH"
# What local clusters left before the tests (e.g. a developer's running cluster) is not ours.
before=$(bash scripts/leftovers.sh)
status=0
jest=(npx jest --coverage --json)
NODE_OPTIONS=--experimental-vm-modules NODE_NO_WARNINGS=1 "${jest[@]}" --runInBand --selectProjects unit \
  --coverageDirectory coverage/unit --outputFile=coverage/unit.json || status=$?
# Two integration files at a time: a file's clusters leave the CPU idle about half the time
# (the engines wait on each other, the kubelet on its probes), and every cluster is its own
# (own name, bridge, Service router, cgroups, containerd), so two run side by side.
# Everything the integration tests' clusters send stays on this machine: a capture on the real
# interface for the whole run must see no packet with a source other than this machine's own.
bash scripts/capture-leaks.sh start "$TMPDIR/leaks.pcap"
NODE_OPTIONS=--experimental-vm-modules NODE_NO_WARNINGS=1 "${jest[@]}" --maxWorkers=2 --selectProjects integration \
  --coverageDirectory coverage/integration --outputFile=coverage/integration.json || status=$?
bash scripts/capture-leaks.sh stop "$TMPDIR/leaks.pcap" || status=1
# One closing line in the plain form CI reads: "tests: N passed, N failed, N skipped".
node -e '
const rs = ["unit", "integration"].map((p) => { try { return require(`./coverage/${p}.json`) } catch { return { numPassedTests: 0, numFailedTests: 1, numPendingTests: 0 } } })
const sum = (k) => rs.reduce((n, r) => n + r[k], 0)
console.log(`tests: ${sum("numPassedTests")} passed, ${sum("numFailedTests")} failed, ${sum("numPendingTests")} skipped`)'
# The suite leaves the machine as it found it: nothing new from its clusters may remain.
new=$(comm -13 <(echo "$before") <(bash scripts/leftovers.sh))
if [[ -n $new ]]; then
  echo "test.sh: the tests left these behind:" >&2
  echo "$new" | sed 's/^/  /' >&2
  status=1
fi
exit "$status"
