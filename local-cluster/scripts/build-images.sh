#!/usr/bin/env bash
# Builds the OCI images the upstream node (kubelet + containerd) runs, with no registry: a Debian
# root filesystem from debootstrap with the JDK each engine needs, the engines' jars from Maven
# Central laid out as the official images lay them out, busybox and the pause container.
#
# Everything lands in one OCI layout, $CACHE_ROOT/images/oci, that the local cluster serves to
# containerd as a registry on loopback. Layers are keyed by the hash of what went into them, so a
# second run only re-tags.
#
#   build-images.sh          build what is missing
#   build-images.sh refs     print the image refs in the layout
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
CACHE_ROOT="${ES_K8S_VERIFY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/es-k8s-verify}"
IMAGES="$CACHE_ROOT/images"
LAYOUT="$IMAGES/oci"
DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
# What every engine image has, besides the JDK: tini as PID 1 as in the official images, curl for
# the verifier's exec transport, procps for humans.
BASE_PACKAGES=(ca-certificates curl procps tini)
# Bump when base_layer changes what it does to the root filesystem (its key is the suite, the
# packages and this).
BASE_RECIPE=1

log() { printf '[build-images] %s\n' "$*" >&2; }

content_hash() { sha256sum | cut -c1-16; }

# Packs a root directory into a layer tarball (reproducibly: numeric owners, sorted, epoch
# times), then removes the directory.
pack_layer() {
  local root=$1 tar=$2
  tar --numeric-owner --sort=name --mtime=@0 -C "$root" -cf "$tar.tmp" .
  mv "$tar.tmp" "$tar"
  rm -rf "$root"
}

# What every engine layer has besides the engine: the entrypoint, the file-limit shim, and the
# engine's home owned by uid 1000, group 0 as in the official images. Then packs it.
finish_engine_layer() {
  local root=$1 home=$2 tar=$3
  install -m 0755 "$here/images/common/entrypoint.sh" "$root/usr/local/bin/docker-entrypoint.sh"
  mkdir -p "$root/usr/lib/es-k8s-verify"
  gcc -shared -fPIC -O2 -o "$root/usr/lib/es-k8s-verify/nofile.so" "$here/images/nofile/nofile.c" -ldl
  chown -R 1000:0 "$root/$home"
  chmod -R g=u "$root/$home"
  pack_layer "$root" "$tar"
}

