#!/usr/bin/env bash
# Builds Fabric v3.1.1 (peer, orderer, configtxgen, configtxlator, osnadmin) and
# Fabric CA v1.5.21 (fabric-ca-server, fabric-ca-client) from the pinned build
# modules network/fabric-build (Fabric) and network/fabric-build/ca (Fabric CA,
# with its own dependency versions: see its tools.go) into <repo>/bin. Idempotent: when every binary
# is present and reports the expected version it returns at once.
#
# Usage: scripts/install-fabric.sh [--force]
#   FABRIC_BIN_DIR  output directory (default <repo>/bin)
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${FABRIC_BIN_DIR:-$REPO/bin}"
FABRIC_VERSION=3.1.1
FABRIC_COMMIT=435a7f1
CA_VERSION=1.5.21
FABRIC_CMDS=(peer orderer configtxgen configtxlator osnadmin)
CA_CMDS=(fabric-ca-server fabric-ca-client)
STAMP_TEXT="fabric $FABRIC_VERSION ($FABRIC_COMMIT) fabric-ca $CA_VERSION (own module)"

die() { echo "install-fabric: $*" >&2; exit 1; }

force=0
case "${1:-}" in
  "") ;;
  --force) force=1 ;;
  -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) die "unknown argument '$1' (usage: scripts/install-fabric.sh [--force])" ;;
esac

# version_ok NAME: the binary exists and reports the pinned version.
version_ok() {
  local b="$BIN/$1" want out
  [[ -x "$b" ]] || return 1
  case "$1" in
    fabric-ca-*)
      # A CA built inside the Fabric module has the wrong viper: require our stamp.
      [[ "$(cat "$BIN/.fabric-build-stamp" 2>/dev/null)" == "$STAMP_TEXT" ]] || return 1
      want="Version: $CA_VERSION"; out="$("$b" version 2>/dev/null)" || return 1 ;;
    configtxgen) want="Version: $FABRIC_VERSION"; out="$("$b" -version 2>/dev/null)" || return 1 ;;
    # osnadmin has no version flag: trust the stamp written by our own build.
    osnadmin) want="$STAMP_TEXT"; out="$(cat "$BIN/.fabric-build-stamp" 2>/dev/null)" || return 1 ;;
    *) want="Version: $FABRIC_VERSION"; out="$("$b" version 2>/dev/null)" || return 1 ;;
  esac
  [[ "$out" == *"$want"* ]]
}

missing=()
for c in "${FABRIC_CMDS[@]}" "${CA_CMDS[@]}"; do
  if [[ $force == 1 ]] || ! version_ok "$c"; then missing+=("$c"); fi
done
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-fabric: Fabric $FABRIC_VERSION and Fabric CA $CA_VERSION already in $BIN"
  exit 0
fi

command -v go >/dev/null 2>&1 || die "Go is required to build Fabric but 'go' is not on PATH (install Go >= 1.25 and retry)"
command -v gcc >/dev/null 2>&1 || die "gcc is required (cgo: fabric-ca's sqlite3 driver and the PKCS#11 code) but 'gcc' is not on PATH (apt-get install gcc)"
mkdir -p "$BIN" 2>/dev/null && [[ -w "$BIN" ]] || die "cannot write to $BIN"

fabric_pkgs=() ca_pkgs=()
for c in "${missing[@]}"; do
  case "$c" in
    fabric-ca-*) ca_pkgs+=("github.com/hyperledger/fabric-ca/cmd/$c") ;;
    *) fabric_pkgs+=("github.com/hyperledger/fabric/cmd/$c") ;;
  esac
done
echo "install-fabric: building ${missing[*]} into $BIN (about 3.5 minutes cold on an idle 2-core machine)"
start=$(date +%s)
rm -f "$BIN/.fabric-build-stamp"
# One go build per module: its packages compile in parallel and share the
# cache. go install pkg@version is not usable here (the proxy refuses version
# listings). The two modules build at the same time: a cold build spends
# much of its time downloading and in single-threaded links, which overlap.
# -s -w: no symbol table or DWARF (panics still print file:line), which
# spares the links a good part of their work; the version -X flags stay.
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
pids=() names=()
if [[ ${#fabric_pkgs[@]} -gt 0 ]]; then
  (cd "$REPO/network/fabric-build" && CGO_ENABLED=1 GOFLAGS=-mod=mod go build -trimpath -o "$BIN/" \
    -ldflags "-s -w -X github.com/hyperledger/fabric/common/metadata.Version=$FABRIC_VERSION -X github.com/hyperledger/fabric/common/metadata.CommitSHA=$FABRIC_COMMIT" \
    "${fabric_pkgs[@]}") >"$logs/fabric" 2>&1 &
  pids+=($!) names+=(fabric)
fi
if [[ ${#ca_pkgs[@]} -gt 0 ]]; then
  (cd "$REPO/network/fabric-build/ca" && CGO_ENABLED=1 GOFLAGS=-mod=mod go build -trimpath -o "$BIN/" \
    -ldflags "-s -w -X github.com/hyperledger/fabric-ca/lib/metadata.Version=$CA_VERSION" \
    "${ca_pkgs[@]}") >"$logs/fabric-ca" 2>&1 &
  pids+=($!) names+=(fabric-ca)
fi
failed=""
for k in "${!pids[@]}"; do
  if ! wait "${pids[$k]}"; then failed+=" ${names[$k]}"; fi
  if [[ -s "$logs/${names[$k]}" ]]; then sed "s/^/${names[$k]}: /" "$logs/${names[$k]}"; fi
done
[[ -z "$failed" ]] || die "go build of$failed failed (see above)"
echo "$STAMP_TEXT" >"$BIN/.fabric-build-stamp"
for c in "${missing[@]}"; do
  version_ok "$c" || die "$BIN/$c was built but does not report the expected version"
done
echo "install-fabric: done in $(( $(date +%s) - start )) s"
