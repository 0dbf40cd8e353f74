#!/usr/bin/env bash
# The newcomer's first command. On a fresh clone it installs what is missing
# (Fabric binaries, the prov CLI), brings the local network up (which deploys
# the chaincode) and plays the three roles' story with the real `prov` binary,
# printing each step and what the ledger says afterwards. It leaves the network
# running and ends with commands to try next. Re-running it plays the story
# again with fresh serials (a run counter lives in PROV_HOME).
#
#   scripts/demo.sh            PROV_HOME (default <repo>/.prov), PROV_PORT_BASE (default 7000)
#   scripts/demo.sh --quiet    print step titles and results only, not the commands
set -Eeuo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
export PROV_HOME="${PROV_HOME:-$REPO/.prov}"
export PROV_PORT_BASE="${PROV_PORT_BASE:-7000}"
PROV="$REPO/bin/prov"

verbose=1
case "${1:-}" in
  "") ;;
  --quiet) verbose=0 ;;
  -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "usage: scripts/demo.sh [--quiet]" >&2; exit 2 ;;
esac

if [[ -t 1 ]]; then B=$'\e[1m'; D=$'\e[2m'; G=$'\e[32m'; R=$'\e[0m'; else B= D= G= R=; fi
started=$(date +%s)
stepno=0
step() { stepno=$((stepno + 1)); printf '\n%s== %d. %s%s\n' "$B" "$stepno" "$*" "$R"; }
note() { printf '%s   %s%s\n' "$D" "$*" "$R"; }
die() { echo "demo: $*" >&2; exit 1; }
trap 'echo "demo: stopped at step $stepno (see the message above); the network is left as it is: scripts/network.sh status" >&2' ERR

# run ORG USER ARGS...: one prov call as USER of ORG, shown as a user would type it.
run() {
  local org=$1 user=$2; shift 2
  if [[ $verbose == 1 ]]; then
    local shown="" a
    for a in "$@"; do
      if [[ $a =~ ^[A-Za-z0-9_./:%=@,+-]+$ ]]; then shown+=" $a"; else shown+=" '${a//\'/\'\\\'\'}'"; fi
    done
    printf '%s$ prov --profile %s --user %s%s%s\n' "$G" "$org" "$user" "$shown" "$R"
  fi
  # Right after the network comes up, a peer's service discovery may not know
  # the other organisations' peers yet ("no combination of peers can be
  # derived ..."); nothing was submitted then, so the step is retried.
  local rc=0 tries=0 errf="$PROV_HOME/.demo-stderr"
  while :; do
    rc=0
    "$PROV" --profile "$org" --user "$user" "$@" 2>"$errf" || rc=$?
    if [[ $rc != 0 ]] && grep -q "no combination of peers can be derived" "$errf" && ((tries++ < 30)); then
      note "service discovery is not ready yet; retrying in 1 s"
      sleep 1
      continue
    fi
    cat "$errf" >&2
    break
  done
  ((rc == 0)) || return $rc
  case "$1 ${2:-}" in
    "item show"* | "item list"* | "item history"* | "prefix show"* | "prefix list"* | verify* | whoami*) ;;
    *) settle ;;
  esac
}
# expect_refusal ORG USER ARGS...: a call the ledger must refuse (exit 1).
expect_refusal() {
  local rc=0
  run "$@" || rc=$?
  [[ $rc == 1 ]] || die "expected the ledger to refuse this (exit 1), got exit $rc"
  note "refused, as it should be (exit 1)"
}
# quiet ORG USER ARGS...: same, output captured (for decisions), not shown.
quiet() { local org=$1 user=$2; shift 2; "$PROV" --profile "$org" --user "$user" "$@"; }

# settle: wait (at most 10 s) until the three peers report the same block
# height. prov waits for the commit on its own gateway peer only; the next
# step may go through another organisation's peer, which commits the same
# block a few milliseconds later.
settle() {
  local out
  out=$("$PROV_HOME/bin/provnet" settle -home "$PROV_HOME" -kind peer -timeout 10s 2>&1) ||
    note "peers still at different heights (${out#provnet settle: }); going on"
}

