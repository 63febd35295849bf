#!/usr/bin/env bash
# Proof that nothing the tests' clusters send leaves this machine: a capture on the interface of
# the default route of every outgoing packet whose source is not one of this machine's own
# addresses (a pod's or a kind node's packet forwarded out would carry its private source).
#
#   capture-leaks.sh start FILE   start capturing into FILE (pid in FILE.pid)
#   capture-leaks.sh stop FILE    stop; print "leaked packets: N" and a summary of the first ones; exit 1 if N > 0
set -euo pipefail
action=${1:-} file=${2:-}
[[ -n $file ]] || { echo "usage: capture-leaks.sh start|stop FILE" >&2; exit 2; }
case $action in
  start)
    command -v tcpdump >/dev/null || { echo "capture-leaks: tcpdump is missing (apt-get install tcpdump)" >&2; exit 1; }
    iface=$(ip route show default | awk '{for (i = 1; i < NF; i++) if ($i == "dev") {print $(i + 1); exit}}')
    [[ -n $iface ]] || { echo "capture-leaks: no default route, nothing can leave" >&2; iface=any; }
    own=$(ip -o addr show dev "$iface" | awk '{sub(/\/.*/, "", $4); print "src host " $4}' | paste -sd'|' | sed 's/|/ or /g')
    filter="not arp${own:+ and not ($own)} and not (ip6 and src net fe80::/10)"
    tcpdump -i "$iface" -Q out -n -U -w "$file" "$filter" >"$file.log" 2>&1 &
    echo $! >"$file.pid"
    # tcpdump says "listening on" once its filter is in place.
    for _ in $(seq 50); do grep -q 'listening on' "$file.log" && break; sleep 0.1; done
    echo "capture-leaks: capturing on $iface: $filter" >&2
    ;;
  stop)
    pid=$(cat "$file.pid")
    kill -INT "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    n=$(tcpdump -r "$file" -n 2>/dev/null | wc -l)
    echo "leaked packets: $n"
    if ((n > 0)); then tcpdump -r "$file" -n 2>/dev/null | head -20; exit 1; fi
    ;;
  *) echo "usage: capture-leaks.sh start|stop FILE" >&2; exit 2 ;;
esac
