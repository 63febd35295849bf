#!/usr/bin/env bash
# The main job: sets up what is missing, then verifies the reference Elasticsearch manifests on
# the local cluster (no Docker). Extra arguments go to es-k8s-verify, e.g. --manifests manifests/opensearch.
set -euo pipefail
cd "$(dirname "$0")/.."
PATH="$(scripts/setup.sh):$PATH"
exec node dist/cli.js --provider local --manifests manifests/elasticsearch "$@"
