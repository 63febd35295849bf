#!/usr/bin/env bash
# Runs jobs of .github/workflows/e2e.yml locally with act (nektos/act, built from the Go module
# proxy), in self-hosted mode: the steps run on this machine, `uses: ./` runs the committed dist/
# with the Node.js first on PATH (24, from setup.sh), and provider kind is the real kind on the
# private Docker engine. Needs what scripts/kind-env.sh prints in the environment (test.sh and
# verify-kind.sh export it). What act cannot do as GitHub does: remote actions other than the
# checkout of this repository (act copies the work tree), and the artifact service (act's does not
# accept @actions/artifact 6; the e2e checks say so under act, and artifact-upload.itg.ts proves
# the upload against Azurite).
#
#   act-e2e.sh JOB [--matrix provider:kind ...]    e.g. act-e2e.sh verify --matrix provider:kind --matrix engine:opensearch
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=local-cluster/scripts/paths.sh
source local-cluster/scripts/paths.sh
ACT_VERSION=v0.2.89
act="$CACHE_ROOT/bin/act-$ACT_VERSION/act"
if [[ ! -x $act ]]; then
  echo "[act-e2e] building act $ACT_VERSION from the Go module proxy" >&2
  GOBIN="$(dirname "$act")" CGO_ENABLED=0 GOFLAGS=-mod=mod go install -trimpath "github.com/nektos/act@$ACT_VERSION" >&2
fi
[[ -n ${KIND_NODE_IMAGE:-} && -n ${DOCKER_HOST:-} ]] || { echo "act-e2e: export what scripts/kind-env.sh prints first" >&2; exit 2; }
job=${1:?usage: act-e2e.sh JOB [act options]}
shift
# act's own servers bind to loopback (their default is this machine's outward address).
exec "$act" push -W .github/workflows/e2e.yml -j "$job" -P ubuntu-latest=-self-hosted --pull=false \
  --cache-server-addr 127.0.0.1 --artifact-server-addr 127.0.0.1 \
  --var "KIND_NODE_IMAGE=$KIND_NODE_IMAGE" --var PRELOAD_IMAGES=true "$@"
