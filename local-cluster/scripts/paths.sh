# Sourced by the build scripts: the one cache root every build and the private Docker engine use
# (an empty XDG_CACHE_HOME counts as unset, as the XDG spec says).
CACHE_ROOT="${ES_K8S_VERIFY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/es-k8s-verify}"
export CACHE_ROOT
