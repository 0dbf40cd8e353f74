#!/usr/bin/env bash
# The project's test command (README: "Run every test"). From a clean clone it
# builds the Fabric binaries if missing, checks formatting and chaincode
# determinism, runs the unit tests, then the integration tests against real
# local Fabric networks, which it always takes down again.
#
#   scripts/test.sh            everything
#   scripts/test.sh --unit     lint + unit tests only (no network)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"

unit_only=false
case "${1:-}" in
  "") ;;
  --unit) unit_only=true ;;
  *) echo "usage: scripts/test.sh [--unit]" >&2; exit 2 ;;
esac

step() { printf '\n=== %s (%s)\n' "$1" "$(date -u +%H:%M:%S)"; }

# What the integration tests need (Fabric binaries, iproute2, chromium) is
# installed in the background while lint and unit tests run: on a cold
# machine the Fabric build is mostly module downloads.
prepare_log=$(mktemp)
prepare() {
  scripts/install-fabric.sh
  # test/hosts runs one organization per network namespace (iproute2's ip).
  if ! command -v ip >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing iproute2 (network namespaces for test/hosts)"
    apt-get install -y -q iproute2 >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q iproute2 >/dev/null; }
  fi
  # test/serve opens the verification page in a real headless browser.
  if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing chromium (test/serve's page test)"
    apt-get install -y -q chromium >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium >/dev/null; }
  fi
}
prepare_pid=
if ! $unit_only; then
  prepare >"$prepare_log" 2>&1 &
  prepare_pid=$!
fi

step "lint: gofmt, go vet, chaincode determinism"
unformatted=$(gofmt -l chaincode client network test 2>/dev/null || true)
if [ -n "$unformatted" ]; then
  echo "gofmt would change:" >&2; echo "$unformatted" >&2; exit 1
fi
go vet ./...
go test -count=1 -run 'TestDeterminism' ./chaincode/

step "unit tests"
go test -count=1 -cover ./chaincode/... ./client/... ./network/...

$unit_only && exit 0

step "install Fabric binaries, iproute2, chromium (started in the background)"
if ! wait "$prepare_pid"; then
  cat "$prepare_log" >&2; echo "installing what the integration tests need failed" >&2; exit 1
fi
cat "$prepare_log"
export CI=1 # TestPageInChromium fails, not skips, without a browser

step "integration tests (real Fabric networks on 127.0.0.1)"
export PROV_INTEGRATION=1
# Two streams run side by side, each one package at a time (-p 1):
# - the functional packages (harness.PackageNetwork{Shared: true}) on one
#   shared BFT network brought up here once;
# - the packages that break their network on purpose or need another
#   topology or consensus (faults, trust, membership, ...), each on its own.
# Most of a fault test is waiting (view changes, restarts, catch-up), so the
# two streams together take little more than the longer one. The own-network
# stream's lines are prefixed "[own] ".
shared_home="$repo/.prov-shared-bft"
shared_base=$((11000 + ${PROV_TEST_PORT_OFFSET:-0}))
shared() { PROV_HOME="$shared_home" PROV_PORT_BASE="$shared_base" scripts/network.sh "$@"; }
shared_down() {
  local rc=$?
  if ((rc != 0)) && [ -d "$shared_home/logs" ]; then
    rm -rf "$shared_home-logs" && mv "$shared_home/logs" "$shared_home-logs" &&
      echo "shared network logs kept in $shared_home-logs" >&2
  fi
  shared clean >/dev/null 2>&1 || echo "could not clean the shared network in $shared_home" >&2
  return "$rc"
}
shared clean >/dev/null 2>&1 || true # leftovers of an aborted run
trap shared_down EXIT
t0=$SECONDS
shared up --consensus bft
echo "shared BFT network up in $((SECONDS - t0)) s (PROV_HOME=$shared_home, port base $shared_base)"
export PROV_SHARED_BFT="$shared_home"
shared_pkgs=() own_pkgs=()
for d in test/*/; do
  d=${d%/}
  ls "$d"/*_test.go >/dev/null 2>&1 || continue
  if grep -q 'harness\.PackageNetwork{[^}]*Shared: *true' "$d"/*_test.go; then
    shared_pkgs+=("./$d/")
  else
    own_pkgs+=("./$d/")
  fi
done
echo "shared network: ${shared_pkgs[*]}"
echo "own networks:   ${own_pkgs[*]}"
own_status=$(mktemp) own_log=$(mktemp) shared_log=$(mktemp)
(
  set +e
  go test -count=1 -p 1 -timeout 25m -v "${own_pkgs[@]}" 2>&1 | sed -u 's/^/[own] /' | tee "$own_log"
  echo "${PIPESTATUS[0]}" >"$own_status"
) &
own_pid=$!
set +e
go test -count=1 -p 1 -timeout 25m -v "${shared_pkgs[@]}" 2>&1 | tee "$shared_log"
shared_rc=${PIPESTATUS[0]}
wait "$own_pid"
own_rc=$(cat "$own_status")
set -e
# The streams interleave and CI keeps only the tail: end with each package's
# result and every failed test (with its first lines of output) so a failure
# is named where it is read.
step "integration summary"
grep -hE '^(\[own\] )?(ok  |FAIL|--- FAIL|panic:)' "$shared_log" "$own_log" || true
if [ "$shared_rc" != 0 ] || [ "${own_rc:-1}" != 0 ]; then
  echo "first lines before each failure:"
  grep -hE -B12 '^(\[own\] )?\s*--- FAIL' "$shared_log" "$own_log" | cut -c1-300 | head -150 || true
fi
echo "integration: shared-network packages exit $shared_rc, own-network packages exit ${own_rc:-?} ($((SECONDS - t0)) s with the shared network's start)"
[ "$shared_rc" = 0 ] && [ "$own_rc" = 0 ]
