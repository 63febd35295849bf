#!/usr/bin/env bash
# Prints lint wall time, process start-up included: the reference manifests, and a set of
# 200 documents (100 Service + StatefulSet pairs generated from the reference). Asserts nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
PATH="$(scripts/ensure-node24.sh):$PATH"
runs=${1:-10}
big=$(mktemp -d)
for i in $(seq 1 100); do
  sed "s/es-cluster/es-$i/g" manifests/elasticsearch/service.yaml >"$big/$(printf %03d "$i")-service.yaml"
  sed "s/es-cluster/es-$i/g" manifests/elasticsearch/statefulset.yaml >"$big/$(printf %03d "$i")-statefulset.yaml"
done
measure() {
  local label=$1; shift
  local times=()
  for _ in $(seq 1 "$runs"); do
    local start end
    start=$(date +%s%N)
    node dist/cli.js lint "$@" >/dev/null || true
    end=$(date +%s%N)
    times+=($(((end - start) / 1000000)))
  done
  IFS=$'\n' sorted=($(sort -n <<<"${times[*]}")); unset IFS
  echo "$label: min ${sorted[0]} ms, median ${sorted[$((runs / 2))]} ms, max ${sorted[$((runs - 1))]} ms over $runs runs"
}
measure "reference manifests (2 documents)" manifests/elasticsearch
measure "200 documents" "$big"
rm -rf "$big"
