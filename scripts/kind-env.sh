#!/usr/bin/env bash
# Everything the real kind needs here, set up when missing: the private Docker engine (started or
# joined), kind and the node image (build-kind.sh), and the engine images built for the local
# cluster loaded into that engine under the names the manifests use (so the verifier's own
# preload-images path finds them and `kind load` copies them into the nodes).
# Prints the environment to use, one NAME=value a line:
#   DOCKER_HOST, KIND (the binary), KIND_NODE_IMAGE, ES_K8S_VERIFY_KIND_IMAGES (comma-separated).
# Leave the engine with `local-cluster/scripts/docker-engine.sh stop` (from the same parent process).
set -euo pipefail
cd "$(dirname "$0")/.."
# The images the repository's manifests name, each served as the local registry serves it.
IMAGES=(
  docker.elastic.co/elasticsearch/elasticsearch:7.1.1
  docker.elastic.co/elasticsearch/elasticsearch:7.17.29
  docker.elastic.co/elasticsearch/elasticsearch:8.19.21
  docker.elastic.co/elasticsearch/elasticsearch:9.1.0
  docker.elastic.co/elasticsearch/elasticsearch:9.5.3
  opensearchproject/opensearch:2.19.1
  opensearchproject/opensearch:2.19.6
  opensearchproject/opensearch:3.9.0
)
ES_K8S_VERIFY_DOCKER_USER=${ES_K8S_VERIFY_DOCKER_USER:-$PPID} bash local-cluster/scripts/docker-engine.sh start | tail -1 >"${TMPDIR:-/tmp}/.kind-env.$$"
export "$(cat "${TMPDIR:-/tmp}/.kind-env.$$")"
rm -f "${TMPDIR:-/tmp}/.kind-env.$$"
built=$(bash local-cluster/scripts/build-kind.sh)
missing=()
for image in "${IMAGES[@]}"; do docker image inspect "$image" >/dev/null 2>&1 || missing+=("$image"); done
if ((${#missing[@]})); then
  archive=$(mktemp "${TMPDIR:-/tmp}/es-k8s-verify-images-XXXXXX.tar")
  node lib/local-cluster/agent/main.js image-archive --out "$archive" "${missing[@]}"
  docker load -q -i "$archive" >&2
  rm -f "$archive"
fi
echo "DOCKER_HOST=$DOCKER_HOST"
echo "$built"
echo "ES_K8S_VERIFY_KIND_IMAGES=$(IFS=,; echo "${IMAGES[*]}")"
