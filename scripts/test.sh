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

step "lint: gofmt, go vet, chaincode determinism"
unformatted=$(gofmt -l chaincode client test 2>/dev/null || true)
if [ -n "$unformatted" ]; then
  echo "gofmt would change:" >&2; echo "$unformatted" >&2; exit 1
fi
go vet ./...
go test -count=1 -run 'TestDeterminism' ./chaincode/

step "unit tests"
go test -count=1 -cover ./chaincode/... ./client/...

$unit_only && exit 0

step "install Fabric binaries"
scripts/install-fabric.sh
# test/hosts runs one organization per network namespace (iproute2's ip).
if ! command -v ip >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing iproute2 (network namespaces for test/hosts)"
  apt-get install -y -q iproute2 >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q iproute2 >/dev/null; }
fi

step "integration tests (real Fabric networks on 127.0.0.1)"
export PROV_INTEGRATION=1
# Each integration package brings up its own network on its own port base and
# takes it down when it ends (test/harness); -p 1 keeps two networks from
# fighting over the two cores.
go test -count=1 -p 1 -timeout 25m -v ./test/...
