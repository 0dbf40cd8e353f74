# shellcheck shell=bash
# Common settings and helpers for scripts/network.sh: topology, ports, paths,
# process management by PID file, waiting on endpoints (never fixed sleeps).

DEFAULT_TOPOLOGY="$REPO/network/topology.yaml"

# provnet (network/cmd/provnet) owns the network's layout: it parses the
# topology file and computes every port, endpoint, name and path. It is built
# once per checkout into network/bin (gitignored) and rebuilt when a source
# file of its packages (listed in provnet.deps at build time), go.mod or
# go.sum is newer than the binary: the check is one find, the rebuild under a
# lock, so that parallel scripts share one build.
PROVNET="$REPO/network/bin/provnet"
ensure_provnet() {
  local deps=() tmp
  if [[ -x $PROVNET && -s $PROVNET.deps ]]; then
    mapfile -t deps <"$PROVNET.deps"
    [[ -z "$(find "${deps[@]}" -newer "$PROVNET" -print -quit 2>/dev/null)" ]] && return 0
  fi
  command -v go >/dev/null 2>&1 || die "Go is required (chaincode and tool builds) but 'go' is not on PATH"
  mkdir -p "${PROVNET%/*}" || die "cannot create ${PROVNET%/*}"
  tmp="$PROVNET.tmp.$$"
  (
    flock -w 600 8 || exit 1
    # Starting from the current binary, go build relinks only when it is
    # out of date.
    [[ -x $PROVNET ]] && cp "$PROVNET" "$tmp"
    cd "$REPO" && go build -o "$tmp" ./network/cmd/provnet &&
      go list -deps -f '{{if .Module}}{{if .Module.Main}}{{.Dir}}{{end}}{{end}}' ./network/cmd/provnet >"$PROVNET.deps.tmp" &&
      printf '%s\n' "$REPO/go.mod" "$REPO/go.sum" >>"$PROVNET.deps.tmp" &&
      touch "$tmp" && mv -f "$tmp" "$PROVNET" && mv -f "$PROVNET.deps.tmp" "$PROVNET.deps"
  ) 8>"${PROVNET%/*}/.provnet.lock" || { rm -f "$tmp"; die "building provnet (./network/cmd/provnet) failed"; }
}

# load_topology [FILE]: the network's layout as global variables (eval of
# provnet topology; a refused topology or port base is a usage error naming
# the file, line and key). Without FILE the topology is the network's copy
# in PROV_HOME, else PROV_TOPOLOGY, else network/topology.yaml. It sets:
#   ORG_DIRS ORG_NAMES ORG_MSPS ORG_ROLES ORG_BADROLES (the role the test
#     identity badrole wrongly carries) ORG_HOME, ORG_PEER and ORG_ORDERER (1
#     or 0; 0 for a removed org): per org index i (line order in the file)
#   ALL_ORGS PEER_ORGS ORDERER_ORGS: indexes of the orgs taking part
#   P_<X>[i] the port and EP_<X>[i] the host:port others reach it at, X in
#     CA CA_OPS ORD ORD_ADMIN ORD_OPS PEER PEER_CC PEER_OPS CC XCC (an extra
#     chaincode's server); BIND[i] the address org i's processes listen on
#   N_CA N_ORD N_PEER N_CC process names; PROCS every process in start order;
#     PROC_PORTS[name] its ports; PORT_HOST[port] the address serving it
#   netns mode: ORG_IP NETNS VETH BRIDGE NET_PREFIX HOSTS_BEGIN HOSTS_END
#     HOSTS_LINES
#   TOPOLOGY_FILE TOPOLOGY_CONSENSUS TOPOLOGY_HOSTS PROV_PORT_BASE PORT_SPAN
#     CHANNEL CC_NAME
load_topology() {
  local out
  out="$(topology_sh "$@")" || usage_die "$(topology_sh "$@" 2>&1 >/dev/null)"
  eval "$out"
}
topology_sh() {
  local args=(-home "$PROV_HOME" -port-base "${PROV_PORT_BASE:-}")
  if [[ -n ${1:-} ]]; then args+=(-file "$1"); else args+=(-topology "${PROV_TOPOLOGY:-}" -default "$DEFAULT_TOPOLOGY"); fi
  "$PROVNET" topology "${args[@]}"
}

