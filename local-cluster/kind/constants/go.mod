module es-k8s-verify.local/kind-constants

go 1.24
