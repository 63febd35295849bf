#!/usr/bin/env bash
# Prints the directory of a Node.js 24 binary, installing it from the npm registry when the
# machine's node is older. npm checks the package against the registry's sha512 integrity.
set -euo pipefail
NODE_VERSION="${ES_K8S_VERIFY_NODE_VERSION:-24.21.0}"
if command -v node >/dev/null && [[ "$(node -p 'process.versions.node.split(".")[0]')" -ge 24 ]]; then
  dirname "$(command -v node)"
  exit 0
fi
CACHE_ROOT="${ES_K8S_VERIFY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/es-k8s-verify}"
DEST="$CACHE_ROOT/node-$NODE_VERSION"
arch=$(uname -m); case "$arch" in x86_64) arch=x64 ;; aarch64) arch=arm64 ;; esac
BIN="$DEST/node_modules/node-linux-$arch/bin"
if [[ ! -x "$BIN/node" ]]; then
  echo "[ensure-node24] installing node-linux-$arch@$NODE_VERSION from the npm registry" >&2
  mkdir -p "$DEST"
  npm install --prefix "$DEST" --no-save --no-audit --no-fund --ignore-scripts "node-linux-$arch@$NODE_VERSION" >&2
fi
# npm's own scripts need to run under the new node as well.
ln -sf "$(command -v npm)" "$BIN/npm" 2>/dev/null || true
ln -sf "$(command -v npx)" "$BIN/npx" 2>/dev/null || true
echo "$BIN"
