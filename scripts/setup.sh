#!/usr/bin/env bash
# Installs everything the verifier and its tests need on a fresh machine: Node.js 24 (from the
# npm registry when the machine's is older), the npm dependencies, Debian's packages, and the local
# cluster's upstream control plane, node programs, engines and images (built from the Go module
# proxy, Maven Central and Debian into a cache outside the repository). Prints the PATH entry for Node 24 last.
set -euo pipefail
cd "$(dirname "$0")/.."
node_bin=$(scripts/ensure-node24.sh)
export PATH="$node_bin:$PATH"
missing=()
# The upstream node's programs come from Debian: containerd, runc, the CNI plugins; its images are
# built with debootstrap, umoci, busybox-static and gcc (the pause container, a static binary).
# kube-proxy writes iptables rules in each cluster's Service router, entered with nsenter.
# The real kind runs on Debian's Docker engine (a private daemon: local-cluster/scripts/docker-engine.sh,
# whose runc wrapper uses jq); tcpdump proves that nothing the tests' clusters send leaves the machine.
for tool in go java mvn ip openssl curl containerd runc /usr/lib/cni/bridge debootstrap umoci /bin/busybox gcc \
  iptables-restore nsenter sysctl dockerd jq tcpdump; do
  command -v "$tool" >/dev/null || [[ -x $tool ]] || missing+=("$tool")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    apt-get update -qq >&2
    declare -A pkg=([go]=golang-go [java]=openjdk-17-jdk-headless [mvn]=maven [ip]=iproute2 [openssl]=openssl [curl]=curl
      [containerd]=containerd [runc]=runc [/usr/lib/cni/bridge]=containernetworking-plugins [debootstrap]=debootstrap
      [umoci]=umoci [/bin/busybox]=busybox-static [gcc]="gcc libc6-dev" [iptables-restore]=iptables
      [nsenter]=util-linux [sysctl]=procps [dockerd]=docker.io [jq]=jq [tcpdump]=tcpdump)
    pkgs=()
    # shellcheck disable=SC2206 # gcc's entry is two packages
    for t in "${missing[@]}"; do pkgs+=(${pkg[$t]}); done
    apt-get install -y -qq "${pkgs[@]}" >&2
  else
    echo "setup: missing ${missing[*]}; install them and run again" >&2
    exit 1
  fi
fi
if [[ ! -d node_modules/@kubernetes/client-node ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund >&2
fi
bash local-cluster/scripts/build-control-plane.sh all >&2
# The engines the node agent ran before the images replaced it (121 MB): nothing reads them now.
rm -rf "${ES_K8S_VERIFY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/es-k8s-verify}/engines"
bash local-cluster/scripts/build-images.sh >&2
npx tsc -p tsconfig.json >&2
[[ -f dist/local-cluster.js && -f dist/cli.js ]] || npm run bundle >&2
echo "$node_bin"
