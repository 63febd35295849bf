#!/usr/bin/env bash
# A private Docker engine for the tests and the kind path here: Debian's dockerd with its own data
# root, exec root, socket and pid file, started only when none of this instance answers, and
# stopped by the last user that started or joined it.
#
#   docker-engine.sh start   start (or join) the engine; prints DOCKER_HOST=unix://... last
#   docker-engine.sh stop    leave it; the last user out stops the daemon and its containerd
#   docker-engine.sh host    print the DOCKER_HOST of this instance
#
# It writes nothing into this machine's firewall tables (--iptables=false, --ip-masq=false, no
# default bridge). Nothing a container sends may leave the machine: Docker's embedded DNS forwards
# only to a DNS server of ours on kind's network that knows no name (--dns), and the kind node
# image routes nothing past its own networks (see kind/node/es-k8s-verify-contain.service).
# A user is a process id given with ES_K8S_VERIFY_DOCKER_USER (default: the caller's parent).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=local-cluster/scripts/paths.sh
source "$here/scripts/paths.sh"
INSTANCE=${ES_K8S_VERIFY_DOCKER_INSTANCE:-default}
[[ $INSTANCE =~ ^[a-z0-9-]{1,20}$ ]] || { echo "docker-engine: instance '$INSTANCE' must be 1-20 of a-z 0-9 -" >&2; exit 2; }
DATA_ROOT="$CACHE_ROOT/docker/$INSTANCE"
# Socket paths hold 107 bytes at most: the exec root stays short.
RUN_DIR="/run/es-k8s-verify-docker/$INSTANCE"
SOCK="$RUN_DIR/docker.sock"
PIDFILE="$RUN_DIR/dockerd.pid"
USERS="$RUN_DIR/users"
RUNTIME_NAME=sandbox-runc

log() { printf '[docker-engine] %s\n' "$*" >&2; }
answers() { DOCKER_HOST="unix://$SOCK" docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }
alive() { [[ -n ${1:-} ]] && kill -0 "$1" 2>/dev/null && [[ $(ps -o stat= -p "$1" 2>/dev/null) != Z* ]]; }

# The engine's DNS server (docker/nxdomain-dns.mjs) answers every name "no such name". Docker's
# embedded DNS forwards from inside a node, where only the node's own networks are routed, so the
# server listens on kind's network: this script creates that network before kind does (kind uses a
# network named "kind" that exists) with a subnet of this instance's own and a bridge named for it,
# and gives the bridge a second address, .254, outside the range containers get (not the gateway:
# kind's entrypoint redirects the gateway's port 53 to Docker's own DNS). A node's pull of an image
# nobody built then ends in the kubelet's "no such host" at once, and no query leaves this machine.
kind_subnet_octet() { echo $(($(cksum <<<"$INSTANCE" | cut -d' ' -f1) % 200 + 20)); }
dns_address() { echo "172.31.$(kind_subnet_octet).254"; }
kind_bridge() { echo "eskd-$(kind_subnet_octet)"; }

create_kind_network() {
  local net="172.31.$(kind_subnet_octet)"
  local bridge
  bridge=$(kind_bridge)
  if ! ip link show "$bridge" >/dev/null 2>&1; then
    DOCKER_HOST="unix://$SOCK" docker network rm kind >/dev/null 2>&1 ||
      ! DOCKER_HOST="unix://$SOCK" docker network inspect kind >/dev/null 2>&1 ||
      { log "kind's network exists (not this script's) and is in use: delete its clusters first"; exit 1; }
    if ip -4 route show to match "$net.0" | grep -qv '^default'; then
      log "the kind network's subnet $net.0/24 overlaps a route of this machine; set ES_K8S_VERIFY_DOCKER_INSTANCE to another name"
      exit 1
    fi
    DOCKER_HOST="unix://$SOCK" docker network create kind --driver bridge --subnet "$net.0/24" \
      --ip-range "$net.0/25" --gateway "$net.1" --aux-address "dns=$(dns_address)" \
      -o com.docker.network.bridge.name="$bridge" -o com.docker.network.bridge.enable_ip_masquerade=false >/dev/null
  fi
  ip -4 addr show dev "$bridge" | grep -qF " $(dns_address)/" || ip addr add "$(dns_address)/32" dev "$bridge"
}

