#!/usr/bin/env bash
# The real kind, here: kind itself (built from the Go module proxy), kindnetd (kind's CNI, from the
# unchanged copy in shared/third-party) and a kind node image assembled the way kind's own
# `kind build node-image` does it, offline:
#   1. kind's images/base files over a Debian root filesystem (debootstrap; Debian's containerd,
#      runc and CNI plugins stand in for the ones kind compiles), imported as the base image;
#   2. a build container of it gets kubeadm, kubelet and kubectl (upstream, built from the Go
#      proxy) in /usr/bin and /kind/version;
#   3. the images `kubeadm config images list` names, plus kindnetd, local-path-provisioner and
#      its helper under the names kind's manifests use, imported into the node's containerd
#      with kind's own flags; kind's default CNI and storage manifests written from kind's source;
#   4. `docker commit` with kind's entrypoint.
# Needs the private Docker engine (docker-engine.sh start) in DOCKER_HOST.
#
#   build-kind.sh            build what is missing; prints KIND=<path> and KIND_NODE_IMAGE=<ref>
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=local-cluster/scripts/paths.sh
source "$here/scripts/paths.sh"
# shellcheck source=local-cluster/scripts/versions.sh
source "$here/scripts/versions.sh"
DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
KIND_OUT="$CACHE_ROOT/bin/kind-$KIND_VERSION"
KINDNETD_OUT="$CACHE_ROOT/bin/kindnetd-$KINDNETD_SOURCE_COMMIT"
WORK="$CACHE_ROOT/kind-work"
# Bump when the node image's recipe changes in a way its inputs' hashes do not show.
NODE_RECIPE=1
# What kind's base Dockerfile installs, from Debian (12, as this machine), less the rootless and
# network storage extras (fuse-overlayfs, nfs-common, open-iscsi); containerd, runc and the CNI
# plugins are Debian's too (kind compiles its own from git, which is not reachable here).
NODE_PACKAGES=(systemd systemd-sysv dbus conntrack iptables nftables iproute2 ethtool util-linux mount kmod
  libseccomp2 pigz e2fsprogs bash ca-certificates curl jq procps containerd runc containernetworking-plugins)
# kube-proxy and kindnetd program the node's iptables: their images carry iptables and conntrack.
IPTABLES_PACKAGES=(iptables conntrack iproute2)