# write_profiles: PROV_HOME/network.json and each peer org's connection
# profiles (connection.json, connection.yaml), written by provnet (package
# network/netdesc) from the topology.
write_profiles() {
  "$PROVNET" profiles -home "$PROV_HOME" -file "$TOPOLOGY_FILE" -port-base "$PROV_PORT_BASE" -repo "$REPO" -bin "$BIN" -consensus "$CONSENSUS"
}

log() { printf '%s network: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { printf 'network: error: %s\n' "$*" >&2; exit 1; }

has_peer() { [[ ${ORG_PEER[$1]} == 1 ]]; }
has_orderer() { [[ ${ORG_ORDERER[$1]} == 1 ]]; }
# orderer_for ORG: the org whose ordering node ORG's admin tools talk to: its
# own, else the first in the topology.
orderer_for() { if has_orderer "$1"; then echo "$1"; else echo "${ORDERER_ORGS[0]}"; fi; }

pid_file() { echo "$PROV_HOME/run/$1.pid"; }
log_file() { echo "$PROV_HOME/logs/$1.log"; }
node_data() { echo "$PROV_HOME/data/$1"; }

# index of an org by dir name
org_index() {
  local i
  for i in "${ALL_ORGS[@]}"; do [[ ${ORG_DIRS[$i]} == "$1" ]] && { echo "$i"; return 0; }; done
  return 1
}

# pid_alive NAME: the PID file exists and its process runs one of our binaries.
pid_alive() {
  local f pid
  f="$(pid_file "$1")"
  [[ -f $f ]] || return 1
  pid="$(<"$f")"
  [[ -n $pid ]] && proc_running "$pid" || return 1
  # Guard against PID reuse: the process must be started from our paths.
  grep -qa -e "$BIN" -e "$PROV_HOME" "/proc/$pid/cmdline" 2>/dev/null
}

# start_proc NAME CMD...: start a daemon in its own session, log to its log
# file, record its PID. Environment comes from the caller.
start_proc() {
  local name=$1; shift
  mkdir -p "$PROV_HOME/run" "$PROV_HOME/logs"
  # setsid: the daemon outlives this shell and gets no terminal signals. In
  # netns mode it runs in its organization's namespace (ip netns exec execs
  # it: the PID is the daemon's).
  local ns=()
  netns_mode && ns=(ip netns exec "${NETNS[$(proc_org "$name")]}")
  setsid "${ns[@]}" "$@" >>"$(log_file "$name")" 2>&1 </dev/null &
  echo $! >"$(pid_file "$name")"
}

# proc_running PID: alive and not a zombie (an exited daemon may wait a while
# for its adoptive parent to reap it).
proc_running() {
  local st
  kill -0 "$1" 2>/dev/null || return 1
  st="$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" || return 1
  [[ -n $st && $st != Z ]]
}

# stop_proc NAME: SIGTERM, then SIGKILL after 10 s; only our own PID.
stop_proc() {
  local name=$1 f pid i
  f="$(pid_file "$name")"
  [[ -f $f ]] || return 0
  if pid_alive "$name"; then
    pid="$(<"$f")"
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
      proc_running "$pid" || break
      sleep 0.05
    done
    proc_running "$pid" && kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}

# ---- hosts: where each organization's processes live ----
# hosts: loopback (default): every process on 127.0.0.1. hosts: netns: one
# Linux network namespace per organization ("one org per host"), joined by a
# bridge; org i has the address $NET_PREFIX.(10+i), its nodes are reached by
# the host names in their TLS certificates (peer0.<dir>.prov, ...), which a
# block of /etc/hosts owned by this network maps to that address.
netns_mode() { [[ ${TOPOLOGY_HOSTS:-loopback} == netns ]]; }

# in_host ORG CMD...: run CMD where org's processes live.
in_host() {
  local i=$1; shift
  if netns_mode; then ip netns exec "${NETNS[$i]}" "$@"; else "$@"; fi
}

# hosts_remove: drop this network's block from /etc/hosts (in place: the file
# may be a bind mount).
hosts_remove() {
  [[ -w /etc/hosts ]] || return 0
  local tmp
  tmp="$(mktemp)"
  awk -v b="$HOSTS_BEGIN" -v e="$HOSTS_END" \
    '$0 == b { skip = 1; next } $0 == e { skip = 0; next } !skip' /etc/hosts >"$tmp" && cat "$tmp" >/etc/hosts
  rm -f "$tmp"
}

# netns_up: the bridge, one namespace per organization with its veth and
# address, and the /etc/hosts block. Idempotent.
netns_up() {
  netns_mode || return 0
  command -v ip >/dev/null 2>&1 || die "hosts: netns needs iproute2 ('ip' is not on PATH)"
  [[ $(id -u) == 0 ]] || die "hosts: netns needs root (network namespaces, a bridge, /etc/hosts)"
  local br=$BRIDGE p=$NET_PREFIX i ns v other
  # Host names are the same in every such network (peer0.customs.prov, ...):
  # one netns network per machine at a time.
  other="$(grep '^# BEGIN prov network ' /etc/hosts 2>/dev/null | grep -vxF "$HOSTS_BEGIN" | head -1 || true)"
  [[ -z $other ]] || die "another netns network owns the host names (/etc/hosts: '${other#\# BEGIN }'); clean it first"
  if ! ip link show "$br" >/dev/null 2>&1; then
    ip link add "$br" type bridge || die "cannot create bridge $br"
    ip addr add "$p.1/24" dev "$br"
    ip link set "$br" up
  fi
  for i in "${ALL_ORGS[@]}"; do
    ns=${NETNS[$i]} v=${VETH[$i]}
    ip netns list | grep -qx "$ns\( .*\)\?" && continue
    ip netns add "$ns" || die "cannot create network namespace $ns"
    ip link add "$v" type veth peer name "${v}n"
    ip link set "${v}n" netns "$ns"
    ip link set "$v" master "$br" up
    ip -n "$ns" addr add "${ORG_IP[$i]}/24" dev "${v}n"
    ip -n "$ns" link set "${v}n" up
    ip -n "$ns" link set lo up
    ip -n "$ns" route add default via "$p.1"
  done
  hosts_remove
  printf '%s\n' "$HOSTS_BEGIN" "${HOSTS_LINES[@]}" "$HOSTS_END" >>/etc/hosts
}

# netns_down: remove the namespaces (their processes must be stopped), the
# bridge and the /etc/hosts block.
netns_down() {
  netns_mode || return 0
  local i ns
  for i in "${!ORG_DIRS[@]}"; do
    ns=${NETNS[$i]}
    ip netns list | grep -qx "$ns\( .*\)\?" && ip netns delete "$ns"
    ip link delete "${VETH[$i]}" >/dev/null 2>&1 || true
  done
  ip link delete "$BRIDGE" >/dev/null 2>&1 || true
  hosts_remove
}

# port_busy PORT: something accepts connections on PORT where it is served.
port_busy() { (exec 3<>"/dev/tcp/${PORT_HOST[$1]}/$1") 2>/dev/null; }

# wait_until TIMEOUT_S DESCRIPTION CMD...: poll CMD every 100 ms.
wait_until() {
  local timeout=$1 what=$2; shift 2
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      log "timed out after ${timeout}s waiting for $what"
      return 1
    fi
    sleep 0.1
  done
}

healthz_ok() { curl -sf -m 2 "http://${PORT_HOST[$1]}:$1/healthz" >/dev/null; }

# metric PORT NAME [KEY=VALUE]: a Prometheus metric of the node serving PORT
# (provnet metric), or nothing when it has none or does not answer.
metric() {
  "$PROVNET" metric -addr "${PORT_HOST[$1]}:$1" -name "$2" ${3:+-label "$3"} 2>/dev/null || true
}
