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
# to an address of this machine where nothing answers (--dns), and the kind node image replaces
# its default routes with unreachable ones before anything in it starts (see build-kind.sh).
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

# An address of this machine that is not loopback (Docker drops loopback resolvers and falls back
# to public ones) and where no DNS server listens: the default route's source address.
blackhole_dns() {
  local addr
  addr=$(ip -4 route get 192.0.2.255 2>/dev/null | sed -n 's/.* src \([0-9.]*\).*/\1/p' | head -1)
  [[ -n $addr ]] || addr=$(ip -4 -o addr show scope global | awk '{sub(/\/.*/, "", $4); print $4; exit}')
  [[ -n $addr ]] || { log "no non-loopback IPv4 address on this machine for --dns"; exit 1; }
  if ss -Hlnu "sport = :53" | grep -q .; then log "something listens on port 53 here; refusing to point --dns at it"; exit 1; fi
  echo "$addr"
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
  dns=$(blackhole_dns)
  log "starting dockerd ($INSTANCE): data root $DATA_ROOT, socket $SOCK, --dns $dns"
  setsid dockerd \
    --data-root "$DATA_ROOT" --exec-root "$RUN_DIR/exec" --pidfile "$PIDFILE" -H "unix://$SOCK" \
    --iptables=false --ip-masq=false --ip-forward=false --bridge=none --dns "$dns" \
    --storage-driver overlay2 --log-level warn \
    --add-runtime "$RUNTIME_NAME=$RUN_DIR/sandbox-runc" --default-runtime "$RUNTIME_NAME" \
    </dev/null >"$RUN_DIR/dockerd.log" 2>&1 9>&- &
  local i
  for ((i = 0; i < 300; i++)); do
    answers && { log "dockerd answers after $((i / 10)).$((i % 10)) s"; return; }
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
