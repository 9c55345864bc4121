#!/usr/bin/env bash
# Build a real kube-apiserver (v1.20.2) and etcd (3.4.23) for the `realapi` test tier, from Debian
# bookworm's archive alone (no Go module proxy, no download site):
#   kube-apiserver <- source package `kubernetes` 1.20.5+really1.20.2-1.1+deb12u1 (its orig tarball
#                     carries vendor/ and staging/), built with golang-1.19-go by Kubernetes' own
#                     `make WHAT=cmd/kube-apiserver`, with the vendored modern-go/reflect2 1.0.1
#                     replaced by Debian's 1.0.2 (1.0.1 crashes the server on the first custom
#                     resource write under Go >= 1.18: https://github.com/modern-go/reflect2/issues/23)
#   etcd           <- binary package etcd-server, unpacked (no service is installed or started)
#
# The binaries go to a cache OUTSIDE the work tree, keyed by a hash of this file (the recipe):
#   ${KRATIX_OPS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kratix-ops}/apiserver/<recipe-hash>/bin/
# Present: nothing is done. Changed recipe: a new key, so a rebuild. The Go build cache is kept
# beside it (…/apiserver/go-build, about 1.2 GB) so that a rebuild takes about a quarter of the time.
#
# Usage: build.sh            build unless cached; print the bin directory on stdout (logs on stderr)
#        build.sh --where    print the bin directory; exit 0 if built, 1 if not (builds nothing)
# Exit 3 (with one line on stderr) when this machine cannot build it: not Debian bookworm, not root,
# or no apt-get. The test tier then skips and says why.
set -euo pipefail

CACHE_ROOT="${KRATIX_OPS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kratix-ops}/apiserver"
RECIPE_HASH="$(sha256sum "${BASH_SOURCE[0]}" | cut -c1-16)"
OUT="$CACHE_ROOT/$RECIPE_HASH"
BIN="$OUT/bin"
GOV=1.19
K8S_SRC_VERSION="1.20.5+really1.20.2-1.1+deb12u1"
K8S_DIR="kubernetes-1.20.2"
log() { echo "build.sh [$(date +%T)] $*" >&2; }

built() { [ -x "$BIN/kube-apiserver" ] && [ -x "$BIN/etcd" ]; }
if [ "${1:-}" = "--where" ]; then echo "$BIN"; built; exit; fi
if built; then log "cached: $BIN"; echo "$BIN"; exit 0; fi

# ---- 0. can this machine build it? ----
cannot() { echo "cannot build kube-apiserver here: $*" >&2; exit 3; }
[ "$(id -u)" = 0 ] || cannot "needs root (apt-get install)"
command -v apt-get >/dev/null || cannot "needs apt-get (Debian bookworm)"
grep -qs '^VERSION_CODENAME=bookworm' /etc/os-release || cannot "needs Debian bookworm (its kubernetes source package)"

# One build at a time (a second caller waits here, then finds the binaries built).
mkdir -p "$CACHE_ROOT"
exec 9>"$CACHE_ROOT/.lock"
flock 9
if built; then log "built meanwhile: $BIN"; echo "$BIN"; exit 0; fi

T0=$(date +%s)
# ---- 1. apt: a deb-src line for bookworm (apt-get source needs it) and the toolchain ----
SRC_LIST=/etc/apt/sources.list.d/kratix-ops-bookworm-src.sources
if [ ! -f "$SRC_LIST" ]; then
  printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: bookworm\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' >"$SRC_LIST"
fi
log "apt-get update"
apt-get update -qq
log "apt-get install golang-$GOV-go make rsync openssl"
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "golang-$GOV-go" make rsync openssl ca-certificates >/dev/null
T1=$(date +%s)

# ---- 2. sources: the kubernetes source package, reflect2 1.0.2, the etcd-server .deb ----
# Always the same work path: Kubernetes' build passes it to -trimpath, so another path would miss
# every entry of the Go build cache. The tree is removed afterwards.
WORK="$CACHE_ROOT/work"
rm -rf "$WORK" && mkdir -p "$WORK"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
log "apt-get source kubernetes=$K8S_SRC_VERSION (34 MB)"
# Sandbox::User=root: the work directory is under root's cache, which apt's _apt user cannot enter.
apt-get -o APT::Sandbox::User=root source -qq --download-only "kubernetes=$K8S_SRC_VERSION" >/dev/null
apt-get -o APT::Sandbox::User=root download -qq golang-github-modern-go-reflect2-dev etcd-server >/dev/null
tar xzf kubernetes_*.orig.tar.gz
dpkg-deb -x golang-github-modern-go-reflect2-dev_*.deb reflect2
dpkg-deb -x etcd-server_*.deb etcd
# Kubernetes' hack/lib/golang.sh pins GOCACHE inside _output/ (deleted with the tree): honour ours.
sed -i 's|^  export GOCACHE="${KUBE_GOPATH}/cache"|  export GOCACHE="${GOCACHE:-${KUBE_GOPATH}/cache}"|' \
  "$K8S_DIR/hack/lib/golang.sh"
grep -q 'GOCACHE:-' "$K8S_DIR/hack/lib/golang.sh" || { echo "the GOCACHE patch did not apply" >&2; exit 1; }
R="$K8S_DIR/vendor/github.com/modern-go/reflect2"
rm -f "$R"/*.go "$R"/*.s
cp reflect2/usr/share/gocode/src/github.com/modern-go/reflect2/*.go \
  reflect2/usr/share/gocode/src/github.com/modern-go/reflect2/*.s "$R"/
rm -f "$R"/*_test.go
T2=$(date +%s)

# ---- 3. build (Kubernetes' make: generators, then go build in GOPATH mode from vendor/) ----
export GOCACHE="$CACHE_ROOT/go-build"
log "make WHAT=cmd/kube-apiserver with $("/usr/lib/go-$GOV/bin/go" version) (GOCACHE=$GOCACHE)"
(
  cd "$K8S_DIR"
  export PATH="/usr/lib/go-$GOV/bin:$PATH" GOTOOLCHAIN=local GOPROXY=off GOFLAGS= HOME="${HOME:-/root}"
  make WHAT=cmd/kube-apiserver >"$WORK/make.log" 2>&1
) || { tail -40 "$WORK/make.log" >&2; exit 1; }
mkdir -p "$BIN.tmp"
install -m 0755 "$K8S_DIR/_output/bin/kube-apiserver" "$BIN.tmp/kube-apiserver"
install -m 0755 etcd/usr/bin/etcd "$BIN.tmp/etcd"
rm -rf "$BIN" && mv "$BIN.tmp" "$BIN" # appears whole or not at all
for old in "$CACHE_ROOT"/*/bin; do # binaries of earlier recipes (the Go build cache stays)
  [ "$old" = "$BIN" ] || rm -rf "$(dirname "$old")"
done
T3=$(date +%s)

log "done: apt $((T1 - T0))s, sources $((T2 - T1))s, build $((T3 - T2))s, total $((T3 - T0))s"
log "$("$BIN/kube-apiserver" --version), $("$BIN/etcd" --version | head -1)"
echo "$BIN"
