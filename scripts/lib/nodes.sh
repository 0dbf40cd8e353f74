# shellcheck shell=bash
# Channel genesis (configtx.yaml written by provnet), ordering nodes, peers and
# channel joins.

CFG_DIR="$REPO/network/config"

# configtx_yaml [-out FILE]: the channel's configtx.yaml (the SupplyChain
# profile for CONSENSUS, every organization for -printOrg), written by
# provnet from the layout and the ordering knobs PROV_BFT_*, PROV_BATCH_*,
# ... (package network/netdesc, configfiles.go and tuning.go).
configtx_yaml() {
  "$PROVNET" configtx -home "$PROV_HOME" -file "$TOPOLOGY_FILE" -port-base "$PROV_PORT_BASE" \
    -consensus "$CONSENSUS" "$@"
}

# load_tuning: the node settings of the tuning knobs (provnet tuning checks
# every knob, also the genesis ones, before anything starts).
load_tuning() {
  local out
  out="$("$PROVNET" tuning 2>&1)" || usage_die "$out"
  eval "$out"
}

make_genesis() {
  local d="$PROV_HOME/channel"
  [[ -s $d/genesis.block ]] && return 0
  local out
  mkdir -p "$d"
  out="$(configtx_yaml -out "$d/configtx.yaml" 2>&1)" || die "$out"
  FABRIC_CFG_PATH="$d" "$BIN/configtxgen" -profile SupplyChain -channelID "$CHANNEL" \
    -outputBlock "$d/genesis.block.tmp" >>"$PROV_HOME/logs/configtxgen.log" 2>&1 ||
    die "configtxgen failed (see $PROV_HOME/logs/configtxgen.log)"
  mv "$d/genesis.block.tmp" "$d/genesis.block"
}

start_orderer() {
  local i=$1 on oh data tls
  on="${N_ORD[$i]}" oh="${ORG_HOME[$i]}" data="$(node_data "$on")"
  pid_alive "$on" && return 0
  tls="$oh/orderers/$on/tls"
  # Raft followers wait this long for a dead leader before refusing a
  # forwarded transaction (default 7 s); keep failures fast.
  local RPC_TIMEOUT=7s
  [[ $CONSENSUS == raft ]] && RPC_TIMEOUT=1s
  # PROV_PPROF=1: Go's pprof on base+20i+18 (for profiling runs only).
  local prof=()
  [[ ${PROV_PPROF:-} == 1 ]] &&
    prof=(ORDERER_GENERAL_PROFILE_ENABLED=true ORDERER_GENERAL_PROFILE_ADDRESS="${BIND[$i]}:$((P_ORD_OPS[i] + 14))")
  mkdir -p "$data"
  start_proc "$on" env FABRIC_CFG_PATH="$CFG_DIR" "${prof[@]}" \
    FABRIC_LOGGING_SPEC="${PROV_ORDERER_LOGGING:-info:grpc=warn:comm.grpc.server=warn}" \
    ORDERER_GENERAL_LISTENADDRESS="${BIND[$i]}" \
    ORDERER_GENERAL_LISTENPORT="${P_ORD[$i]}" \
    ORDERER_GENERAL_LOCALMSPID="${ORG_MSPS[$i]}" \
    ORDERER_GENERAL_LOCALMSPDIR="$oh/orderers/$on/msp" \
    ORDERER_GENERAL_TLS_ENABLED=true \
    ORDERER_GENERAL_TLS_PRIVATEKEY="$tls/server.key" \
    ORDERER_GENERAL_TLS_CERTIFICATE="$tls/server.crt" \
    ORDERER_GENERAL_TLS_ROOTCAS="[$tls/ca.crt]" \
    ORDERER_GENERAL_CLUSTER_CLIENTCERTIFICATE="$tls/server.crt" \
    ORDERER_GENERAL_CLUSTER_CLIENTPRIVATEKEY="$tls/server.key" \
    ORDERER_GENERAL_BOOTSTRAPMETHOD=none \
    ORDERER_GENERAL_BACKOFF_MAXDELAY=5s \
    ORDERER_GENERAL_CLUSTER_RPCTIMEOUT="$RPC_TIMEOUT" \
    ORDERER_CHANNELPARTICIPATION_ENABLED=true \
    ORDERER_FILELEDGER_LOCATION="$data/ledger" \
    ORDERER_CONSENSUS_WALDIR="$data/wal" \
    ORDERER_CONSENSUS_SNAPDIR="$data/snap" \
    ORDERER_ADMIN_LISTENADDRESS="${BIND[$i]}:${P_ORD_ADMIN[$i]}" \
    ORDERER_ADMIN_TLS_ENABLED=true \
    ORDERER_ADMIN_TLS_PRIVATEKEY="$tls/server.key" \
    ORDERER_ADMIN_TLS_CERTIFICATE="$tls/server.crt" \
    ORDERER_ADMIN_TLS_ROOTCAS="[$tls/ca.crt]" \
    ORDERER_ADMIN_TLS_CLIENTAUTHREQUIRED=true \
    ORDERER_ADMIN_TLS_CLIENTROOTCAS="[$tls/ca.crt]" \
    ORDERER_OPERATIONS_LISTENADDRESS="${BIND[$i]}:${P_ORD_OPS[$i]}" \
    ORDERER_METRICS_PROVIDER=prometheus \
    "$BIN/orderer"
}

