#!/usr/bin/env bash
# Captures real answers from real engines and the real API server of the local cluster into
# __fixtures__/, for the unit tests. Each body is stored exactly as it came, with its HTTP status.
#   scripts/capture-fixtures.sh [elasticsearch|opensearch ...]
set -euo pipefail
cd "$(dirname "$0")/.."
PATH="$(scripts/ensure-node24.sh):$PATH"
npx tsc -p tsconfig.json
CLUSTER=fixtures-$$
LC="node lib/local-cluster/agent/main.js"
OUT=__fixtures__
trap '$LC down --name $CLUSTER >/dev/null 2>&1 || true; rm -rf "$PKI"' EXIT
$LC up --name $CLUSTER --detach
KUBECONFIG_FILE=$($LC kubeconfig --name $CLUSTER >/dev/null; echo "${ES_K8S_VERIFY_CLUSTERS:-/tmp/es-k8s-verify-clusters}/$CLUSTER/kubeconfig.client")
export KUBECONFIG=$KUBECONFIG_FILE
PKI=$(mktemp -d)
kubectl config view --raw -o jsonpath='{.clusters[0].cluster.certificate-authority-data}' | base64 -d >"$PKI/ca"
kubectl config view --raw -o jsonpath='{.users[0].user.client-certificate-data}' | base64 -d >"$PKI/cert"
kubectl config view --raw -o jsonpath='{.users[0].user.client-key-data}' | base64 -d >"$PKI/key"
SERVER=$(kubectl config view --raw -o jsonpath='{.clusters[0].cluster.server}')
$LC sysctl --name $CLUSTER vm.max_map_count=262144

# get FILE PATH: stores {"status": N, "body": ...} for one API-server path.
get() {
  local file=$1 path=$2 status body
  body=$(curl -sS --max-time 60 --cacert "$PKI/ca" --cert "$PKI/cert" --key "$PKI/key" -w '\n%{http_code}' "$SERVER$path")
  status=${body##*$'\n'}
  body=${body%$'\n'*}
  mkdir -p "$(dirname "$file")"
  node -e 'const [s,b]=process.argv.slice(1);let v;try{v=JSON.parse(b)}catch{v=b};process.stdout.write(JSON.stringify({status:Number(s),body:v},null,2)+"\n")' "$status" "$body" >"$file"
  echo "captured $file ($status)"
}

wait_green() {
  local ns=$1 pod=$2
  for _ in $(seq 1 240); do
    if curl -sf --max-time 5 --cacert "$PKI/ca" --cert "$PKI/cert" --key "$PKI/key" "$SERVER/api/v1/namespaces/$ns/pods/$pod:9200/proxy/_cluster/health?wait_for_status=green&wait_for_nodes=3&timeout=1s" >/dev/null 2>&1; then return 0; fi
    sleep 0.5
  done
  echo "cluster in $ns never turned green" >&2
  return 1
}

capture_engine() {
  local engine=$1 sts dir=$OUT/$1
  sts=$([[ $engine == opensearch ]] && echo os-cluster || echo es-cluster)
  local ns=fx-$engine
  kubectl create namespace $ns
  kubectl -n $ns apply -f manifests/$engine/
  wait_green $ns $sts-0
  local p="/api/v1/namespaces/$ns/pods/$sts-0:9200/proxy"
  get $dir/root.json "$p/"
  get $dir/cat-health.json "$p/_cat/health?format=json&h=cluster,status,node.total,node.data,shards,pri,relo,init,unassign,active_shards_percent"
  get $dir/cat-nodes.json "$p/_cat/nodes?format=json&h=id,name,ip,master,node.role"
  get $dir/cat-master.json "$p/_cat/master?format=json"
  get $dir/cat-master-local.json "$p/_cat/master?format=json&local=true"
  get $dir/cluster-health-local.json "$p/_cluster/health?local=true"
  get $dir/cluster-state-nodes.json "$p/_cluster/state/master_node,nodes?local=true&filter_path=cluster_uuid,master_node,nodes.*.name,nodes.*.transport_address"
  get $dir/cluster-health-wait-timeout.json "$p/_cluster/health?wait_for_nodes=4&timeout=1s"
  get $dir/cat-health-bad-param.json "$p/_cat/health?format=json&local=true"
  get $dir/api-pod.json "/api/v1/namespaces/$ns/pods/$sts-0"
  get $dir/api-statefulset.json "/apis/apps/v1/namespaces/$ns/statefulsets/$sts"
  get $dir/api-pods.json "/api/v1/namespaces/$ns/pods?labelSelector=app%3D${sts:0:2}"
  # A masterless survivor: kill two of three nodes without grace, then ask the third.
  $LC fault --name $CLUSTER kill $ns $sts-1
  $LC fault --name $CLUSTER kill $ns $sts-2
  sleep 2
  get $dir/masterless-cat-master-local.json "$p/_cat/master?format=json&local=true"
  get $dir/masterless-cat-nodes-local.json "$p/_cat/nodes?format=json&h=id,name,ip,master&local=true"
  get $dir/masterless-cluster-health-local.json "$p/_cluster/health?local=true"
  get $dir/masterless-cluster-health.json "$p/_cluster/health?master_timeout=1s"
  get $dir/masterless-cat-health.json "$p/_cat/health?format=json"
  get $dir/api-pod-crashloop.json "/api/v1/namespaces/$ns/pods/$sts-1"
  kubectl delete namespace $ns --wait=false
}

for engine in "${@:-elasticsearch opensearch}"; do
  for e in $engine; do capture_engine "$e"; done
done
# An image the cluster cannot run: the pod as the API server reports ImagePullBackOff.
kubectl create namespace fx-pull
kubectl -n fx-pull run nope --image=registry.example/nope:1 --restart=Never
sleep 3
get $OUT/kubernetes/api-pod-imagepullbackoff.json /api/v1/namespaces/fx-pull/pods/nope
# A claim that never binds: the pod stays Pending, unschedulable.
kubectl -n fx-pull apply -f - <<'EOF'
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: unbound}
spec: {storageClassName: missing, accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
---
apiVersion: v1
kind: Pod
metadata: {name: waits-for-claim}
spec:
  containers: [{name: c, image: busybox}]
  volumes: [{name: d, persistentVolumeClaim: {claimName: unbound}}]
EOF
sleep 3
get $OUT/kubernetes/api-pod-unbound-pvc.json /api/v1/namespaces/fx-pull/pods/waits-for-claim
get $OUT/kubernetes/api-events.json /api/v1/namespaces/fx-pull/events
get $OUT/kubernetes/api-not-found.json /api/v1/namespaces/fx-pull/pods/absent
