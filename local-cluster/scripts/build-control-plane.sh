#!/usr/bin/env bash
# Builds the upstream Kubernetes control plane (kube-apiserver, kube-controller-manager,
# kube-scheduler), the node's kubelet and kube-proxy, kubeadm and kubectl (for the kind node image), etcd and CoreDNS from the Go module proxy
# into a cache directory keyed by version.
# Nothing here is hand-written Kubernetes: the programs are upstream's, built unchanged.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=local-cluster/scripts/paths.sh
source "$here/paths.sh"
# shellcheck source=local-cluster/scripts/versions.sh
source "$here/versions.sh"
OUT="$CACHE_ROOT/bin/k8s-$K8S_VERSION"
ETCD_OUT="$CACHE_ROOT/bin/etcd-$ETCD_VERSION"
COREDNS_OUT="$CACHE_ROOT/bin/coredns-$COREDNS_VERSION"
NODE_TOOLS_OUT="$CACHE_ROOT/bin/node-tools-crictl-$CRICTL_VERSION-local-path-$LOCAL_PATH_VERSION"
# kubeadm and kubectl go into the kind node image (build-kind.sh), as kind's own build puts them there.
KUBE_COMMANDS=(kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubeadm kubectl)
export GOFLAGS="${GOFLAGS:-} -mod=mod"
export CGO_ENABLED=0

log() { printf '[build-control-plane] %s\n' "$*" >&2; }

build_kubernetes() {
  local missing=()
  for cmd in "${KUBE_COMMANDS[@]}"; do [[ -x "$OUT/$cmd" ]] || missing+=("$cmd"); done
  if ((${#missing[@]} == 0)); then
    log "kubernetes $K8S_VERSION already built in $OUT"
    return
  fi
  local work="$CACHE_ROOT/src/k8s-$K8S_VERSION"
  mkdir -p "$work" "$OUT"
  cd "$work"
  local staging="v0.${K8S_VERSION#v1.}"
  local upstream_mod
  upstream_mod=$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  # k8s.io/kubernetes requires its staging modules at v0.0.0 through local replaces, which
  # do not apply to a dependent module: replace each with its published tag.
  {
    echo "module es-k8s-verify.local/control-plane"
    echo
    echo "go 1.24"
    echo
    echo "require k8s.io/kubernetes $K8S_VERSION"
    echo
    grep -oE '^\s*k8s\.io/[a-z0-9-]+ => \./staging/src/k8s\.io/[a-z0-9-]+' "$upstream_mod" \
      | awk -v v="$staging" '{print "replace " $1 " => " $1 " " v}'
  } >go.mod
  cat >tools.go <<'EOF'
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubelet"
	_ "k8s.io/kubernetes/cmd/kube-proxy"
	_ "k8s.io/kubernetes/cmd/kubeadm"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
EOF
  log "resolving modules for kubernetes $K8S_VERSION"
  go mod tidy -e >/dev/null 2>&1 || true
  for cmd in "${missing[@]}"; do
    log "building $cmd (first build takes minutes)"
    go build -trimpath -ldflags "-s -w -X k8s.io/component-base/version.gitVersion=$K8S_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=${staging#v0.}" \
      -o "$OUT/$cmd.tmp" "k8s.io/kubernetes/cmd/$cmd"
    mv "$OUT/$cmd.tmp" "$OUT/$cmd"
  done
}

build_etcd() {
  if [[ -x "$ETCD_OUT/etcd" ]]; then
    log "etcd $ETCD_VERSION already built in $ETCD_OUT"
    return
  fi
  local work="$CACHE_ROOT/src/etcd-$ETCD_VERSION"
  mkdir -p "$work" "$ETCD_OUT"
  cd "$work"
  cat >go.mod <<EOF
module es-k8s-verify.local/etcd

go 1.24

require go.etcd.io/etcd/server/v3 $ETCD_VERSION
EOF
  cat >main.go <<'EOF'
// The etcd binary is upstream's etcdmain.Main, unchanged.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
EOF
  go mod tidy >/dev/null
  log "building etcd $ETCD_VERSION"
  go build -trimpath -ldflags "-s -w" -o "$ETCD_OUT/etcd.tmp" .
  mv "$ETCD_OUT/etcd.tmp" "$ETCD_OUT/etcd"
}

# CoreDNS is upstream's coremain with the plugins its own build lists (core/plugin/zplugin.go
# is generated from plugin.cfg), so `kubernetes`, `forward`, `cache` and the rest are in.
build_coredns() {
  if [[ -x "$COREDNS_OUT/coredns" ]]; then
    log "coredns $COREDNS_VERSION already built in $COREDNS_OUT"
    return
  fi
  local work="$CACHE_ROOT/src/coredns-$COREDNS_VERSION"
  mkdir -p "$work" "$COREDNS_OUT"
  cd "$work"
  cat >go.mod <<EOF
module es-k8s-verify.local/coredns

go 1.24

require github.com/coredns/coredns $COREDNS_VERSION
EOF
  cat >main.go <<'EOF'
// The coredns binary is upstream's coremain.Run with upstream's plugin list, unchanged.
package main

import (
	_ "github.com/coredns/coredns/core/plugin"
	"github.com/coredns/coredns/coremain"
)

func main() { coremain.Run() }
EOF
  go mod tidy >/dev/null
  log "building coredns $COREDNS_VERSION"
  go build -trimpath -ldflags "-s -w" -o "$COREDNS_OUT/coredns.tmp" .
  mv "$COREDNS_OUT/coredns.tmp" "$COREDNS_OUT/coredns"
}

# crictl (the kubelet's runtime, seen as the kubelet sees it: the node's clean-up removes every
# pod sandbox with it) and local-path-provisioner (kind's default StorageClass), both `go install`
# of upstream's commands.
build_node_tools() {
  if [[ -x "$NODE_TOOLS_OUT/crictl" && -x "$NODE_TOOLS_OUT/local-path-provisioner" ]]; then
    log "crictl $CRICTL_VERSION and local-path-provisioner $LOCAL_PATH_VERSION already built in $NODE_TOOLS_OUT"
    return
  fi
  mkdir -p "$NODE_TOOLS_OUT"
  log "building crictl $CRICTL_VERSION and local-path-provisioner $LOCAL_PATH_VERSION"
  GOBIN="$NODE_TOOLS_OUT" go install -trimpath -ldflags "-s -w" "sigs.k8s.io/cri-tools/cmd/crictl@$CRICTL_VERSION"
  GOBIN="$NODE_TOOLS_OUT" go install -trimpath -ldflags "-s -w" "github.com/rancher/local-path-provisioner@$LOCAL_PATH_VERSION"
}

case "${1:-all}" in
  etcd) build_etcd ;;
  kubernetes) build_kubernetes ;;
  coredns) build_coredns ;;
  node-tools) build_node_tools ;;
  all) build_etcd; build_kubernetes; build_coredns; build_node_tools ;;
  print-bin-dirs) echo "$OUT"; echo "$ETCD_OUT"; echo "$COREDNS_OUT"; echo "$NODE_TOOLS_OUT" ;;
  *) echo "usage: $0 [all|etcd|kubernetes|coredns|node-tools|print-bin-dirs]" >&2; exit 2 ;;
esac
