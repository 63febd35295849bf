#!/bin/bash
# The images' entrypoint, doing what the official images' docker-entrypoint.sh and bin/<engine>
# do: settings from environment variables whose names contain a dot, JVM options from
# config/jvm.options then ES_JAVA_OPTS / OPENSEARCH_JAVA_OPTS, and then the engine's own
# bootstrap class, which runs the real bootstrap checks (heap, vm.max_map_count, file
# descriptors, ...) before it accepts a request.
set -euo pipefail

case $ENGINE in
  elasticsearch)
    home=/usr/share/elasticsearch
    java_opts=${ES_JAVA_OPTS:-}
    properties=(-Des.path.home=$home -Des.path.conf=$home/config -Des.distribution.flavor=default
      -Des.distribution.type=docker -Des.bundled_jdk=false)
    main=org.elasticsearch.bootstrap.Elasticsearch
    ;;
  opensearch)
    home=/usr/share/opensearch
    java_opts=${OPENSEARCH_JAVA_OPTS:-}
    properties=(-Dopensearch.path.home=$home -Dopensearch.path.conf=$home/config
      -Dopensearch.distribution.type=docker -Dopensearch.bundled_jdk=false)
    main=org.opensearch.bootstrap.OpenSearch
    ;;
  *)
    echo "ENGINE must be elasticsearch or opensearch, not '$ENGINE'" >&2
    exit 1
    ;;
esac

# Set by the local cluster's registry when the tag asked for was not built here.
if [[ -n ${ES_K8S_VERIFY_SUBSTITUTE:-} ]]; then echo "$ES_K8S_VERIFY_SUBSTITUTE"; fi

# The official entrypoint's rule: a variable named like a setting (lower case, with a dot) is
# passed as -E name=value. NUL-separated, so values may hold newlines.
settings=()
while IFS= read -r -d '' entry; do
  name=${entry%%=*}
  [[ $name =~ ^[a-z0-9_]+\.[a-z0-9_]+ ]] || continue
  # Engines built from Maven Central's jars carry X-Pack only where the image has its module:
  # elsewhere its settings would be refused as unknown. The one translation, said in the log.
  if [[ $name == xpack.* && ! -d $home/modules/x-pack-core ]]; then
    echo "[es-k8s-verify image] ignoring $name=${entry#*=}: this engine from Maven Central has no X-Pack"
    continue
  fi
  settings+=("-E" "$name=${entry#*=}")
done < <(env -0)

# OpenSearch 3's distribution attaches its sandbox agent (agent/opensearch-agent.jar), which is
# not published; only its bootstrap half is, in lib/.
if [[ $ENGINE == opensearch && ${ENGINE_VERSION%%.*} -ge 3 ]]; then
  echo "[es-k8s-verify image] OpenSearch $ENGINE_VERSION runs without its sandbox agent (agent/opensearch-agent.jar is not published); every bootstrap check is its own."
fi

# See images/nofile/nofile.c: only where the machine cannot grant what a kind node grants.
hard_nofile=$(ulimit -Hn)
if [[ $hard_nofile != unlimited ]] && ((hard_nofile < 65535)) && [[ -f /usr/lib/es-k8s-verify/nofile.so ]]; then
  echo "[es-k8s-verify image] this machine's hard limit of open files is $hard_nofile and cannot be raised (no CAP_SYS_RESOURCE); the engine is shown 65535, as a kind node grants, for its file-descriptor bootstrap check. Every other bootstrap check is real."
  export LD_PRELOAD=/usr/lib/es-k8s-verify/nofile.so
fi

tmp=$(mktemp -d -t "$ENGINE.XXXXXXXX")
export ES_TMPDIR=$tmp OPENSEARCH_TMPDIR=$tmp LIBFFI_TMPDIR=$tmp

# jvm.options lines, skipping comments; "N:", "N-:" and "N-M:" prefixes select Java versions.
java_major=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
jvm_options=()
while IFS= read -r line; do
  [[ -z $line || $line == \#* ]] && continue
  if [[ $line =~ ^([0-9]+)(-([0-9]*))?:(.*)$ ]]; then
    low=${BASH_REMATCH[1]} dash=${BASH_REMATCH[2]} high=${BASH_REMATCH[3]} line=${BASH_REMATCH[4]}
    ((java_major < low)) && continue
    [[ -z $dash ]] && ((java_major != low)) && continue
    [[ -n $high ]] && ((java_major > high)) && continue
  fi
  jvm_options+=("$line")
done <"$home/config/jvm.options"
read -ra extra <<<"$java_opts"

if [[ -d $home/lib/tools/server-cli ]]; then
  # Elasticsearch 8 and later: the server on the module path with the entitlement bridge patched
  # into java.base, as the distribution's launcher starts it; server-cli's stand-in hands it its
  # arguments on standard input, and the server's own bootstrap runs.
  bridge=("$home"/lib/entitlement-bridge/*.jar)
  launch=(-Djdk.attach.allowAttachSelf=true "--patch-module=java.base=${bridge[0]}"
    --add-exports=java.base/org.elasticsearch.entitlement.bridge=org.elasticsearch.entitlement,java.logging,java.net.http,java.naming,jdk.net
    --add-exports=org.elasticsearch.entitlement/org.elasticsearch.entitlement.initialization=ALL-UNNAMED
    --module-path "$home/lib" --add-modules=ALL-MODULE-PATH
    --add-opens=org.elasticsearch.server/org.elasticsearch.bootstrap=ALL-UNNAMED
    -cp "$home/lib/tools/server-cli/*" esk8sverify.ServerCli)
else
  launch=(-cp "$home/lib/*" "$main")
fi

cd "$home"
exec java "${jvm_options[@]}" "-Djava.io.tmpdir=$tmp" "${extra[@]}" "${properties[@]}" \
  "${launch[@]}" "${settings[@]}" "$@"