start_peer() {
  local i=$1 pn oh data tls addr
  pn="${N_PEER[$i]}" oh="${ORG_HOME[$i]}" data="$(node_data "$pn")"
  pid_alive "$pn" && return 0
  tls="$oh/peers/$pn/tls"
  addr="${EP_PEER[$i]}"
  # PROV_PPROF=1: Go's pprof on base+20i+19 (for profiling runs only).
  local prof=()
  [[ ${PROV_PPROF:-} == 1 ]] &&
    prof=(CORE_PEER_PROFILE_ENABLED=true CORE_PEER_PROFILE_LISTENADDRESS="${BIND[$i]}:$((P_PEER_OPS[i] + 12))")
  mkdir -p "$data"
  start_proc "$pn" env FABRIC_CFG_PATH="$CFG_DIR" "${prof[@]}" \
    FABRIC_LOGGING_SPEC="${PROV_PEER_LOGGING:-info:grpc=warn:comm.grpc.server=warn}" \
    CORE_PEER_ID="$pn" \
    CORE_PEER_ADDRESS="$addr" \
    CORE_PEER_LISTENADDRESS="${BIND[$i]}:${P_PEER[$i]}" \
    CORE_PEER_CHAINCODEADDRESS="${EP_PEER_CC[$i]}" \
    CORE_PEER_CHAINCODELISTENADDRESS="${BIND[$i]}:${P_PEER_CC[$i]}" \
    CORE_PEER_GOSSIP_BOOTSTRAP="$addr" \
    CORE_PEER_GOSSIP_EXTERNALENDPOINT="$addr" \
    CORE_PEER_GOSSIP_RECONNECTINTERVAL=2s \
    CORE_PEER_DELIVERYCLIENT_BLOCKCENSORSHIPTIMEOUTKEY="${PEER_CENSORSHIP_TIMEOUT:?load_tuning first}" \
    CORE_PEER_LOCALMSPID="${ORG_MSPS[$i]}" \
    CORE_PEER_MSPCONFIGPATH="$oh/peers/$pn/msp" \
    CORE_PEER_TLS_ENABLED=true \
    CORE_PEER_TLS_CERT_FILE="$tls/server.crt" \
    CORE_PEER_TLS_KEY_FILE="$tls/server.key" \
    CORE_PEER_TLS_ROOTCERT_FILE="$tls/ca.crt" \
    CORE_PEER_FILESYSTEMPATH="$data" \
    CORE_PEER_GATEWAY_ENABLED=true \
    CORE_LEDGER_STATE_STATEDATABASE=goleveldb \
    CORE_LEDGER_HISTORY_ENABLEHISTORYDATABASE=true \
    CORE_LEDGER_SNAPSHOTS_ROOTDIR="$data/snapshots" \
    CORE_VM_ENDPOINT= \
    CORE_CHAINCODE_EXTERNALBUILDERS="[{name: ccaas, path: $REPO/network/ccaas-builder}]" \
    CORE_CHAINCODE_RUNTIMEPARAMS_USEWRITEBATCH="${PROV_PEER_WRITEBATCH:-true}" \
    CORE_CHAINCODE_RUNTIMEPARAMS_USEGETMULTIPLEKEYS="${PROV_PEER_MULTIKEYS:-true}" \
    CORE_OPERATIONS_LISTENADDRESS="${BIND[$i]}:${P_PEER_OPS[$i]}" \
    CORE_METRICS_PROVIDER=prometheus \
    "$BIN/peer" node start
}

