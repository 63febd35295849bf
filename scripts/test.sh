#!/usr/bin/env bash
# The tests: sets up what is missing, then runs the unit tests and the integration tests against
# the real local cluster, printing line coverage of src/.
set -euo pipefail
cd "$(dirname "$0")/.."
PATH="$(scripts/setup.sh):$PATH"
npm run lint
npx prettier --check .
bash scripts/actionlint.sh
npm test