log() { printf '[build-kind] %s\n' "$*" >&2; }
content_hash() { sha256sum | cut -c1-16; }
kind_src() { go mod download -json "sigs.k8s.io/kind@$KIND_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p'; }
kind_constant() { (cd "$here/kind/constants" && go run . "$(kind_src)" "$1"); }

build_kind() {
  [[ -x $KIND_OUT/kind ]] && return
  log "building kind $KIND_VERSION from the Go module proxy"
  mkdir -p "$KIND_OUT"
  GOBIN="$KIND_OUT" CGO_ENABLED=0 go install -trimpath "sigs.k8s.io/kind@$KIND_VERSION"
}

# kindnetd's go.mod names a kube-network-policies pseudo-version the Go proxy refuses; v1.1.0 is
# served and builds (shared/third-party/README.md). Built in a copy, the source left unchanged.
build_kindnetd() {
  [[ -x $KINDNETD_OUT/kindnetd ]] && return
  local src="$here/../../shared/third-party/kind-kindnetd" work="$CACHE_ROOT/src/kindnetd-$KINDNETD_SOURCE_COMMIT"
  [[ -f $src/go.mod ]] || { log "kindnetd's source is missing at $src"; exit 1; }
  log "building kindnetd from $src"
  rm -rf "$work"
  mkdir -p "$work" "$KINDNETD_OUT"
  cp -r "$src/." "$work/"
  chmod -R u+w "$work"
  (cd "$work" && go mod edit -require=sigs.k8s.io/kube-network-policies@v1.1.0 &&
    sed -i '/^sigs.k8s.io\/kube-network-policies /d' go.sum &&
    CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags "-s -w" -o "$KINDNETD_OUT/kindnetd.tmp" ./cmd/kindnetd)
  mv "$KINDNETD_OUT/kindnetd.tmp" "$KINDNETD_OUT/kindnetd"
}

# A Debian root filesystem as a tarball: `rootfs NAME PACKAGE...`; cached by its package list.
rootfs() {
  local name=$1
  shift
  local key tar
  key=$(printf '%s\n' "$DEBIAN_SUITE" "$@" | content_hash)
  tar="$WORK/rootfs-$name-$key.tar"
  if [[ ! -f $tar ]]; then
    log "debootstrap $DEBIAN_SUITE for the $name image"
    local dir="$WORK/rootfs-$name.tmp"
    rm -rf "$dir"
    mkdir -p "$dir"
    debootstrap --variant=minbase --include="$(
      IFS=,
      echo "$*"
    )" "$DEBIAN_SUITE" "$dir" "$DEBIAN_MIRROR" >"$WORK/debootstrap-$name.log" 2>&1 ||
      { tail -20 "$WORK/debootstrap-$name.log" >&2; exit 1; }
    rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/*
    tar --numeric-owner -C "$dir" -cf "$tar.tmp" .
    mv "$tar.tmp" "$tar"
    rm -rf "$dir"
  fi
  echo "$tar"
}

has_image() { docker image inspect "$1" >/dev/null 2>&1; }

# `import_image REF ENTRYPOINT-JSON BASE-TAR|- SRC=DEST...`: an image from a root filesystem
# tarball (or nothing) plus files, through `docker import` (no registry, no Dockerfile build).
import_image() {
  local ref=$1 entrypoint=$2 base=$3
  shift 3
  local dir="$WORK/image.tmp"
  rm -rf "$dir"
  mkdir -p "$dir/tmp" "$dir/etc"
  [[ $base == - ]] || tar -C "$dir" -xf "$base"
  chmod 1777 "$dir/tmp"
  local pair
  for pair in "$@"; do
    mkdir -p "$dir/$(dirname "${pair#*=}")"
    cp -a "${pair%%=*}" "$dir/${pair#*=}"
  done
  tar --numeric-owner -C "$dir" -c . | docker import \
    --change "ENTRYPOINT $entrypoint" \
    --change 'ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/bin:/usr/sbin:/bin:/sbin' - "$ref" >/dev/null
  rm -rf "$dir"
}

# A root filesystem whose iptables is the legacy one: kind's entrypoint picks legacy on a fresh
# node (it counts rules, and there are none), so the programs that write the node's rules must too.
iptables_rootfs() {
  local base tar
  base=$(rootfs iptables "${IPTABLES_PACKAGES[@]}")
  tar="${base%.tar}-legacy.tar"
  if [[ ! -f $tar ]]; then
    local dir="$WORK/iptables.tmp"
    rm -rf "$dir" && mkdir -p "$dir" && tar -C "$dir" -xf "$base"
    chroot "$dir" update-alternatives --set iptables /usr/sbin/iptables-legacy >/dev/null
    chroot "$dir" update-alternatives --set ip6tables /usr/sbin/ip6tables-legacy >/dev/null
    tar --numeric-owner -C "$dir" -cf "$tar" . && rm -rf "$dir"
  fi
  echo "$tar"
}

busybox_dir() {
  local dir="$WORK/busybox"
  if [[ ! -x $dir/bin/sh ]]; then
    mkdir -p "$dir/bin"
    cp /bin/busybox "$dir/bin/busybox"
    local applet
    for applet in $(/bin/busybox --list); do [[ $applet == busybox ]] || ln -sf busybox "$dir/bin/$applet"; done
  fi
  echo "$dir"
}

pause_binary() {
  [[ -x $WORK/pause ]] || gcc -static -O2 -o "$WORK/pause" "$here/images/pause/pause.c"
  echo "$WORK/pause"
}

# One image for each name kubeadm lists, from the programs built here (registry of builders by
# the repository's last path element).
component_image() {
  local ref=$1 repo=${1%:*}
  repo=${repo##*/}
  case $repo in
    kube-apiserver | kube-controller-manager | kube-scheduler)
      import_image "$ref" "[\"/usr/local/bin/$repo\"]" - "$K8S_OUT/$repo=usr/local/bin/$repo" ;;
    kube-proxy) import_image "$ref" '["/usr/local/bin/kube-proxy"]' "$(iptables_rootfs)" "$K8S_OUT/kube-proxy=usr/local/bin/kube-proxy" ;;
    etcd) import_image "$ref" '["/usr/local/bin/etcd"]' - "$ETCD_OUT/etcd=usr/local/bin/etcd" ;;
    coredns) import_image "$ref" '["/coredns"]' - "$COREDNS_OUT/coredns=coredns" ;;
    pause) import_image "$ref" '["/pause"]' - "$(pause_binary)=pause" ;;
    kindnetd) import_image "$ref" '["/bin/kindnetd"]' "$(iptables_rootfs)" "$KINDNETD_OUT/kindnetd=bin/kindnetd" ;;
    local-path-provisioner)
      import_image "$ref" '["/usr/local/bin/local-path-provisioner"]' - "$(busybox_dir)/bin=bin" \
        "$NODE_TOOLS_OUT/local-path-provisioner=usr/local/bin/local-path-provisioner" ;;
    local-path-helper) import_image "$ref" '["/bin/sh"]' - "$(busybox_dir)/bin=bin" ;;
    *) log "no builder for image $ref (kubeadm or kind asks for something new)"; exit 1 ;;
  esac
}

