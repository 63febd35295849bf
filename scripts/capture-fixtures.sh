#!/usr/bin/env bash
# Captures real answers from real engines and the real API server of the local cluster into
# __fixtures__/, for the unit tests. Each body is stored exactly as it came, with its HTTP status.
#   scripts/capture-fixtures.sh [elasticsearch|opensearch|none ...]   (none: only the Kubernetes ones)
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

# send FILE METHOD PATH BODY [CONTENT-TYPE]: like get, for a request with a body.
send() {
  local file=$1 method=$2 path=$3 data=$4 type=${5:-application/json} status body
  body=$(curl -sS --max-time 60 --cacert "$PKI/ca" --cert "$PKI/cert" --key "$PKI/key" -X "$method" -H "Content-Type: $type" --data-binary "$data" -w '\n%{http_code}' "$SERVER$path")
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
  # The document API of the data checks: a test index behind a write alias, as the seed step makes it.
  send $dir/index-create.json PUT "$p/fx-docs" '{"settings":{"number_of_shards":3,"number_of_replicas":1},"aliases":{"fx-docs-write":{}}}'
  get $dir/index-health-green.json "$p/_cluster/health/fx-docs?wait_for_status=green&timeout=30s"
  send $dir/bulk.json POST "$p/_bulk?refresh=wait_for&require_alias=true" $'{"index":{"_index":"fx-docs-write","_id":"seed-0"}}\n{"seq":0}\n{"index":{"_index":"fx-docs-write","_id":"seed-1"}}\n{"seq":1}\n' application/x-ndjson
  send $dir/bulk-no-alias.json POST "$p/_bulk?refresh=wait_for&require_alias=true" $'{"index":{"_index":"fx-docs","_id":"seed-9"}}\n{"seq":9}\n' application/x-ndjson
  send $dir/doc-create.json PUT "$p/fx-docs-write/_doc/w-1?op_type=create&require_alias=true&timeout=5s" '{"seq":1}'
  send $dir/doc-create-conflict.json PUT "$p/fx-docs-write/_doc/w-1?op_type=create&require_alias=true&timeout=5s" '{"seq":1}'
  send $dir/doc-create-no-alias.json PUT "$p/gone-write/_doc/w-2?op_type=create&require_alias=true&timeout=5s" '{"seq":2}'
  get $dir/doc-get.json "$p/fx-docs/_doc/seed-0"
  get $dir/doc-get-missing.json "$p/fx-docs/_doc/absent"
  get $dir/doc-get-no-index.json "$p/gone/_doc/seed-0"
  send $dir/mget.json POST "$p/fx-docs/_mget?_source=false" '{"ids":["seed-0","absent","w-1"]}'
  send $dir/mget-no-index.json POST "$p/gone/_mget?_source=false" '{"ids":["seed-0"]}'
  get $dir/cluster-health-master-timeout.json "$p/_cluster/health?master_timeout=2s"
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
  send $dir/masterless-doc-create.json PUT "$p/fx-docs-write/_doc/w-3?op_type=create&require_alias=true&timeout=2s" '{"seq":3}'
  get $dir/api-pod-crashloop.json "/api/v1/namespaces/$ns/pods/$sts-1"
  kubectl delete namespace $ns --wait=false
}

for engine in "${@:-elasticsearch opensearch}"; do
  for e in $engine; do [[ $e == none ]] || capture_engine "$e"; done
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
# A pod that asks more memory than any node has: the scheduler's refusal, and the nodes.
kubectl -n fx-pull run too-big --image=busybox --restart=Never --overrides='{"spec":{"containers":[{"name":"too-big","image":"busybox","resources":{"requests":{"memory":"4Ti"}}}]}}'
sleep 3
get $OUT/kubernetes/api-pod-unschedulable-memory.json /api/v1/namespaces/fx-pull/pods/too-big
get $OUT/kubernetes/api-nodes.json /api/v1/nodes
# Peers whose names never resolve: the headless Service under another name, then not headless.
# The nodes' own complaints, the pods and the Services as the API server has them.
peers() {
  local ns=$1 edit=$2
  kubectl create namespace "$ns"
  kubectl -n "$ns" apply -f manifests/elasticsearch/statefulset.yaml
  sed -E "$edit" manifests/elasticsearch/service.yaml | kubectl -n "$ns" apply -f -
  sleep 40
  get $OUT/kubernetes/api-services-$ns.json "/api/v1/namespaces/$ns/services"
  get $OUT/kubernetes/api-pods-$ns.json "/api/v1/namespaces/$ns/pods"
  kubectl -n "$ns" logs es-cluster-0 --tail=300 >$OUT/logs/es-$ns-es-cluster-0.log
  kubectl delete namespace "$ns" --wait=false
}
peers fx-peers-renamed 's/^  name: es-cluster$/  name: es-nodes/'
peers fx-peers-clusterip '/clusterIP: None/d'
peers fx-peers-ok 's/^#.*//'
