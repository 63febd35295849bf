#!/usr/bin/env bash
# Lists what local clusters leave on this machine, one item a line, sorted: processes (found by
# the marker every cluster process carries), bridges and Service routers, mounts under the clusters' directories, the
# cluster directories themselves, and the node's cgroups, sandbox namespaces and log links. test.sh compares the list taken
# before the tests with the one after and fails naming anything new.
set -uo pipefail
cd "$(dirname "$0")/.."
root=${ES_K8S_VERIFY_CLUSTERS:-${TMPDIR:-/tmp}/es-k8s-verify-clusters}
{
  node lib/local-cluster/agent/main.js processes 2>/dev/null | awk '{$1=""; print "process" $0}'
  ip -o link show type bridge 2>/dev/null | awk -F': ' '$2 ~ /^eskv/ {print "bridge " $2}'
  # Each cluster's Service router: a namespace named like its bridge, joined to it by a veth.
  ip -o link show type veth 2>/dev/null | awk -F': ' '$2 ~ /^eskv/ {sub(/@.*/, "", $2); print "veth " $2}'
  ip netns list 2>/dev/null | awk '$1 ~ /^eskv/ {print "netns " $1}'
  awk -v r="$root" 'index($2, r) == 1 {print "mount " $2}' /proc/mounts
  [[ -d $root ]] && find "$root" -mindepth 1 -maxdepth 1 -printf 'cluster-dir %f\n'
  # The upstream node's: pod cgroups (each cluster's under /es-k8s-verify-NAME), the network
  # namespaces containerd makes for pod sandboxes, the kubelet's container log links.
  find /sys/fs/cgroup -mindepth 2 -maxdepth 2 -name 'es-k8s-verify-*' -printf 'cgroup %P\n' 2>/dev/null
  ip netns list 2>/dev/null | awk '$1 ~ /^cni-/ {print "netns " $1}'
  find /var/log/containers -maxdepth 1 -lname "$root/*" -printf 'log-link %f\n' 2>/dev/null
  # Its sockets live under a short path of their own (a socket path holds 107 bytes at most).
  find /run/es-k8s-verify -mindepth 1 -maxdepth 1 -printf 'node-run-dir %f\n' 2>/dev/null
  awk 'index($2, "/run/es-k8s-verify/") == 1 {print "mount " $2}' /proc/mounts
  find "${TMPDIR:-/tmp}" -mindepth 1 -maxdepth 1 \( -name 'es-k8s-verify-*' ! -name 'es-k8s-verify-report-*' ! -name 'es-k8s-verify-clusters' ! -name 'es-k8s-verify-tests-*' \) -printf 'work-dir %f\n'
  # The real kind's, on the tests' private Docker engine (while it runs): containers and volumes.
  if [[ -n ${DOCKER_HOST:-} ]] && docker version >/dev/null 2>&1; then
    docker ps -a --format 'docker-container {{.Names}}'
    docker volume ls -q | sed 's/^/docker-volume /'
  fi
} | sort -u