# peer_env ORG: environment for peer CLI commands as the org admin.
peer_cli() {
  local i=$1 oh; shift
  oh="${ORG_HOME[$i]}"
  env FABRIC_CFG_PATH="$CFG_DIR" \
    CORE_PEER_LOCALMSPID="${ORG_MSPS[$i]}" \
    CORE_PEER_MSPCONFIGPATH="$oh/users/admin/msp" \
    CORE_PEER_ADDRESS="${EP_PEER[$i]}" \
    CORE_PEER_TLS_ENABLED=true \
    CORE_PEER_TLS_ROOTCERT_FILE="$oh/tlsca.pem" \
    "$BIN/peer" "$@"
}

osnadmin_cli() {
  local i=$1 oh; shift
  oh="${ORG_HOME[$i]}"
  "$BIN/osnadmin" "$@" -o "${EP_ORD_ADMIN[$i]}" \
    --ca-file "$oh/tlsca.pem" --client-cert "$oh/users/admin/tls/client.crt" \
    --client-key "$oh/users/admin/tls/client.key"
}

orderer_has_channel() {
  local out
  out="$(osnadmin_cli "$1" channel list -c "$CHANNEL" 2>/dev/null)" || return 1
  [[ $out == *'"status": "active"'* ]]
}

peer_has_channel() {
  [[ -n "$(metric "${P_PEER_OPS[$1]}" ledger_blockchain_height "channel=$CHANNEL")" ]]
}

# retry_refused N CMD...: run CMD until it succeeds or fails with anything
# but a refused connection, at most N times 0.2 s apart; prints CMD's last
# output (stdout and stderr) and returns its status. A node's /healthz can
# answer before the endpoint CMD talks to accepts connections.
retry_refused() {
  local n=$1 out tries=0
  shift
  until out="$("$@" 2>&1)"; do
    if [[ $out != *"connection refused"* ]] || ((++tries >= n)); then
      printf '%s' "$out"
      return 1
    fi
    sleep 0.2
  done
  printf '%s' "$out"
}

join_orderer() {
  local i=$1 out
  orderer_has_channel "$i" && return 0
  # The orderer opens its admin endpoint only after it has loaded the channels
  # it already holds (a restarted Raft node replays its WAL first), seconds
  # after /healthz answers (60 s at most). A join of a channel the node holds
  # answers 405.
  out="$(retry_refused 300 osnadmin_cli "$i" channel join -c "$CHANNEL" -b "$PROV_HOME/channel/genesis.block")" ||
    { log "osnadmin join on ${N_ORD[$i]} failed: $out"; return 1; }
  [[ $out == *"201"* || $out == *"already exists"* || $out == *"405"* ]] ||
    { log "osnadmin join on ${N_ORD[$i]}: $out"; return 1; }
}

join_peer() {
  local i=$1 out
  peer_has_channel "$i" && return 0
  # A peer's operations endpoint can answer /healthz a moment before its gRPC
  # listener accepts (10 s at most).
  out="$(retry_refused 50 peer_cli "$i" channel join -b "$PROV_HOME/channel/genesis.block")" ||
    [[ $out == *"already exists"* ]] ||
    { log "peer channel join on ${N_PEER[$i]} failed: $out"; return 1; }
}

orderer_height() { metric "${P_ORD_OPS[$1]}" ledger_blockchain_height "channel=$CHANNEL"; }
peer_height() { metric "${P_PEER_OPS[$1]}" ledger_blockchain_height "channel=$CHANNEL"; }

# orderer_is_leader ORG: this node leads the channel's consensus.
orderer_is_leader() {
  local m v
  if [[ $CONSENSUS == bft ]]; then m=consensus_BFT_is_leader; else m=consensus_etcdraft_is_leader; fi
  v="$(metric "${P_ORD_OPS[$1]}" "$m" "channel=$CHANNEL")"
  [[ $v == 1 ]]
}
