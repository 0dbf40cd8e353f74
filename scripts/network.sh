#!/usr/bin/env bash
# Local Fabric 3.1.1 network (SmartBFT or etcdraft) of the organizations in
# network/topology.yaml (or PROV_TOPOLOGY), native processes on 127.0.0.1,
# chaincode as a service. See network/README.md.
#
# Usage: scripts/network.sh <command> [--consensus bft|raft]
#   up          start (and on first run create) the network, deploy the chaincode
#   down        stop every process this network started (PID files); keep state
#   clean       down, then remove PROV_HOME
#   status      processes, PIDs, ports, health, block heights, ordering leader
#   deploy      build the chaincode; when it changed: new sequence, approve,
#               commit, restart the chaincode servers
#   define NAME another chaincode definition NAME of the deployed packages:
#               same chaincode servers, own empty state (org roles not set)
#   define NAME --source PKG   an extra chaincode NAME built from the Go
#               package PKG with its own servers (benchmark reference)
#   logs [NAME] [-f]   show (or follow) the logs of one process or all
#   start-node NAME    start one stopped process and wait for its health
#   stop-node NAME     stop one process (SIGTERM, by PID file)
#   add-org NAME --role ROLE [--no-vote]   add an organization to the running
#               network: CA, identities, peer, chaincode server, channel config
#               update signed by a majority of admins, role voted on the ledger
#   remove-org NAME [--no-vote]   the reverse (role removal voted first)
#
# Environment: PROV_HOME (default <repo>/.prov), PROV_PORT_BASE (default 7000;
# ports PROV_PORT_BASE .. +20 per organization - 1), PROV_TOPOLOGY (default
# network/topology.yaml; a network keeps the topology it was created with),
# FABRIC_BIN_DIR (default <repo>/bin); tuning knobs (`provnet tuning -h`;
# network/README.md): PROV_BFT_BATCH_INTERVAL, PROV_BFT_BATCH_MAX_COUNT,
# PROV_BFT_FORWARD_TIMEOUT, PROV_BFT_COMPLAIN_TIMEOUT,
# PROV_BFT_VIEW_CHANGE_TIMEOUT, PROV_BATCH_TIMEOUT, PROV_MAX_MESSAGE_COUNT,
# PROV_PREFERRED_MAX_BYTES (a new network's genesis block),
# PROV_PEER_CENSORSHIP_TIMEOUT, PROV_PEER_LOGGING, PROV_ORDERER_LOGGING
# (each node start); PROV_PPROF=1 (Go pprof on every orderer, base+20i+18,
# and peer, base+20i+19, started with it; profiling only), PROV_PEER_WRITEBATCH,
# PROV_PEER_MULTIKEYS (peer start; network/README.md).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PROV_HOME="${PROV_HOME:-$REPO/.prov}"
BIN="${FABRIC_BIN_DIR:-$REPO/bin}"

# shellcheck source=lib/common.sh
source "$REPO/scripts/lib/common.sh"
# shellcheck source=lib/crypto.sh
source "$REPO/scripts/lib/crypto.sh"
# shellcheck source=lib/nodes.sh
source "$REPO/scripts/lib/nodes.sh"
# shellcheck source=lib/chaincode.sh
source "$REPO/scripts/lib/chaincode.sh"
# shellcheck source=lib/membership.sh
source "$REPO/scripts/lib/membership.sh"

usage() { sed -n '6,36p' "$0" | sed 's/^# \{0,1\}//'; }
usage_die() { printf 'network: error: %s\n\n' "$*" >&2; usage >&2; exit 2; }

# ---- argument parsing (before anything touches the machine) ----
CMD="${1:-}"
[[ -n $CMD ]] || usage_die "missing command"
shift
CONSENSUS_FLAG=""
ARGS=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --consensus) [[ $# -ge 2 ]] || usage_die "--consensus needs a value (bft or raft)"; CONSENSUS_FLAG=$2; shift 2 ;;
    --consensus=*) CONSENSUS_FLAG=${1#*=}; shift ;;
    -h|--help) usage; exit 0 ;;
    *) ARGS+=("$1"); shift ;;
  esac