# gs1_check DIGITS: the GS1 mod-10 check digit of DIGITS (weights 3,1 from the right).
gs1_check() {
  local d=$1 sum=0 i w=3
  for ((i = ${#d} - 1; i >= 0; i--)); do
    sum=$((sum + ${d:i:1} * w))
    w=$((4 - w))
  done
  echo $(((10 - sum % 10) % 10))
}

# ---------------------------------------------------------------- setup
step "Install what is missing"
command -v go >/dev/null || die "Go is required (>= 1.25)"
# Our own binaries build beside Fabric's (on a fresh clone the Fabric build
# leaves CPU idle while it downloads modules and links): prov, then provnet
# (any network.sh command builds it) and the chaincode server into the
# paths network.sh builds them to, where its own builds then find them up
# to date.
echo "building prov, provnet and the chaincode beside the Fabric binaries"
own_log="$(mktemp)"
(
  mkdir -p "$(dirname "$PROV")" network/bin &&
    go build -o "$PROV" ./client/cmd/prov &&
    { scripts/network.sh status >/dev/null 2>&1 || [[ -x network/bin/provnet ]]; } &&
    flock -w 600 network/bin/.provenance-cc.lock go build -o network/bin/provenance-cc ./chaincode/cmd/provenance
) >"$own_log" 2>&1 &
own_pid=$!
scripts/install-fabric.sh || { wait "$own_pid" || true; die "installing the Fabric binaries failed"; }
if ! wait "$own_pid"; then cat "$own_log" >&2; rm -f "$own_log"; die "building prov, provnet or the chaincode failed (see above)"; fi
rm -f "$own_log"

step "Bring the local network up (4 ordering nodes, 3 peer organisations, chaincode deployed)"
if scripts/network.sh status >/dev/null 2>&1; then
  echo "network already running under $PROV_HOME"
else
  scripts/network.sh up
fi

# Fresh serials per run: a run counter in PROV_HOME.
counter="$PROV_HOME/demo-runs"
run_no=$(( $(cat "$counter" 2>/dev/null || echo 0) + 1 ))
echo "$run_no" >"$counter"

PREFIX=4012345                              # GS1 company prefix (GS1 Germany's example)
base="0${PREFIX}00001"                      # indicator 0 + prefix + item reference 00001
GTIN="${base}$(gs1_check "$base")"          # GTIN-14 with a real check digit
LOT="LOT-R${run_no}"
GLN_BASE=401234500010
GLN="${GLN_BASE}$(gs1_check "$GLN_BASE")"   # inspection location
N=6
ids=()
for i in $(seq 1 $N); do ids+=("01/${GTIN}/21/R${run_no}S$(printf %03d "$i")"); done
echo "run $run_no: GTIN $GTIN, lot $LOT, serials R${run_no}S001..R${run_no}S$(printf %03d $N)"

# ---------------------------------------------------------------- the story
step "Who am I: every identity carries its organisation's role (certificate attribute prov.role)"
run Customs user1 whoami

step "The manufacturer's admin claims GS1 company prefix $PREFIX; customs' admin approves (2 of 3 orgs)"
pstate=$(quiet Manufacturer admin prefix show "$PREFIX" -o json 2>/dev/null || true)
if [[ "$pstate" == *'"ACTIVE"'* ]]; then
  note "prefix $PREFIX is already ACTIVE on this ledger (an earlier run claimed it): nothing to do"
else
  if [[ -z "$pstate" || "$pstate" != *'"PENDING"'* ]]; then
    run Manufacturer admin prefix claim "$PREFIX" --licence "GS1-DE-LIC-2026-0042"
  fi
  run Customs admin prefix approve "$PREFIX"
fi
run Customs user1 prefix show "$PREFIX"

step "The manufacturer registers a lot of $N items (one transaction, one Digital Link per line)"
file="$PROV_HOME/demo-items-r${run_no}.txt"
: >"$file"
for i in $(seq 1 $N); do
  echo "https://id.gs1.org/01/${GTIN}/10/${LOT}/21/R${run_no}S$(printf %03d "$i")" >>"$file"
done
note "file $file:"; sed 's/^/     /' "$file"
run Manufacturer user1 item register --file "$file"
run Manufacturer user1 item list --gtin "$GTIN" --lot "$LOT"

step "The manufacturer ships all $N to the distributor (two-phase: offer, then accept or reject)"
run Manufacturer user1 transfer offer "${ids[@]}" --to DistributorMSP
run Distributor user1 item show "${ids[0]}"

step "The distributor accepts four and rejects two (damaged in transit); rejected items go back"
run Distributor user1 transfer accept "${ids[0]}" "${ids[1]}" "${ids[2]}" "${ids[3]}"
run Distributor user1 transfer reject "${ids[4]}" "${ids[5]}"
run Distributor user1 item list --gtin "$GTIN" --lot "$LOT"

step "Customs holds ${ids[1]}, inspects it at GLN $GLN, and releases it"
run Customs user1 customs hold "${ids[1]}" --reason "random border check"
run Customs user1 item show "${ids[1]}"
note "while held, the owner cannot ship it on:"
expect_refusal Distributor user1 transfer offer "${ids[1]}" --to ManufacturerMSP
run Customs user1 item inspect "${ids[1]}" --location "$GLN" --result match
run Customs user1 customs release "${ids[1]}"
run Distributor user1 item show "${ids[1]}"

step "The distributor sells ${ids[2]} (decommissioned: terminal)"
run Distributor user1 item decommission "${ids[2]}" --reason retail_sold
run Distributor user1 item show "${ids[2]}"

step "The manufacturer's admin recalls lot $LOT (it owns the prefix, whoever holds the items)"
note "a recall is an admin's act; a plain user of the brand is refused:"
expect_refusal Manufacturer user1 item recall --gtin "$GTIN" --lot "$LOT" --reason "supplier reported contamination"
run Manufacturer admin item recall --gtin "$GTIN" --lot "$LOT" --reason "supplier reported contamination"
run Distributor user1 item show "${ids[0]}"
note "a recalled item can only go back to its brand owner or to customs for destruction:"
run Distributor user1 transfer offer "${ids[0]}" --to ManufacturerMSP

step "Customs verifies ${ids[1]}'s whole chain of custody against the ledger itself"
run Customs user1 item history "${ids[1]}"
run Customs user1 verify "${ids[1]}" --chain

elapsed=$(( $(date +%s) - started ))
env_hint=""
if [[ $PROV_HOME != "$REPO/.prov" || $PROV_PORT_BASE != 7000 ]]; then
  env_hint=$'\n'"  export PROV_HOME=$PROV_HOME PROV_PORT_BASE=$PROV_PORT_BASE"
fi
cat <<EOF

${B}Done in ${elapsed} s.${R} The network is still running (PROV_HOME=$PROV_HOME).

Try next:
  export PATH="$REPO/bin:\$PATH"${env_hint}
  prov --profile Distributor item show ${ids[0]}
  prov --profile Customs item history ${ids[1]} -o json
  prov --profile Customs verify ${ids[3]} --chain
  prov --profile Manufacturer item list --owner ManufacturerMSP
  prov --profile Manufacturer events watch --from-block 0
  prov --help
  scripts/demo.sh              # play the story again with fresh serials
  scripts/network.sh status    # what runs where;  scripts/network.sh down  to stop it
EOF
