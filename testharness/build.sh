#!/usr/bin/env bash
# Builds anton-testenv and collects the CRDs it installs into
#   ${ANTON_TESTENV_CACHE:-$HOME/.cache/anton/testenv}/<key>/
# where <key> covers versions.env, the Go toolchain and every harness source
# file, so any edit rebuilds and an unchanged tree is a no-op. Needs only Go
# and the Go module proxy. The last line on stdout is the binary's path; all
# progress goes to stderr.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
# shellcheck source=versions.env
source ./versions.env

GO="${GO:-$(command -v go || true)}"
if [ -z "$GO" ] && [ -x /usr/local/go/bin/go ]; then GO=/usr/local/go/bin/go; fi
if [ -z "$GO" ]; then
    echo "build.sh: Go is required to build the Kubernetes test harness (set GO=/path/to/go)" >&2
    exit 1
fi
export GOTOOLCHAIN=local   # never switch toolchains behind our back
export GOFLAGS="${ANTON_TESTENV_GOFLAGS:--p=2}"
log() { echo "build.sh: $*" >&2; }

go_version="$("$GO" env GOVERSION)"
sources_hash="$(
    {
        echo "$go_version"
        find versions.env build.sh go.mod go.sum cmd crdgen -type f | LC_ALL=C sort | while read -r f; do
            echo "== $f"
            cat "$f"
        done
    } | sha256sum | cut -c1-16
)"
key="k8s-${KUBERNETES_VERSION}-${sources_hash}"
cache_root="${ANTON_TESTENV_CACHE:-$HOME/.cache/anton/testenv}"
out="$cache_root/$key"
bin="$out/bin/anton-testenv"

if [ -f "$out/.complete" ] && [ -x "$bin" ]; then
    echo "$bin"
    exit 0
fi

mkdir -p "$cache_root"
# Parallel test processes may all find the cache missing: build once.
if command -v flock >/dev/null 2>&1; then
    exec 9>"$cache_root/.lock-$key"
    flock 9
    if [ -f "$out/.complete" ] && [ -x "$bin" ]; then
        echo "$bin"
        exit 0
    fi
fi

# --- the pins in go.mod files must agree with versions.env ---------------
mod_version() { (cd "$1" && "$GO" list -m -f '{{.Version}}' "$2"); }
check_pin() {
    local got
    got="$(mod_version "$1" "$2")"
    if [ "$got" != "$3" ]; then
        log "$1/go.mod has $2 $got but versions.env says $3; update one of them"
        exit 1
    fi
}
check_pin . k8s.io/kubernetes "$KUBERNETES_VERSION"
staging="v0.${KUBERNETES_VERSION#v1.}"
while read -r path version; do
    if [ "$version" != "$staging" ]; then
        log "go.mod replaces $path with $version, expected $staging (KUBERNETES_VERSION=$KUBERNETES_VERSION)"
        exit 1
    fi
done < <(awk '$2 == "=>" && $1 ~ /^k8s\.io\// { print $1, $4 }' go.mod)
check_pin crdgen github.com/fluxcd/helm-controller/api "$FLUX_HELM_CONTROLLER_API_VERSION"
check_pin crdgen github.com/fluxcd/notification-controller/api "$FLUX_NOTIFICATION_CONTROLLER_API_VERSION"
check_pin crdgen sigs.k8s.io/controller-tools "$CONTROLLER_TOOLS_VERSION"

stage="$(mktemp -d "$cache_root/.stage-$key.XXXXXX")"
trap 'rm -rf "$stage"' EXIT
chmod 0755 "$stage"
mkdir -p "$stage/bin" "$stage/crds"