start_dns() {
  local addr
  addr=$(dns_address)
  command -v node >/dev/null || { log "node is missing (scripts/setup.sh puts Node 24 on PATH)"; exit 1; }
  setsid node "$here/docker/nxdomain-dns.mjs" "$addr" </dev/null >"$RUN_DIR/dns.log" 2>&1 9>&- &
  echo $! >"$RUN_DIR/dns.pid"
  local i
  for ((i = 0; i < 50; i++)); do
    ss -Hlnu "src $addr:53" | grep -q . && return
    sleep 0.1
  done
  log "the DNS server on $addr did not start:"
  cat "$RUN_DIR/dns.log" >&2
  exit 1
}

prune_users() {
  local f
  for f in "$USERS"/*; do
    [[ -e $f ]] || continue
    alive "$(basename "$f")" || rm -f "$f"
  done
}

start_daemon() {
  mkdir -p "$DATA_ROOT" "$RUN_DIR"
  install -m 0755 "$here/docker/sandbox-runc" "$RUN_DIR/sandbox-runc"
  local dns
  dns=$(dns_address)
  log "starting dockerd ($INSTANCE): data root $DATA_ROOT, socket $SOCK, --dns $dns"
  setsid dockerd \
    --data-root "$DATA_ROOT" --exec-root "$RUN_DIR/exec" --pidfile "$PIDFILE" -H "unix://$SOCK" \
    --iptables=false --ip-masq=false --ip-forward=false --bridge=none --dns "$dns" \
    --storage-driver overlay2 --log-level warn \
    --add-runtime "$RUNTIME_NAME=$RUN_DIR/sandbox-runc" --default-runtime "$RUNTIME_NAME" \
    </dev/null >"$RUN_DIR/dockerd.log" 2>&1 9>&- &
  local i
  for ((i = 0; i < 300; i++)); do
    if answers; then
      log "dockerd answers after $((i / 10)).$((i % 10)) s"
      create_kind_network
      start_dns
      return
    fi
    alive $! || break
    sleep 0.1
  done
  log "dockerd did not come up; its log:"
  tail -20 "$RUN_DIR/dockerd.log" >&2
  exit 1
}

start() {
  command -v dockerd >/dev/null || { log "dockerd is missing: apt-get install docker.io"; exit 1; }
  mkdir -p "$USERS"
  exec 9>"$RUN_DIR.lock"
  flock 9
  prune_users
  answers || start_daemon
  touch "$USERS/${ES_K8S_VERIFY_DOCKER_USER:-$PPID}"
  echo "DOCKER_HOST=unix://$SOCK"
}

stop() {
  [[ -d $RUN_DIR ]] || return 0
  exec 9>"$RUN_DIR.lock"
  flock 9
  rm -f "$USERS/${ES_K8S_VERIFY_DOCKER_USER:-$PPID}"
  prune_users
  if compgen -G "$USERS/*" >/dev/null; then
    log "dockerd ($INSTANCE) stays: still used by $(ls "$USERS" | tr '\n' ' ')"
    return
  fi
  local pid
  pid=$(cat "$PIDFILE" 2>/dev/null || true)
  # kind never removes its network; with no cluster left on it, its bridge goes with the engine.
  answers && DOCKER_HOST="unix://$SOCK" docker network prune -f >/dev/null 2>&1 || true
  if alive "$pid"; then
    kill "$pid"
    local i
    for ((i = 0; i < 200; i++)); do alive "$pid" || break; sleep 0.1; done
    alive "$pid" && kill -9 "$pid"
    log "dockerd ($INSTANCE) stopped"
  fi
  pid=$(cat "$RUN_DIR/dns.pid" 2>/dev/null || true)
  alive "$pid" && kill "$pid"
  # Whatever the daemon left mounted under its exec root (netns files, shm) goes with it.
  awk -v r="$RUN_DIR/" 'index($2, r) == 1 {print $2}' /proc/mounts | sort -r | xargs -r -n1 umount -l
  rm -rf "$RUN_DIR"
}

case ${1:-} in
  start) start ;;
  stop) stop ;;
  host) echo "unix://$SOCK" ;;
  *) echo "usage: docker-engine.sh start|stop|host" >&2; exit 2 ;;
esac