# A root filesystem tarball: debootstrap of a Debian suite with the given extra packages.
base_layer() {
  local name=$1 suite=$2
  shift 2
  local packages=("${BASE_PACKAGES[@]}" "$@")
  local key
  key=$(printf '%s\n' "$suite" minbase "${packages[@]}" "$BASE_RECIPE" | content_hash)
  local tar="$IMAGES/layers/base-$name-$key.tar"
  if [[ -f $tar ]]; then
    echo "$tar"
    return
  fi
  local root="$IMAGES/work/base-$name"
  # An interrupted debootstrap leaves /proc (and more) mounted in its target.
  local mount
  for mount in $(awk -v root="$root/" 'index($2, root) == 1 { print $2 }' /proc/mounts | sort -r); do umount -l "$mount"; done
  rm -rf "$root" && mkdir -p "$root" "$IMAGES/layers"
  log "debootstrap $suite + ${packages[*]} (a minute or two)"
  local IFS=,
  debootstrap --variant=minbase --include="${packages[*]}" "$suite" "$root" "$DEBIAN_MIRROR" >"$IMAGES/work/debootstrap-$name.log" 2>&1 || {
    tail -20 "$IMAGES/work/debootstrap-$name.log" >&2
    exit 1
  }
  unset IFS
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/var/log/*
  # The official images run the engine as uid 1000, gid 0.
  chroot "$root" useradd --uid 1000 --gid 0 --home-dir /usr/share/elasticsearch --no-create-home elasticsearch
  chroot "$root" useradd --non-unique --uid 1000 --gid 0 --home-dir /usr/share/opensearch --no-create-home opensearch
  pack_layer "$root" "$tar"
  echo "$tar"
}

# The key of an engine's layer: its name and version, the jars that go in (`ls -l` of the paths
# given) and every file of this repository that the layer is built from.
engine_layer_key() {
  local engine=$1 version=$2
  shift 2
  {
    echo "$engine $version"
    ls -l "$@"
    cat "$0" "$here/images/common/entrypoint.sh" "$here/images/nofile/nofile.c" "$here/images/vec/vec.c" "$here/images/$engine"/*.* "$here/images/$engine"/config/*
  } | content_hash
}

# The engine's tree under /usr/share/<engine>: server jars in lib/, the netty transport as a
# module (as in the distribution, so the engine's own plugin loader and jar-hell check see it),
# config, data, logs, and bin/ with the entrypoint.
engine_layer() {
  local engine=$1 version=$2 lib=$3
  local home="usr/share/$engine"
  local tar
  tar="$IMAGES/layers/$engine-$version-$(engine_layer_key "$engine" "$version" "$lib").tar"
  if [[ -f $tar ]]; then
    echo "$tar"
    return
  fi
  local root="$IMAGES/work/$engine-$version"
  rm -rf "$root" && mkdir -p "$root/$home"/{lib,modules/transport-netty4,config,data,logs,plugins,bin} "$root/usr/local/bin" "$root/tmp"
  chmod 1777 "$root/tmp"
  for jar in "$lib"/*.jar; do
    case $(basename "$jar") in
      # opensearch-netty4: OpenSearch 3's netty glue, a dependency of the transport module only.
      netty-* | transport-netty4-* | opensearch-netty4-*) cp "$jar" "$root/$home/modules/transport-netty4/" ;;
      *) cp "$jar" "$root/$home/lib/" ;;
    esac
  done
  local src="$here/images/$engine"
  local descriptor="$root/$home/modules/transport-netty4/plugin-descriptor.properties"
  sed "s/@VERSION@/$version/g" "$src/plugin-descriptor.properties" >"$descriptor"
  # OpenSearch 3 renamed the transport's plugin class.
  [[ $engine == opensearch && ${version%%.*} -ge 3 ]] && sed -i 's/Netty4Plugin$/Netty4ModulePlugin/' "$descriptor"
  cp "$src/plugin-security.policy" "$root/$home/modules/transport-netty4/"
  cp "$src/config/"* "$root/$home/config/"
  finish_engine_layer "$root" "$home" "$tar"
  echo "$tar"
}

has_ref() { [[ -f "$LAYOUT/index.json" ]] && grep -q "\"org.opencontainers.image.ref.name\":\"$1\"" "$LAYOUT/index.json"; }

# One image in the layout: `image REF LAYER... -- UMOCI-CONFIG-ARGS...`. Tagged with a hash of
# its layers and config too, so a changed layer makes a new image; the plain ref names the newest.
image() {
  local ref=$1
  shift
  local layers=()
  while [[ $1 != -- ]]; do layers+=("$1"); shift; done
  shift
  local key
  key=$(printf '%s\n' "${layers[@]}" "$@" | content_hash)
  local keyed="$ref--$key"
  echo "$keyed" >>"$IMAGES/work/kept-refs"
  printf '%s\n' "${layers[@]}" >>"$IMAGES/work/kept-layers"
  if has_ref "$keyed" && has_ref "$ref"; then
    log "$ref already built"
    return
  fi
  log "assembling $ref"
  layout_changed=1
  umoci new --image "$LAYOUT:$keyed"
  local layer
  for layer in "${layers[@]}"; do umoci raw add-layer --image "$LAYOUT:$keyed" "$layer"; done
  umoci config --image "$LAYOUT:$keyed" "$@"
  umoci tag --image "$LAYOUT:$keyed" "$ref"
}

# umoci config arguments of an engine image, as the official images set them.
engine_config() {
  local engine=$1 version=$2 user=$3
  echo --config.workingdir "/usr/share/$engine" --config.user "$user" \
    --config.entrypoint /usr/bin/tini --config.entrypoint -- --config.entrypoint /usr/local/bin/docker-entrypoint.sh \
    --config.env "PATH=/usr/share/$engine/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
    --config.env "ENGINE=$engine" --config.env "ENGINE_VERSION=$version" --config.env "LANG=C.UTF-8"
}

# Elasticsearch 8 or 9 from Maven Central with the stand-ins for the distribution's unpublished
# parts (images/elasticsearch-modular): built once per version and content hash, with the JDK
# that version needs; prints the build directory.
modular_es_build() {
  local version=$1 java_home=$2 release=$3
  local src="$here/images/elasticsearch-modular"
  local key
  key=$({ echo "$version $release"; find "$src" -type f -print0 | sort -z | xargs -0 cat; } | content_hash)
  local out="$IMAGES/maven/elasticsearch-$version-$key"
  if [[ ! -f $out/entitlement-agent.jar ]]; then
    log "building Elasticsearch $version from Maven Central"
    rm -rf "$out.tmp" && mkdir -p "$out.tmp" && cp -r "$src/." "$out.tmp/"
    (cd "$out.tmp" && JAVA_HOME=$java_home mvn -q -B "-Dengine.version=$version" "-Dmaven.compiler.release=$release" package -DskipTests >&2)
    # The agent is its own jar, with the manifest the JVM needs to attach it.
    printf 'Agent-Class: esk8sverify.agent.EntitlementAgent\nCan-Redefine-Classes: true\nCan-Retransform-Classes: true\n' >"$out.tmp/agent.mf"
    "$java_home/bin/jar" cfm "$out.tmp/entitlement-agent.jar" "$out.tmp/agent.mf" -C "$out.tmp/target/classes" esk8sverify/agent
    rm -rf "$out" && mv "$out.tmp" "$out"
  fi
  echo "$out"
}

# The jars of X-Pack's core and security modules for an Elasticsearch 8 version
# (images/elasticsearch-xpack), one directory per module; prints the parent directory.
xpack_build() {
  local version=$1
  local src="$here/images/elasticsearch-xpack"
  local out="$IMAGES/maven/x-pack-$version-$({ echo "$version"; cat "$src"/*.pom.xml; } | content_hash)"
  if [[ ! -d $out ]]; then
    log "resolving X-Pack core and security $version from Maven Central"
    rm -rf "$out.tmp" && mkdir -p "$out.tmp"
    local module
    for module in x-pack-core x-pack-security; do
      mvn -q -B -f "$src/$module.pom.xml" "-Dengine.version=$version" dependency:copy-dependencies \
        "-DoutputDirectory=$out.tmp/$module" -DincludeScope=runtime >&2
    done
    mv "$out.tmp" "$out"
  fi
  echo "$out"
}

# modules/x-pack-core and modules/x-pack-security as in the distribution: each module's jars
# without those its parents already load (the server's lib/; for security, x-pack-core's, which it
# extends), its descriptor and entitlement policy from its jar, and for security the netty jars of
# the transport it extends.
xpack_modules() {
  local home=$1 xpack=$2 version=$3
  local module jar parents
  for module in x-pack-core x-pack-security; do
    mkdir -p "$home/modules/$module"
    parents=("$home/lib")
    [[ $module == x-pack-security ]] && parents+=("$home/modules/x-pack-core")
    for jar in "$xpack/$module"/*.jar; do
      local name=${jar##*/} parent seen=
      for parent in "${parents[@]}"; do [[ -f $parent/$name ]] && seen=1; done
      [[ -z $seen ]] && cp "$jar" "$home/modules/$module/"
    done
    unzip -q -j -o "$home/modules/$module/$module-$version.jar" "META-INF/es-plugins/$module/*" -d "$home/modules/$module"
  done
  cp "$home/modules/transport-netty4"/netty-*.jar "$home/modules/x-pack-security/"
}