# --- CRDs -----------------------------------------------------------------
# module_dir MODULE@VERSION: download (checksum-verified) and print its dir.
module_dir() {
    local json dir
    json="$(cd "$stage" && "$GO" mod download -json "$1")" || { log "go mod download $1 failed: $json"; exit 1; }
    dir="$(printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')"
    if [ -z "$dir" ] || [ ! -d "$dir" ]; then
        log "go mod download $1 gave no directory: $json"
        exit 1
    fi
    echo "$dir"
}
# copy_crds DEST MODULE@VERSION SUBDIR [GLOB]: copy SUBDIR/GLOB (default
# *.yaml) out of the module.
copy_crds() {
    local dest="$stage/crds/$1" dir glob="${4:-*.yaml}"
    dir="$(module_dir "$2")"
    mkdir -p "$dest"
    local n=0 f
    for f in "$dir/$3"/$glob; do
        [ -f "$f" ] || continue
        case "$(basename "$f")" in kustomization.yaml) continue ;; esac
        if grep -q '{{' "$f"; then
            log "$2 $3/$(basename "$f") is templated; it cannot be installed as-is"
            exit 1
        fi
        install -m 0644 "$f" "$dest/"
        n=$((n + 1))
    done
    if [ "$n" -eq 0 ]; then
        log "no CRD files in $2 $3"
        exit 1
    fi
    echo "$2 $3/$glob ($n files)" >>"$stage/crds/SOURCES"
}

log "collecting CRDs"
copy_crds flux github.com/fluxcd/kustomize-controller@"$FLUX_KUSTOMIZE_CONTROLLER_VERSION" config/crd/bases
copy_crds flux github.com/fluxcd/source-controller@"$FLUX_SOURCE_CONTROLLER_VERSION" config/crd/bases
copy_crds cert-manager github.com/cert-manager/cert-manager@"$CERT_MANAGER_VERSION" deploy/crds
copy_crds external-secrets github.com/external-secrets/external-secrets@"$EXTERNAL_SECRETS_VERSION" config/crds/bases
copy_crds prometheus-operator github.com/prometheus-operator/prometheus-operator@"$PROMETHEUS_OPERATOR_VERSION" example/prometheus-operator-crd
copy_crds gateway-api sigs.k8s.io/gateway-api@"$GATEWAY_API_VERSION" config/crd/standard 'gateway.networking.k8s.io_*.yaml'
copy_crds cilium github.com/cilium/cilium@"$CILIUM_VERSION" pkg/k8s/apis/cilium.io/client/crds/v2 ciliumloadbalancerippools.yaml

log "generating helm-controller and notification-controller CRDs with controller-gen $CONTROLLER_TOOLS_VERSION"
(cd crdgen && "$GO" tool controller-gen crd:crdVersions=v1 \
    paths=github.com/fluxcd/helm-controller/api/... \
    paths=github.com/fluxcd/notification-controller/api/... \
    output:crd:dir="$stage/crds/flux")
echo "controller-gen $CONTROLLER_TOOLS_VERSION: github.com/fluxcd/helm-controller/api@$FLUX_HELM_CONTROLLER_API_VERSION github.com/fluxcd/notification-controller/api@$FLUX_NOTIFICATION_CONTROLLER_API_VERSION" >>"$stage/crds/SOURCES"

# --- binary ---------------------------------------------------------------
# Stamp the version the way Kubernetes' release build does, so /version and
# `kubectl version` report the real release instead of v0.0.0-master.
minor="${KUBERNETES_VERSION#v1.}"
minor="${minor%%.*}"
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags="$ldflags -X $pkg.gitVersion=$KUBERNETES_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
    ldflags="$ldflags -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
done
log "building anton-testenv (Kubernetes $KUBERNETES_VERSION); the first build takes a while"
start=$(date +%s)
"$GO" build -trimpath -ldflags "$ldflags" -o "$stage/bin/anton-testenv" ./cmd/anton-testenv
log "built in $(($(date +%s) - start))s"
ln -s anton-testenv "$stage/bin/kubectl"
cp versions.env "$stage/versions.env"

touch "$stage/.complete"
# A directory without .complete is left from an interrupted run.
if [ -d "$out" ] && [ ! -f "$out/.complete" ]; then rm -rf "$out"; fi
if ! mv -T "$stage" "$out" 2>/dev/null; then
    # Someone else finished first (no flock available); theirs is as good.
    [ -f "$out/.complete" ] || { log "could not install $out"; exit 1; }
fi
trap - EXIT
rm -rf "$stage"
log "ready: $out"
echo "$bin"
