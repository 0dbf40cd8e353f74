# shellcheck shell=bash
# Common settings and helpers for scripts/network.sh: topology, ports, paths,
# process management by PID file, waiting on endpoints (never fixed sleeps).

CHANNEL=supplychain
CC_NAME=provenance

# Organizations come from a topology file (network/topology.yaml by default;
# load_topology below). Org i owns PROV_PORT_BASE + 20*i + offset.
OFF_CA=0 OFF_CA_OPS=1 OFF_ORD=2 OFF_ORD_ADMIN=3 OFF_ORD_OPS=4
OFF_PEER=5 OFF_PEER_CC=6 OFF_PEER_OPS=7 OFF_CCSERVER=8
DEFAULT_TOPOLOGY="$REPO/network/topology.yaml"

# load_topology FILE: fills the org arrays (index i = line order): ORG_DIRS,
# ORG_NAMES, ORG_MSPS, ORG_ROLES, ORG_BADROLES (the role the test identity
# badrole wrongly carries), ORG_PEER and ORG_ORDERER (1 or 0), PEER_ORGS,
# ORDERER_ORGS, ALL_ORGS, PORT_SPAN and TOPOLOGY_CONSENSUS. The file is YAML
# restricted to one flow mapping per organization per line (see the file).
load_topology() {
  local f=$1 line n=0 body kv k v dir name msp role peer orderer removed i j
  [[ -r $f ]] || usage_die "topology file '$f' not found"
  ORG_DIRS=() ORG_NAMES=() ORG_MSPS=() ORG_ROLES=() ORG_BADROLES=() ORG_PEER=() ORG_ORDERER=()
  PEER_ORGS=() ORDERER_ORGS=() ALL_ORGS=() TOPOLOGY_CONSENSUS="" TOPOLOGY_HOSTS=loopback
  while IFS= read -r line || [[ -n $line ]]; do
    n=$((n + 1))
    line=${line%%#*}
    [[ $line =~ ^[[:space:]]*$ || $line =~ ^orgs:[[:space:]]*$ ]] && continue
    if [[ $line =~ ^consensus:[[:space:]]*([a-z]*)[[:space:]]*$ ]]; then
      TOPOLOGY_CONSENSUS=${BASH_REMATCH[1]}
      continue
    fi
    if [[ $line =~ ^hosts:[[:space:]]*([a-z]*)[[:space:]]*$ ]]; then
      TOPOLOGY_HOSTS=${BASH_REMATCH[1]}
      [[ $TOPOLOGY_HOSTS == loopback || $TOPOLOGY_HOSTS == netns ]] ||
        usage_die "$f line $n: hosts '$TOPOLOGY_HOSTS' is not loopback or netns"
      continue
    fi
    [[ $line =~ ^[[:space:]]+-[[:space:]]*\{(.*)\}[[:space:]]*$ ]] ||
      usage_die "$f line $n: expected '  - {dir: ..., name: ..., msp: ..., role: ..., peer: true|false, orderer: true|false}'"
    body=${BASH_REMATCH[1]}
    dir="" name="" msp="" role="-" peer="" orderer="" removed=false
    IFS=',' read -ra kv <<<"$body"
    for k in "${kv[@]}"; do
      [[ $k =~ ^[[:space:]]*([a-z]+):[[:space:]]*(\"[^\"]*\"|[^[:space:]]*)[[:space:]]*$ ]] ||
        usage_die "$f line $n: cannot read '$k' (want key: value)"
      v=${BASH_REMATCH[2]}
      v=${v#\"}
      v=${v%\"}
      case "${BASH_REMATCH[1]}" in
        dir) dir=$v ;; name) name=$v ;; msp) msp=$v ;; role) role=$v ;; peer) peer=$v ;; orderer) orderer=$v ;;
        removed) removed=$v ;;
        *) usage_die "$f line $n: unknown key '${BASH_REMATCH[1]}'" ;;
      esac
    done
    [[ $dir =~ ^[a-z][a-z0-9]*$ ]] || usage_die "$f line $n: dir '$dir' must be lower-case letters and digits"
    [[ $name =~ ^[A-Za-z][A-Za-z0-9]*$ ]] || usage_die "$f line $n: name '$name' must be letters and digits"
    [[ $msp =~ ^[A-Za-z][A-Za-z0-9]*$ ]] || usage_die "$f line $n: msp '$msp' must be letters and digits"
    case "$role" in manufacturer | distributor | customs | "") ;; *) usage_die "$f line $n: role '$role' is not manufacturer, distributor, customs or \"\"" ;; esac
    case "$peer" in true | false) ;; *) usage_die "$f line $n: peer must be true or false" ;; esac
    case "$orderer" in true | false) ;; *) usage_die "$f line $n: orderer must be true or false" ;; esac
    case "$removed" in true | false) ;; *) usage_die "$f line $n: removed must be true or false" ;; esac
    [[ $peer == false || -n $role ]] || usage_die "$f line $n: $dir runs a peer, so it needs a role"
    [[ $peer == true || $orderer == true ]] || usage_die "$f line $n: $dir runs neither a peer nor an ordering node"
    i=${#ORG_DIRS[@]}
    for ((j = 0; j < i; j++)); do
      [[ ${ORG_DIRS[$j]} != "$dir" && ${ORG_MSPS[$j]} != "$msp" && ${ORG_NAMES[$j]} != "$name" ]] ||
        usage_die "$f line $n: dir, name or msp repeats an earlier organization"
    done
    ORG_DIRS+=("$dir") ORG_NAMES+=("$name") ORG_MSPS+=("$msp") ORG_ROLES+=("$role")
    case "$role" in
      manufacturer) ORG_BADROLES+=(distributor) ;; distributor) ORG_BADROLES+=(customs) ;;
      customs) ORG_BADROLES+=(manufacturer) ;; *) ORG_BADROLES+=("") ;;
    esac
    # A removed organization (scripts/network.sh remove-org) keeps its index,
    # so that the others keep their ports, and takes no further part.
    if [[ $removed == true ]]; then
      ORG_PEER+=(0) ORG_ORDERER+=(0)
      continue
    fi
    ALL_ORGS+=("$i")
    if [[ $peer == true ]]; then ORG_PEER+=(1) PEER_ORGS+=("$i"); else ORG_PEER+=(0); fi
    if [[ $orderer == true ]]; then ORG_ORDERER+=(1) ORDERER_ORGS+=("$i"); else ORG_ORDERER+=(0); fi
  done <"$f"
  ((${#PEER_ORGS[@]} > 0)) || usage_die "$f: no organization runs a peer"
  ((${#ORDERER_ORGS[@]} > 0)) || usage_die "$f: no organization runs an ordering node"
  case "$TOPOLOGY_CONSENSUS" in "" | bft | raft) ;; *) usage_die "$f: consensus '$TOPOLOGY_CONSENSUS' is not bft or raft" ;; esac
  PORT_SPAN=$((20 * ${#ORG_DIRS[@]}))
}

log() { printf '%s network: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { printf 'network: error: %s\n' "$*" >&2; exit 1; }

port() { echo $((PROV_PORT_BASE + 20 * $2 + $1)); }   # port OFFSET ORG
has_peer() { [[ ${ORG_PEER[$1]} == 1 ]]; }
has_orderer() { [[ ${ORG_ORDERER[$1]} == 1 ]]; }
# orderer_for ORG: the org whose ordering node ORG's admin tools talk to: its
# own, else the first in the topology.
orderer_for() { if has_orderer "$1"; then echo "$1"; else echo "${ORDERER_ORGS[0]}"; fi; }

peer_name() { echo "peer0.${ORG_DIRS[$1]}.prov"; }
orderer_name() { echo "orderer0.${ORG_DIRS[$1]}.prov"; }
ca_name() { echo "ca.${ORG_DIRS[$1]}.prov"; }
cc_name() { echo "cc.${ORG_DIRS[$1]}.prov"; }

org_home() { echo "$PROV_HOME/orgs/${ORG_DIRS[$1]}"; }
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
  netns_mode && ns=(ip netns exec "$(netns_name "$(proc_org "$name")")")
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
NET_PREFIX() { echo "10.$((PROV_PORT_BASE / 256 % 256)).$((PROV_PORT_BASE % 256))"; }
org_ip() { echo "$(NET_PREFIX).$((10 + $1))"; }
netns_name() { echo "prov${PROV_PORT_BASE}-${ORG_DIRS[$1]}"; }
bridge_name() { echo "provbr${PROV_PORT_BASE}"; }

# bind_host ORG: the address org's processes listen on.
bind_host() { if netns_mode; then org_ip "$1"; else echo 127.0.0.1; fi; }

# ep OFFSET ORG: host:port by which others reach a node of org: 127.0.0.1,
# or in netns mode the node's host name (what its TLS certificate names).
ep() {
  local off=$1 i=$2 h=127.0.0.1 d=${ORG_DIRS[$2]}
  if netns_mode; then
    case "$off" in
      "$OFF_CA" | "$OFF_CA_OPS") h="ca.$d.prov" ;;
      "$OFF_ORD" | "$OFF_ORD_ADMIN" | "$OFF_ORD_OPS") h="orderer0.$d.prov" ;;
      "$OFF_CCSERVER") h="cc.$d.prov" ;;
      *) h="peer0.$d.prov" ;;
    esac
  fi
  echo "$h:$(port "$off" "$i")"
}

# host_of_port PORT: the address serving PORT (ports are per organization).
host_of_port() {
  if netns_mode; then org_ip $((($1 - PROV_PORT_BASE) / 20)); else echo 127.0.0.1; fi
}

# in_host ORG CMD...: run CMD where org's processes live.
in_host() {
  local i=$1; shift
  if netns_mode; then ip netns exec "$(netns_name "$i")" "$@"; else "$@"; fi
}

# hosts_block: the /etc/hosts lines of this network (netns mode).
hosts_block() {
  local i d
  echo "# BEGIN prov network $PROV_HOME"
  for i in "${ALL_ORGS[@]}"; do
    d=${ORG_DIRS[$i]}
    echo "$(org_ip "$i") ca.$d.prov tlsca.$d.prov orderer0.$d.prov peer0.$d.prov cc.$d.prov"
  done
  echo "# END prov network $PROV_HOME"
}

# hosts_remove: drop this network's block from /etc/hosts (in place: the file
# may be a bind mount).
hosts_remove() {
  [[ -w /etc/hosts ]] || return 0
  local tmp
  tmp="$(mktemp)"
  awk -v b="# BEGIN prov network $PROV_HOME" -v e="# END prov network $PROV_HOME" \
    '$0 == b { skip = 1; next } $0 == e { skip = 0; next } !skip' /etc/hosts >"$tmp" && cat "$tmp" >/etc/hosts
  rm -f "$tmp"
}

# netns_up: the bridge, one namespace per organization with its veth and
# address, and the /etc/hosts block. Idempotent.
netns_up() {
  netns_mode || return 0
  command -v ip >/dev/null 2>&1 || die "hosts: netns needs iproute2 ('ip' is not on PATH)"
  [[ $(id -u) == 0 ]] || die "hosts: netns needs root (network namespaces, a bridge, /etc/hosts)"
  local br i ns v p other
  # Host names are the same in every such network (peer0.customs.prov, ...):
  # one netns network per machine at a time.
  other="$(grep '^# BEGIN prov network ' /etc/hosts 2>/dev/null | grep -vxF "# BEGIN prov network $PROV_HOME" | head -1 || true)"
  [[ -z $other ]] || die "another netns network owns the host names (/etc/hosts: '${other#\# BEGIN }'); clean it first"
  br="$(bridge_name)" p="$(NET_PREFIX)"
  if ! ip link show "$br" >/dev/null 2>&1; then
    ip link add "$br" type bridge || die "cannot create bridge $br"
    ip addr add "$p.1/24" dev "$br"
    ip link set "$br" up
  fi
  for i in "${ALL_ORGS[@]}"; do
    ns="$(netns_name "$i")" v="pv${PROV_PORT_BASE}x$i"
    ip netns list | grep -qx "$ns\( .*\)\?" && continue
    ip netns add "$ns" || die "cannot create network namespace $ns"
    ip link add "$v" type veth peer name "${v}n"
    ip link set "${v}n" netns "$ns"
    ip link set "$v" master "$br" up
    ip -n "$ns" addr add "$(org_ip "$i")/24" dev "${v}n"
    ip -n "$ns" link set "${v}n" up
    ip -n "$ns" link set lo up
    ip -n "$ns" route add default via "$p.1"
  done
  hosts_remove
  hosts_block >>/etc/hosts
}

# netns_down: remove the namespaces (their processes must be stopped), the
# bridge and the /etc/hosts block.
netns_down() {
  netns_mode || return 0
  local i ns
  for i in "${!ORG_DIRS[@]}"; do
    ns="$(netns_name "$i")"
    ip netns list | grep -qx "$ns\( .*\)\?" && ip netns delete "$ns"
    ip link delete "pv${PROV_PORT_BASE}x$i" >/dev/null 2>&1 || true
  done
  ip link delete "$(bridge_name)" >/dev/null 2>&1 || true
  hosts_remove
}

# port_busy PORT: something accepts connections on PORT where it is served.
port_busy() { (exec 3<>"/dev/tcp/$(host_of_port "$1")/$1") 2>/dev/null; }

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

healthz_ok() { curl -sf -m 2 "http://$(host_of_port "$1"):$1/healthz" >/dev/null; }

# metric PORT NAME [KEY=VALUE]: a Prometheus metric of the node serving PORT
# (provnet metric), or nothing when it has none or does not answer.
metric() {
  "$PROV_HOME/bin/provnet" metric -addr "$(host_of_port "$1"):$1" -name "$2" ${3:+-label "$3"} 2>/dev/null || true
}

# pem_json FILE: file content as a JSON string with \n escapes.
pem_json() { printf '"%s"' "$(awk '{printf "%s\\n", $0}' "$1")"; }