# Elasticsearch 8 or 9 laid out as its distribution: the server on the module path (lib/), the netty
# transport as a modular module with its own descriptor and entitlement policy, the entitlement
# bridge and agent, and lib/tools/ for what server-cli and the console loader would be.
modular_es_layer() {
  local version=$1 build=$2 xpack=${3:-}
  local home=usr/share/elasticsearch
  local tar
  tar="$IMAGES/layers/elasticsearch-$version-$(engine_layer_key elasticsearch "$version" "$build/target/lib" "$build"/*.jar ${xpack:+"$xpack"/*}).tar"
  if [[ -f $tar ]]; then
    echo "$tar"
    return
  fi
  local root="$IMAGES/work/elasticsearch-$version"
  local netty="$root/$home/modules/transport-netty4"
  rm -rf "$root" && mkdir -p "$root/$home"/{lib/tools/server-cli,lib/tools/ansi-console,lib/entitlement-agent,lib/entitlement-bridge,config,data,logs,plugins,bin} "$netty" "$root/usr/local/bin" "$root/tmp"
  chmod 1777 "$root/tmp"
  local jar
  for jar in "$build/target/lib"/*.jar; do
    case $(basename "$jar") in
      # ssl-config is the transport's dependency, not the server's: in the distribution it sits in
      # the transport's module (and x-pack-core has its own copy).
      netty-* | transport-netty4-* | elasticsearch-ssl-config-*) cp "$jar" "$netty/" ;;
      elasticsearch-entitlement-bridge-*) cp "$jar" "$root/$home/lib/entitlement-bridge/" ;;
      *) cp "$jar" "$root/$home/lib/" ;;
    esac
  done
  cp "$build/target/elasticsearch-server-cli-1.jar" "$root/$home/lib/tools/server-cli/"
  # The distribution ships its own libzstd where the native access layer (JDK FFI on Java 21+)
  # looks for it; the image's is Debian's.
  mkdir -p "$root/$home/lib/platform/linux-x64"
  ln -s /usr/lib/x86_64-linux-gnu/libzstd.so.1 "$root/$home/lib/platform/linux-x64/libzstd.so"
  # Its vector library is the distribution's own; see images/vec/vec.c for what stands in.
  gcc -shared -fPIC -O2 -o "$root/$home/lib/platform/linux-x64/libvec.so" "$here/images/vec/vec.c"
  cp "$build/entitlement-agent.jar" "$root/$home/lib/entitlement-agent/"
  # The module's descriptor and entitlement policy ship inside its jar, as in the distribution.
  unzip -q -j -o "$netty/transport-netty4-$version.jar" 'META-INF/es-plugins/transport-netty4/*' -d "$netty"
  [[ -n $xpack ]] && xpack_modules "$root/$home" "$xpack" "$version"
  cp "$here/images/elasticsearch/config/"* "$root/$home/config/"
  finish_engine_layer "$root" "$home" "$tar"
  echo "$tar"
}

busybox_layer() {
  local tar="$IMAGES/layers/busybox-$(sha256sum /bin/busybox | cut -c1-16).tar"
  if [[ ! -f $tar ]]; then
    local root="$IMAGES/work/busybox"
    rm -rf "$root" && mkdir -p "$root/bin" "$root/tmp" "$root/etc"
    cp /bin/busybox "$root/bin/busybox"
    for applet in $(/bin/busybox --list); do [[ $applet == busybox ]] || ln -s busybox "$root/bin/$applet"; done
    echo 'root:x:0:0:root:/root:/bin/sh' >"$root/etc/passwd"
    pack_layer "$root" "$tar"
  fi
  echo "$tar"
}

# The pause container: sleeps, reaps children, exits on SIGINT/SIGTERM, as upstream's pause.c.
pause_layer() {
  local tar="$IMAGES/layers/pause-$(sha256sum "$here/images/pause/pause.c" | cut -c1-16).tar"
  if [[ ! -f $tar ]]; then
    local root="$IMAGES/work/pause"
    rm -rf "$root" && mkdir -p "$root"
    gcc -static -Os -s -o "$root/pause" "$here/images/pause/pause.c"
    pack_layer "$root" "$tar"
  fi
  echo "$tar"
}

# The jars of an engine version (engines/<engine>/pom.xml, engine.version set), resolved from
# Maven Central with the JDK that version needs; prints the lib/.
maven_engine_lib() {
  local engine=$1 version=$2 java_home=$3
  local pom="$here/engines/$engine/pom.xml"
  local out="$IMAGES/maven/$engine-$version-$(cat "$pom" | content_hash)"
  if [[ ! -d $out/lib ]]; then
    log "resolving $engine $version from Maven Central"
    rm -rf "$out.tmp" && mkdir -p "$out.tmp" && cp "$pom" "$out.tmp/pom.xml"
    (cd "$out.tmp" && JAVA_HOME=$java_home mvn -q -B "-Dengine.version=$version" dependency:copy-dependencies \
      -DoutputDirectory=lib -DincludeScope=runtime >&2)
    # OpenSearch 3's server calls into the agent's bootstrap half (AgentPolicy), which its
    # distribution puts in lib/; the agent itself (agent/opensearch-agent.jar) is not published.
    if [[ $engine == opensearch && ${version%%.*} -ge 3 ]]; then
      (cd "$out.tmp" && JAVA_HOME=$java_home mvn -q -B dependency:copy "-Dartifact=org.opensearch:opensearch-agent-bootstrap:$version" \
        -DoutputDirectory=lib >&2)
    fi
    rm -rf "$out" && mv "$out.tmp" "$out"
  fi
  echo "$out/lib"
}

build_all() {
  mkdir -p "$IMAGES/layers" "$IMAGES/work"
  : >"$IMAGES/work/kept-refs"
  : >"$IMAGES/work/kept-layers"
  [[ -d $LAYOUT ]] || umoci init --layout "$LAYOUT"
  local jre17 jre21
  jre17=$(base_layer jre17 bookworm openjdk-17-jre-headless)
  # Elasticsearch 9 and OpenSearch 3 need Java 21, which Debian has from 13 (trixie) on.
  jre21=$(base_layer jre21 trixie openjdk-21-jre-headless)
  local es_version os_version jdk17
  jdk17=$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")
  es_version=$(sed -n 's:.*<engine.version>\(.*\)</engine.version>.*:\1:p' "$here/engines/elasticsearch/pom.xml")
  os_version=$(sed -n 's:.*<engine.version>\(.*\)</engine.version>.*:\1:p' "$here/engines/opensearch/pom.xml")
  local config
  read -ra config <<<"$(engine_config elasticsearch "$es_version" 1000:0)"
  image "elasticsearch-$es_version" "$jre17" "$(engine_layer elasticsearch "$es_version" "$(maven_engine_lib elasticsearch "$es_version" "$jdk17")")" \
    -- "${config[@]}" --config.env ELASTIC_CONTAINER=true
  local es8_version=8.19.21
  read -ra config <<<"$(engine_config elasticsearch "$es8_version" 1000:0)"
  image "elasticsearch-$es8_version" "$jre17" "$(modular_es_layer "$es8_version" "$(modular_es_build "$es8_version" "$jdk17" 17)" "$(xpack_build "$es8_version")")" \
    -- "${config[@]}" --config.env ELASTIC_CONTAINER=true
  local es9_version=9.5.3 jdk25=/usr/lib/jvm/temurin-25-jdk-amd64
  [[ -x $jdk25/bin/javac ]] || {
    log "Elasticsearch 9 and OpenSearch 3 compile against Java 21+, expected a JDK 25 at $jdk25"
    exit 1
  }
  read -ra config <<<"$(engine_config elasticsearch "$es9_version" 1000:0)"
  image "elasticsearch-$es9_version" "$jre21" "$(modular_es_layer "$es9_version" "$(modular_es_build "$es9_version" "$jdk25" 21)")" \
    -- "${config[@]}" --config.env ELASTIC_CONTAINER=true
  read -ra config <<<"$(engine_config opensearch "$os_version" 1000:0)"
  image "opensearch-$os_version" "$jre17" "$(engine_layer opensearch "$os_version" "$(maven_engine_lib opensearch "$os_version" "$jdk17")")" \
    -- "${config[@]}"
  local os3_version=3.9.0
  read -ra config <<<"$(engine_config opensearch "$os3_version" 1000:0)"
  image "opensearch-$os3_version" "$jre21" "$(engine_layer opensearch "$os3_version" "$(maven_engine_lib opensearch "$os3_version" "$jdk25")")" \
    -- "${config[@]}"
  image busybox-1.35.0 "$(busybox_layer)" -- --config.cmd sh
  image pause-3.10 "$(pause_layer)" -- --config.entrypoint /pause --config.user 65535:65535
  # Only the newest build of each image stays: older tags, their blobs and their layer tarballs go.
  local ref
  for ref in $(umoci ls --layout "$LAYOUT"); do
    if [[ $ref == *--* ]] && ! grep -qx -- "$ref" "$IMAGES/work/kept-refs"; then
      umoci rm --image "$LAYOUT:$ref"
      layout_changed=1
    fi
  done
  # gc reads every blob of the layout (seconds for gigabytes): only after something changed, so
  # that a cluster's start, which runs this every time, does not pay for it when nothing did.
  if ((layout_changed)); then umoci gc --layout "$LAYOUT"; fi
  local layer
  for layer in "$IMAGES"/layers/*.tar; do
    grep -qx -- "$layer" "$IMAGES/work/kept-layers" || rm -f "$layer"
  done
  rm -rf "$IMAGES/work"
}

# Set when an image is assembled or a tag removed: the layout then holds blobs to collect.
layout_changed=0

case "${1:-build}" in
  build)
    # Every start of an upstream node runs this: clusters started at once build one at a time
    # (they share the layout, the layer tarballs and the work directory).
    mkdir -p "$IMAGES"
    exec 9>"$IMAGES/.build.lock"
    flock 9
    build_all
    ;;
  refs) umoci ls --layout "$LAYOUT" | grep -v -- '--' ;;
  *) echo "usage: $0 [build|refs]" >&2; exit 2 ;;
esac
