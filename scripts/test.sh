#!/usr/bin/env bash
# The tests: sets up what is missing, then lints (eslint, prettier, actionlint) and runs the unit
# tests and the integration tests against the real local cluster, printing line coverage of src/.
set -euo pipefail
cd "$(dirname "$0")/.."
PATH="$(scripts/setup.sh):$PATH"
npm run lint
npx prettier --check .
bash scripts/actionlint.sh
# What local clusters left before the tests (e.g. a developer's running cluster) is not ours.
before=$(bash scripts/leftovers.sh)
status=0
npm test -- --json --outputFile=coverage/jest-results.json || status=$?
# One closing line in the plain form CI reads: "tests: N passed, N failed, N skipped".
node -e 'const r=require("./coverage/jest-results.json");console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests} skipped`)'
# The suite leaves the machine as it found it: nothing new from its clusters may remain.
new=$(comm -13 <(echo "$before") <(bash scripts/leftovers.sh))
if [[ -n $new ]]; then
  echo "test.sh: the tests left these behind:" >&2
  echo "$new" | sed 's/^/  /' >&2
  status=1
fi
exit "$status"
