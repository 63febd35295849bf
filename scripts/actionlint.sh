#!/usr/bin/env bash
# Lints the workflows with actionlint, built from the Go module proxy into the cache (pinned).
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=v1.7.12
BIN="${ES_K8S_VERIFY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/es-k8s-verify}/bin/actionlint-$VERSION"
if [[ ! -x $BIN/actionlint ]]; then
  mkdir -p "$BIN"
  GOBIN="$BIN" go install "github.com/rhysd/actionlint/cmd/actionlint@$VERSION" >&2
fi
"$BIN/actionlint" -color=false .github/workflows/*.yml
echo "actionlint $VERSION: workflows clean"