done
case "$CONSENSUS_FLAG" in
  ""|bft|raft) ;;
  etcdraft) CONSENSUS_FLAG=raft ;;
  BFT|smartbft) CONSENSUS_FLAG=bft ;;
  *) usage_die "unknown consensus type '$CONSENSUS_FLAG' (use bft or raft)" ;;
esac
case "$CMD" in
  up|down|clean|status|deploy|define|logs|start-node|stop-node|add-org|remove-org) ;;
  help|-h|--help) usage; exit 0 ;;
  *) usage_die "unknown command '$CMD'" ;;
esac
[[ $PROV_HOME == /* ]] || PROV_HOME="$PWD/$PROV_HOME"

# The layout (provnet topology): an existing network keeps the topology it was
# created with (its copy in PROV_HOME) and, unless PROV_PORT_BASE is given,
# its port base (network.json); a new one takes PROV_TOPOLOGY, else
# network/topology.yaml, and PROV_PORT_BASE, else 7000.
ensure_provnet
load_topology
case "$CMD" in up|start-node|add-org) load_tuning ;; esac

# Consensus: the flag, else what the existing state was created with, else the
# topology's, else bft.
STATE_CONSENSUS=""
[[ -f $PROV_HOME/consensus ]] && STATE_CONSENSUS="$(<"$PROV_HOME/consensus")"
CONSENSUS="${CONSENSUS_FLAG:-${STATE_CONSENSUS:-${TOPOLOGY_CONSENSUS:-bft}}}"

# ---- helpers over all processes ----
# all_procs: every process name, in start order.
all_procs() { printf '%s\n' "${PROCS[@]}"; }

# proc_org NAME: the org index of a process (also of an extra chaincode's
# server, cc-NAME.<dir>.prov).
proc_org() { local rest=${1#*.}; org_index "${rest%%.*}"; }

need_tools() {
  command -v go >/dev/null 2>&1 || die "Go is required (chaincode and tool builds) but 'go' is not on PATH"
  command -v gcc >/dev/null 2>&1 || die "gcc is required (cgo builds) but 'gcc' is not on PATH"
  command -v curl >/dev/null 2>&1 || die "curl is required (health checks) but 'curl' is not on PATH"
  local b missing=0
  for b in peer orderer configtxgen osnadmin fabric-ca-server fabric-ca-client; do
    [[ -x $BIN/$b ]] || missing=1
  done
  if ((missing)); then
    log "Fabric binaries missing in $BIN: running scripts/install-fabric.sh"
    FABRIC_BIN_DIR="$BIN" "$REPO/scripts/install-fabric.sh" || die "installing Fabric binaries failed"
  fi
}

# need_home: PROV_HOME exists and is writable. A home created by a failed
# 'up' is removed again (see cleanup_on_fail).
CREATED_HOME=0
need_home() {
  [[ -d $PROV_HOME ]] || CREATED_HOME=1
  mkdir -p "$PROV_HOME" 2>/dev/null && [[ -w $PROV_HOME ]] && touch "$PROV_HOME/.prov-home" 2>/dev/null ||
    die "PROV_HOME '$PROV_HOME' is not writable"
  mkdir -p "$PROV_HOME/run" "$PROV_HOME/logs"
}

lock_home() {
  exec 9>"$PROV_HOME/.lock"
  flock -w 120 9 || die "another scripts/network.sh is working on $PROV_HOME"
}

# Processes started by this invocation: stopped again if it fails. Background
# jobs of 'up' start processes too, so the names also go to a file ($$ is
# this script's PID in its subshells as well).
STARTED=()
started_file() { echo "$PROV_HOME/run/started.$$"; }
start_proc_tracked() {
  STARTED+=("$1")
  [[ $CMD == up ]] && echo "$1" >>"$(started_file)"
  return 0
}
cleanup_on_fail() {
  local rc=$? n f
  f="$(started_file)"
  if [[ -f $f ]]; then
    mapfile -t STARTED < <(sort -u "$f")
    rm -f "$f"
  fi
  if ((rc != 0)) && ((${#STARTED[@]} > 0)); then
    log "failed: stopping the ${#STARTED[@]} processes this run started (logs kept in $PROV_HOME/logs)"
    for n in "${STARTED[@]}"; do stop_proc "$n" & done
    wait
  fi
  if ((rc != 0)) && ((CREATED_HOME)) && ((${#STARTED[@]} == 0)); then
    rm -rf "$PROV_HOME"
  fi
  exit $rc
}

# Wrap start_proc so that fd 9 (the lock) is not inherited and starts are tracked.
eval "orig_$(declare -f start_proc)"
start_proc() {
  local name=$1
  orig_start_proc "$@" 9>&-
  start_proc_tracked "$name"
}

# check_ports: none of the network's ports is taken by something other than
# the network's own running process. On loopback the listening ports are read
# once from /proc/net/tcp (a probe per port costs forks: slow on a busy
# machine); in netns mode each port is probed where it is served.
check_ports() {
  local p n busy=() listen=" " _sl loc _rem st _rest
  if netns_mode; then
    for n in "${PROCS[@]}"; do
      pid_alive "$n" && continue
      for p in ${PROC_PORTS[$n]}; do
        port_busy "$p" && busy+=("$p ($n)")
      done
    done
  else
    while read -r _sl loc _rem st _rest; do
      [[ $st == 0A ]] && listen+="$((16#${loc##*:})) "
    done < <(cat /proc/net/tcp /proc/net/tcp6 2>/dev/null)
    for n in "${PROCS[@]}"; do
      for p in ${PROC_PORTS[$n]}; do
        [[ $listen == *" $p "* ]] || continue
        pid_alive "$n" || busy+=("$p ($n)")
      done
    done
  fi
  ((${#busy[@]} == 0)) || die "port(s) already taken: ${busy[*]}; choose another PROV_PORT_BASE or stop what uses them"
}

# wait_all WHAT PID:LABEL...: wait for every background job; when some
# failed, die naming each failed LABEL (after all have finished, so that no
# job still runs while the failure is cleaned up).
wait_all() {
  local what=$1 j failed=(); shift
  for j in "$@"; do wait "${j%%:*}" || failed+=("${j#*:}"); done
  ((${#failed[@]} == 0)) || die "$what failed for ${failed[*]}"
}

# org_up ORG: the org's CA, its identities (on a new network: wait for the
# CA, enroll everything at once), then its ordering node and peer, which need
# nothing of the other orgs. Runs as a background job of 'up', one per org.
org_up() {
  local i=$1
  start_ca "$i"
  if [[ ! -f $PROV_HOME/crypto.done ]]; then
    wait_ca "$i" || { log "${N_CA[$i]} did not start (see $(log_file "${N_CA[$i]}"))"; return 1; }
    enroll_org "$i" || return 1
  fi
  has_orderer "$i" && start_orderer "$i"
  has_peer "$i" && start_peer "$i"
  return 0
}

# node_channel KIND ORG: wait for the node's health, join it to the channel
# and wait until it serves the channel; a peer then gets the chaincode
# package installed when the build is done by then (deploy_chaincode
# installs it otherwise). One background job per node.
node_channel() {
  local kind=$1 i=$2 name ops join has bin
  if [[ $kind == orderer ]]; then
    name="${N_ORD[$i]}" ops=${P_ORD_OPS[$i]} join=join_orderer has=orderer_has_channel
  else
    name="${N_PEER[$i]}" ops=${P_PEER_OPS[$i]} join=join_peer has=peer_has_channel
  fi
  wait_until 60 "$name /healthz" healthz_ok "$ops" || { log "$name not healthy (see $(log_file "$name"))"; return 1; }
  $join "$i" || return 1
  wait_until 30 "channel on $name" $has "$i" || return 1
  [[ $kind == peer && -s $PROV_HOME/run/ccbin ]] || return 0
  bin="$(<"$PROV_HOME/run/ccbin")"
  install_package "$i" "$(cc_package "$i" "${CC_NAME}_${bin##*.}")"
}

all_running() {
  local n
  while read -r n; do pid_alive "$n" || return 1; done < <(all_procs)
}

# ---- commands ----
cmd_up() {
  if [[ -n $STATE_CONSENSUS && -n $CONSENSUS_FLAG && $STATE_CONSENSUS != "$CONSENSUS_FLAG" ]]; then
    die "$PROV_HOME holds a $STATE_CONSENSUS network; run 'scripts/network.sh clean' before '--consensus $CONSENSUS_FLAG'"
  fi
  need_tools
  trap cleanup_on_fail EXIT
  need_home
  lock_home
  local t0=$SECONDS
  if all_running && [[ -f $PROV_HOME/chaincode/deployed.env && -f $PROV_HOME/network.json && -f $PROV_HOME/state.ready ]]; then
    local i ok=1
    for i in "${ORDERER_ORGS[@]}"; do healthz_ok "${P_ORD_OPS[$i]}" || ok=0; done
    for i in "${PEER_ORGS[@]}"; do healthz_ok "${P_PEER_OPS[$i]}" || ok=0; done
    if ((ok)); then
      log "network already up ($CONSENSUS, PROV_HOME=$PROV_HOME, port base $PROV_PORT_BASE)"
      trap - EXIT
      return 0
    fi
  fi
  netns_up
  check_ports
  echo "$CONSENSUS" >"$PROV_HOME/consensus"
  [[ -f $PROV_HOME/topology.yaml ]] || cp "$TOPOLOGY_FILE" "$PROV_HOME/topology.yaml"
  rm -f "$PROV_HOME/state.ready"

  # Builds run while the CAs start.
  local ccbin_file="$PROV_HOME/run/ccbin" bpid
  rm -f "$ccbin_file"
  (build_chaincode >"$ccbin_file.tmp" && mv "$ccbin_file.tmp" "$ccbin_file") & bpid=$!
  link_provnet

  # Every org at once: its CA, its identities, its nodes.
  local i jobs=()
  local new_crypto=1
  [[ -f $PROV_HOME/crypto.done ]] && new_crypto=0
  for i in "${ALL_ORGS[@]}"; do org_up "$i" & jobs+=("$!:${ORG_DIRS[$i]}"); done
  wait_all "CA start or enrollment (see $PROV_HOME/logs/enroll.log and the org's ca.*.log)" "${jobs[@]}"
  if ((new_crypto)); then
    touch "$PROV_HOME/crypto.done"
    log "CAs up, identities enrolled, nodes starting ($((SECONDS - t0)) s)"
  else
    log "nodes starting ($((SECONDS - t0)) s)"
  fi
  make_genesis
  write_profiles || die "writing network.json and the connection profiles failed"

  jobs=()
  for i in "${ORDERER_ORGS[@]}"; do node_channel orderer "$i" & jobs+=("$!:${N_ORD[$i]}"); done
  for i in "${PEER_ORGS[@]}"; do node_channel peer "$i" & jobs+=("$!:${N_PEER[$i]}"); done
  # The CAs of a restarted network are not needed by the nodes: checked here.
  if ((!new_crypto)); then
    for i in "${ALL_ORGS[@]}"; do wait_ca "$i" & jobs+=("$!:${N_CA[$i]}"); done
  fi

  if wait "$bpid"; then
    PREBUILT_CC="$(<"$ccbin_file")"
  elif [[ -f $PROV_HOME/chaincode/deployed.env ]] && (source "$PROV_HOME/chaincode/deployed.env" && [[ -x $CC_BIN ]]); then
    # Someone is mid-edit: keep serving the chaincode that is deployed.
    PREBUILT_CC="$(source "$PROV_HOME/chaincode/deployed.env" && echo "$CC_BIN")"
    log "warning: chaincode build failed (see $PROV_HOME/logs/build.log); keeping the deployed $(basename "$PREBUILT_CC")"
  else
    wait_all "starting nodes" "${jobs[@]}"
    die "chaincode build failed (see $PROV_HOME/logs/build.log)"
  fi
  wait_all "health, channel join or chaincode install" "${jobs[@]}"
  log "orderers and peers healthy, channel $CHANNEL on all nodes ($((SECONDS - t0)) s)"
  deploy_chaincode
  ready_and_init || die "gateways not ready to endorse (see output above)"
  touch "$PROV_HOME/state.ready"
  rm -f "$(started_file)"
  trap - EXIT
  log "network up: $CONSENSUS, channel $CHANNEL, chaincode $CC_NAME, PROV_HOME=$PROV_HOME, port base $PROV_PORT_BASE ($((SECONDS - t0)) s)"
}

cmd_deploy() {
  [[ -f $PROV_HOME/network.json ]] || die "no network in $PROV_HOME; run 'scripts/network.sh up' first"
  need_home
  lock_home
  need_tools
  local i
  for i in "${PEER_ORGS[@]}"; do pid_alive "${N_PEER[$i]}" || die "${N_PEER[$i]} is not running; run 'scripts/network.sh up'"; done
  link_provnet
  deploy_chaincode || die "deploy failed"
  ready_and_init || die "gateways not ready to endorse"
}

cmd_define() {
  local name=${ARGS[0]:-}
  [[ -n $name ]] || usage_die "define needs a chaincode name"
  [[ -f $PROV_HOME/network.json ]] || die "no network in $PROV_HOME; run 'scripts/network.sh up' first"
  need_home
  lock_home
  need_tools
  local i
  for i in "${PEER_ORGS[@]}"; do pid_alive "${N_PEER[$i]}" || die "${N_PEER[$i]} is not running; run 'scripts/network.sh up'"; done
  if [[ ${ARGS[1]:-} == --source ]]; then
    [[ -n ${ARGS[2]:-} ]] || usage_die "--source needs a Go package path (e.g. ./test/bench/refcc)"
    define_extra_chaincode "$name" "${ARGS[2]}" || die "define $name --source ${ARGS[2]} failed"
    return 0
  fi
  [[ -z ${ARGS[1]:-} ]] || usage_die "define: unknown argument '${ARGS[1]}'"
  define_chaincode "$name" || die "define $name failed"
}

cmd_down() {
  [[ -d $PROV_HOME ]] || { log "nothing to stop ($PROV_HOME does not exist)"; return 0; }
  local n stopped=0 groups
  stop_extra_ccservers
  # Chaincode servers and peers first, then orderers, then CAs.
  for groups in cc. peer0. orderer0. ca.; do
    while read -r n; do
      [[ $n == "$groups"* ]] || continue
      if pid_alive "$n"; then stopped=$((stopped + 1)); fi
      stop_proc "$n" &
    done < <(all_procs)
    wait
  done
  rm -f "$PROV_HOME/state.ready"
  log "stopped $stopped processes; state kept in $PROV_HOME"
}

cmd_clean() {
  cmd_down
  netns_down
  if [[ -d $PROV_HOME ]]; then
    [[ -f $PROV_HOME/.prov-home || -z "$(ls -A "$PROV_HOME")" ]] ||
      die "$PROV_HOME does not look like a network home (no .prov-home); not removing it"
    rm -rf "$PROV_HOME"
  fi
  log "removed $PROV_HOME"
}

cmd_status() {
  [[ -f $PROV_HOME/network.json ]] || { echo "no network in $PROV_HOME"; return 3; }
  printf '%-26s %-8s %-24s %-8s %-7s %s\n' NAME PID PORTS HEALTH HEIGHT ROLE
  local n pid ports health height role i leader="" down=0
  while read -r n; do
    i="$(proc_org "$n")"
    pid=- health=- height=- role=
    ports=${PROC_PORTS[$n]// /,}
    if pid_alive "$n"; then pid="$(<"$(pid_file "$n")")"; else down=$((down + 1)); fi
    case "$n" in
      ca.*) healthz_ok "${P_CA_OPS[$i]}" && health=ok || health=down ;;
      orderer0.*)
        healthz_ok "${P_ORD_OPS[$i]}" && health=ok || health=down
        height="$(orderer_height "$i")"; height=${height:--}
        if [[ $health == ok ]] && orderer_is_leader "$i"; then role=leader; leader=$n; fi ;;
      peer0.*)
        healthz_ok "${P_PEER_OPS[$i]}" && health=ok || health=down
        height="$(peer_height "$i")"; height=${height:--} ;;
      cc.*) [[ $pid != - ]] && port_busy "${P_CC[$i]}" && health=ok || health=down ;;
    esac
    printf '%-26s %-8s %-24s %-8s %-7s %s\n' "$n" "$pid" "$ports" "$health" "$height" "$role"
  done < <(all_procs)
  echo "consensus: $CONSENSUS   channel: $CHANNEL   leader: ${leader:-none}   PROV_HOME: $PROV_HOME"
  if [[ -f $PROV_HOME/chaincode/deployed.env ]]; then
    (source "$PROV_HOME/chaincode/deployed.env" && echo "chaincode: $CC_NAME version $CC_VERSION sequence $CC_SEQUENCE")
  fi
  ((down == 0))
}

cmd_logs() {
  local name="" follow=0 a
  for a in "${ARGS[@]+"${ARGS[@]}"}"; do
    case "$a" in -f|--follow) follow=1 ;; *) name=$a ;; esac
  done
  [[ -d $PROV_HOME/logs ]] || die "no logs in $PROV_HOME"
  if [[ -n $name ]]; then
    [[ -f $(log_file "$name") ]] || die "no log for '$name' (known: $(cd "$PROV_HOME/logs" && ls | sed 's/\.log$//' | tr '\n' ' '))"
    if ((follow)); then exec tail -n 50 -f "$(log_file "$name")"; fi
    tail -n 200 "$(log_file "$name")"
  else
    if ((follow)); then exec tail -n 5 -f "$PROV_HOME"/logs/*.log; fi
    tail -n 20 "$PROV_HOME"/logs/*.log
  fi
}

cmd_start_node() {
  local n=${ARGS[0]:-} i
  [[ -n $n ]] || usage_die "start-node needs a process name (see 'status')"
  [[ -f $PROV_HOME/network.json ]] || die "no network in $PROV_HOME"
  i="$(proc_org "$n")" || die "unknown process '$n'"
  need_home
  case "$n" in
    ca.*) start_ca "$i"; wait_ca "$i" ;;
    orderer0.*) start_orderer "$i"; wait_until 60 "$n /healthz" healthz_ok "${P_ORD_OPS[$i]}" ;;
    peer0.*) start_peer "$i"; wait_until 60 "$n /healthz" healthz_ok "${P_PEER_OPS[$i]}" ;;
    cc.*)
      [[ -f $PROV_HOME/chaincode/deployed.env ]] || die "chaincode not deployed"
      # shellcheck disable=SC1091
      source "$PROV_HOME/chaincode/deployed.env"
      local v="PKGID_$i"
      start_ccserver "$i" "$CC_BIN" "${!v}"
      wait_until 30 "$n listening" port_busy "${P_CC[$i]}" ;;
    *) die "unknown process '$n'" ;;
  esac
}

cmd_stop_node() {
  local n=${ARGS[0]:-}
  [[ -n $n ]] || usage_die "stop-node needs a process name (see 'status')"
  proc_org "$n" >/dev/null || die "unknown process '$n'"
  stop_proc "$n"
}

case "$CMD" in
  up) cmd_up ;;
  down) cmd_down ;;
  clean) cmd_clean ;;
  status) cmd_status ;;
  deploy) cmd_deploy ;;
  define) cmd_define ;;
  logs) cmd_logs ;;
  start-node) cmd_start_node ;;
  stop-node) cmd_stop_node ;;
  add-org) cmd_add_org ;;
  remove-org) cmd_remove_org ;;
esac
