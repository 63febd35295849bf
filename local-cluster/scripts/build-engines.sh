#!/usr/bin/env bash
# Builds the launchers that run real OpenSearch and Elasticsearch nodes from Maven Central jars,
# into a cache directory keyed by engine and version. Prints nothing but progress on stderr.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
CACHE_ROOT="${ES_K8S_VERIFY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/es-k8s-verify}"

build_engine() {
  local engine=$1 package=$2
  local version
  version=$(sed -n 's:.*<engine.version>\(.*\)</engine.version>.*:\1:p' "$here/engines/$engine/pom.xml")
  # Keyed by the launcher's source too, so a changed launcher is rebuilt; the unhashed name
  # is a link to the current build.
  local hash
  hash=$(cat "$here/engines/launcher/Launcher.java.in" "$here/engines/$engine/pom.xml" | sha256sum | cut -c1-12)
  local out="$CACHE_ROOT/engines/$engine-$version-$hash"
  local link="$CACHE_ROOT/engines/$engine-$version"
  if [[ -f "$out/launcher.jar" ]]; then
    echo "[build-engines] $engine $version already built in $out" >&2
    ln -sfn "$out" "$link"
    return
  fi
  local work="$CACHE_ROOT/src/engine-$engine-$version"
  rm -rf "$work" && mkdir -p "$work/src/main/java/esk8sverify"
  cp "$here/engines/$engine/pom.xml" "$work/pom.xml"
  sed "s/@ENGINE@/$package/g" "$here/engines/launcher/Launcher.java.in" >"$work/src/main/java/esk8sverify/Launcher.java"
  echo "[build-engines] building $engine $version" >&2
  (cd "$work" && mvn -q -B package -DskipTests >&2)
  mkdir -p "$out.tmp" && rm -rf "$out.tmp"/*
  cp -r "$work/target/lib" "$out.tmp/lib"
  cp "$work/target/${engine}-launcher-1.jar" "$out.tmp/launcher.jar"
  rm -rf "$out" && mv "$out.tmp" "$out"
  rm -rf "$link" && ln -sfn "$out" "$link"
}

build_engine opensearch org.opensearch
build_engine elasticsearch org.elasticsearch