# kind's images/base, as its Dockerfile lays it out, on Debian's packages.
base_image() {
  local ref=$1 files dir="$WORK/node-rootfs.tmp" tar
  files="$(kind_src)/images/base/files"
  tar=$(rootfs node "${NODE_PACKAGES[@]}")
  log "assembling the node's base image from kind's images/base files"
  rm -rf "$dir" && mkdir -p "$dir" && tar -C "$dir" -xf "$tar"
  install -m 0755 "$files"/usr/local/bin/* "$dir/usr/local/bin/"
  cp -r "$files/kind" "$dir/" && chmod -R a+rX,go-w "$dir/kind" && chmod 0755 "$dir"/kind/bin/*
  install -m 0644 "$files/etc/crictl.yaml" "$dir/etc/"
  mkdir -p "$dir/etc/containerd" "$dir/etc/kubernetes/manifests" "$dir/etc/systemd/system/kubelet.service.d" "$dir/opt/cni/bin"
  install -m 0644 "$files/etc/containerd/config.toml" "$dir/etc/containerd/"
  install -m 0644 "$files"/etc/default/* "$dir/etc/default/"
  install -m 0644 "$files"/etc/sysctl.d/* "$dir/etc/sysctl.d/"
  find "$files/etc/systemd/system" -maxdepth 1 -type f -exec install -m 0644 {} "$dir/etc/systemd/system/" \;
  install -m 0644 "$files"/etc/systemd/system/kubelet.service.d/* \
    "$dir/etc/systemd/system/kubelet.service.d/"
  install -m 0644 "$here/kind/node/es-k8s-verify-contain.service" "$dir/etc/systemd/system/"
  # This sandbox: no process may lower an oom_score_adj (CAP_SYS_RESOURCE is missing), so containerd
  # keeps within what it may set, as kind configures it for rootless nodes.
  grep -q '^  restrict_oom_score_adj = false$' "$dir/etc/containerd/config.toml" ||
    { log "kind's containerd config changed: restrict_oom_score_adj not found"; exit 1; }
  sed -i 's/^  restrict_oom_score_adj = false$/  restrict_oom_score_adj = true/' "$dir/etc/containerd/config.toml"
  # Where kind's units and scripts look for the programs it would have compiled.
  local p
  for p in containerd ctr containerd-shim-runc-v2; do ln -sf "/usr/bin/$p" "$dir/usr/local/bin/$p"; done
  ln -sf /usr/sbin/runc "$dir/usr/local/sbin/runc"
  install -m 0755 "$NODE_TOOLS_OUT/crictl" "$dir/usr/local/bin/"
  for p in host-local loopback ptp portmap; do ln -sf "/usr/lib/cni/$p" "$dir/opt/cni/bin/$p"; done
  ctr oci spec | jq '.hooks.createContainer[.hooks.createContainer | length] |= . + {"path": "/kind/bin/mount-product-files.sh"}' |
    jq 'del(.process.rlimits)' >"$dir/etc/containerd/cri-base.json"
  # The Dockerfile's clean-up and unit choices.
  find "$dir/lib/systemd/system/sysinit.target.wants/" -name systemd-tmpfiles-setup.service -delete
  rm -f "$dir"/lib/systemd/system/multi-user.target.wants/* "$dir"/etc/systemd/system/*.wants/* \
    "$dir"/lib/systemd/system/local-fs.target.wants/* "$dir"/lib/systemd/system/sockets.target.wants/*udev* \
    "$dir"/lib/systemd/system/sockets.target.wants/*initctl* "$dir"/lib/systemd/system/basic.target.wants/*
  echo "ReadKMsg=no" >>"$dir/etc/systemd/journald.conf"
  chroot "$dir" systemctl enable kubelet.service containerd.service undo-mount-hacks.service \
    es-k8s-verify-contain.service >/dev/null 2>&1
  chroot "$dir" systemctl mask systemd-binfmt.service >/dev/null 2>&1
  tar --numeric-owner -C "$dir" -c . | docker import \
    --change 'ENV container=docker' \
    --change 'ENTRYPOINT [ "/usr/local/bin/entrypoint", "/sbin/init" ]' - "$ref" >/dev/null
  rm -rf "$dir"
  # docker import takes no STOPSIGNAL; a build with nothing to run adds it (systemd stops cleanly on it).
  printf 'FROM %s\nSTOPSIGNAL SIGRTMIN+3\n' "$ref" | docker build -q --network none -t "$ref" - >/dev/null
}

# What the node image is made of; its tag changes when any of it does.
node_image_key() {
  {
    echo "$NODE_RECIPE $KIND_VERSION $K8S_VERSION $DEBIAN_SUITE ${NODE_PACKAGES[*]} ${IPTABLES_PACKAGES[*]}"
    sha256sum "$0" "$here"/kind/node/* "$here/images/pause/pause.c" \
      "$K8S_OUT"/{kubeadm,kubelet,kubectl,kube-apiserver,kube-controller-manager,kube-scheduler,kube-proxy} \
      "$ETCD_OUT/etcd" "$COREDNS_OUT/coredns" "$KINDNETD_OUT/kindnetd" "$NODE_TOOLS_OUT"/* | cut -d' ' -f1
  } | content_hash
}

build_node_image() {
  local ref=$1 base="es-k8s-verify/kind-base:${1##*:}" c="esk8sv-build-$$"
  has_image "$base" || base_image "$base"
  log "building the node image $ref"
  local images=() image
  mapfile -t images < <("$K8S_OUT/kubeadm" config images list --kubernetes-version "$K8S_VERSION" 2>/dev/null)
  images+=("$(sed -n 's/^ *sandbox_image = "\(.*\)"$/\1/p' < <(docker run --rm --network none --entrypoint cat "$base" /etc/containerd/config.toml))")
  images+=("$(kind_constant kindnetdImage)" "$(kind_constant storageProvisionerImage)" "$(kind_constant storageHelperImage)")
  for image in "${images[@]}"; do component_image "$image"; done
  docker save -o "$WORK/images.tar" "${images[@]}"
  docker rm -f "$c" >/dev/null 2>&1 || true
  trap 'docker rm -f "'"$c"'" >/dev/null 2>&1 || true' EXIT
  docker run -d --privileged --network none --name "$c" --entrypoint sleep "$base" infinity >/dev/null
  local bin
  for bin in kubeadm kubelet kubectl; do docker cp "$K8S_OUT/$bin" "$c:/usr/bin/$bin"; done
  docker exec "$c" chown root:root /usr/bin/kubeadm /usr/bin/kubelet /usr/bin/kubectl
  docker exec "$c" sh -c "mkdir -p /kind/manifests && printf %s '$K8S_VERSION' >/kind/version"
  kind_constant defaultCNIManifest | docker exec -i "$c" sh -c 'cat >/kind/manifests/default-cni.yaml'
  kind_constant defaultStorageManifest | docker exec -i "$c" sh -c 'cat >/kind/manifests/default-storage.yaml'
  docker exec "$c" bash -c 'nohup containerd >/dev/null 2>&1 &
    for i in $(seq 50); do [ -S /run/containerd/containerd.sock ] && ctr version >/dev/null 2>&1 && exit 0; sleep 0.2; done; exit 1'
  docker exec -i "$c" ctr --namespace=k8s.io images import --label=io.cri-containerd.pinned=pinned \
    --all-platforms --no-unpack --digests - <"$WORK/images.tar" >/dev/null
  docker exec "$c" pkill containerd
  docker commit --change 'ENTRYPOINT [ "/usr/local/bin/entrypoint", "/sbin/init" ]' \
    --change 'ENV HTTP_PROXY="" HTTPS_PROXY="" NO_PROXY=""' "$c" "$ref" >/dev/null
  docker rm -f "$c" >/dev/null
  trap - EXIT
  rm -f "$WORK/images.tar"
  docker rmi "${images[@]}" >/dev/null
  # Older node and base images go (one in use by a running cluster stays), and what they left.
  docker images --format '{{.Repository}}:{{.Tag}}' | grep -E '^es-k8s-verify/kind-(base|node):' |
    grep -vxF -e "$ref" -e "$base" | xargs -r docker rmi >/dev/null 2>&1 || true
  docker image prune -f >/dev/null
}

main() {
  [[ -n ${DOCKER_HOST:-} ]] || { log "DOCKER_HOST is not set: start the engine with docker-engine.sh start"; exit 1; }
  mkdir -p "$WORK"
  exec 8>"$WORK/.lock"
  flock 8
  bash "$here/scripts/build-control-plane.sh" all >&2
  K8S_OUT="$CACHE_ROOT/bin/k8s-$K8S_VERSION" ETCD_OUT="$CACHE_ROOT/bin/etcd-$ETCD_VERSION"
  COREDNS_OUT="$CACHE_ROOT/bin/coredns-$COREDNS_VERSION"
  NODE_TOOLS_OUT="$CACHE_ROOT/bin/node-tools-crictl-$CRICTL_VERSION-local-path-$LOCAL_PATH_VERSION"
  build_kind
  build_kindnetd
  local ref
  ref="es-k8s-verify/kind-node:$K8S_VERSION-$(node_image_key)"
  if has_image "$ref"; then
    log "node image $ref already built"
  else
    build_node_image "$ref"
  fi
  echo "KIND=$KIND_OUT/kind"
  echo "KIND_NODE_IMAGE=$ref"
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then main "$@"; fi
