#!/usr/bin/env bash
# The verifier on the real kind here: sets up what is missing (the local cluster's builds, the
# private Docker engine, kind, the node image, the engine images in that engine), then verifies
# the reference Elasticsearch manifests with --provider kind. Extra arguments go to
# es-k8s-verify, e.g. --manifests manifests/opensearch --scenario restart.
# The Docker engine is left as it was found: stopped afterwards unless something else uses it.
set -euo pipefail
cd "$(dirname "$0")/.."
PATH="$(scripts/setup.sh):$PATH"
export ES_K8S_VERIFY_DOCKER_USER=$$
trap 'bash local-cluster/scripts/docker-engine.sh stop' EXIT
kind_env=$(bash scripts/kind-env.sh)
while IFS='=' read -r name value; do export "$name=$value"; done <<<"$kind_env"
PATH="$(dirname "$KIND"):$PATH"
node dist/cli.js --provider kind --kind-node-image "$KIND_NODE_IMAGE" --preload-images true \
  --manifests manifests/elasticsearch "$@"
