# Sourced by the build scripts: every version the local cluster and the kind node image are built
# from, in one place. The action's default kind version is checked against KIND_VERSION by a test.
K8S_VERSION="${K8S_VERSION:-v1.34.4}"
ETCD_VERSION="${ETCD_VERSION:-v3.6.6}"
COREDNS_VERSION="${COREDNS_VERSION:-v1.12.4}"
CRICTL_VERSION="${CRICTL_VERSION:-v1.34.0}"
LOCAL_PATH_VERSION="${LOCAL_PATH_VERSION:-v0.0.30}"
KIND_VERSION="${KIND_VERSION:-v0.32.0}"
# kind's kindnetd source in shared/third-party is this commit of kubernetes-sigs/kind.
KINDNETD_SOURCE_COMMIT=fed26882
# The node image's Debian suite (this machine's: its containerd 1.6 is the one proven here).
DEBIAN_SUITE="${DEBIAN_SUITE:-bookworm}"
