# shellcheck shell=bash
# Certificate authorities and identities: one fabric-ca-server per org hosting
# two CAs (the default identity CA "ca" and "tlsca"), NodeOUs, every identity
# pre-registered in the server's registry (users with prov.role as an ecert
# attribute) and enrolled with fabric-ca-client, all of an org's enrollments
# at once.

# CA_ADMIN_PW (the registrar caadmin's secret) comes with the layout from provnet.

ca_home() { echo "${ORG_HOME[$1]}/ca"; }

start_ca() {
  local i=$1 home name
  home="$(ca_home "$i")" name="${N_CA[$i]}"
  pid_alive "$name" && return 0
  # The identity CA's and the TLS CA's fabric-ca-server-config.yaml, written
  # by provnet from the layout (netdesc/caconfig.go): the registry preloads
  # the registrar caadmin, the node identities and the users with their
  # prov.role ecert attribute.
  if [[ ! -f $home/fabric-ca-server-config.yaml ]]; then
    "$PROVNET" ca-config -home "$PROV_HOME" -file "$TOPOLOGY_FILE" -port-base "$PROV_PORT_BASE" -org "${ORG_DIRS[$i]}" ||
      die "writing the CA configuration of ${ORG_DIRS[$i]} failed"
  fi
  [[ -f $home/fabric-ca-server.db ]] || ca_db_from_template "$i"
  start_proc "$name" env FABRIC_CA_SERVER_HOME="$home" "$BIN/fabric-ca-server" start -H "$home"
}

# ca_db_from_template ORG: a new CA's two databases copied from a template
# with the same registry. A new fabric-ca-server bcrypt-hashes every
# preloaded identity's secret (cost 10, about 80 % of its start's CPU: 1 s
# of CPU per org); it skips identities already in its database, and the
# database holds nothing of the CA's keys (users, properties, an empty
# revocation-authority row). The templates live per checkout in network/bin
# (gitignored), keyed by the two registry sections and the fabric-ca-server
# build, made once by 'fabric-ca-server init' in a scratch home under a
# lock. Any failure leaves the CA to initialize its own database.
ca_db_from_template() {
  local i=$1 home key tdir scratch
  home="$(ca_home "$i")"
  key="$( { awk '/^registry:/,/^db:/' "$home/fabric-ca-server-config.yaml" "$home/tlsca/fabric-ca-server-config.yaml"
    cat "$BIN/.fabric-build-stamp" 2>/dev/null; stat -c '%s %Y' "$BIN/fabric-ca-server"; } | sha256sum | cut -c1-16)" || return 0
  tdir="${PROVNET%/*}/ca-db/$key"
  if [[ ! -s $tdir/tlsca.db ]]; then
    (
      flock -w 120 8 || exit 1
      [[ -s $tdir/tlsca.db ]] && exit 0
      scratch="$(mktemp -d)" || exit 1
      trap 'rm -rf "$scratch"' EXIT
      mkdir -p "$scratch/tlsca" "$tdir.tmp"
      cp "$home/fabric-ca-server-config.yaml" "$scratch/"
      cp "$home/tlsca/fabric-ca-server-config.yaml" "$scratch/tlsca/"
      "$BIN/fabric-ca-server" init -H "$scratch" >"$scratch/init.log" 2>&1 &&
        [[ ! -e $scratch/fabric-ca-server.db-wal && ! -e $scratch/tlsca/fabric-ca-server.db-wal ]] &&
        cp "$scratch/fabric-ca-server.db" "$tdir.tmp/ca.db" && cp "$scratch/tlsca/fabric-ca-server.db" "$tdir.tmp/tlsca.db" &&
        rm -rf "$tdir" && mv "$tdir.tmp" "$tdir"
    ) 8>"${PROVNET%/*}/.ca-db.lock" || { rm -rf "$tdir.tmp"; return 0; }
  fi
  [[ -s $tdir/ca.db && -s $tdir/tlsca.db ]] || return 0
  cp "$tdir/ca.db" "$home/fabric-ca-server.db" && cp "$tdir/tlsca.db" "$home/tlsca/fabric-ca-server.db" ||
    rm -f "$home/fabric-ca-server.db" "$home/tlsca/fabric-ca-server.db"
}

wait_ca() {
  local i=$1
  wait_until 30 "${N_CA[$i]} /healthz" healthz_ok "${P_CA_OPS[$i]}" &&
    wait_until 10 "${N_CA[$i]} cainfo" test -s "$(ca_home "$i")/tlsca/ca-cert.pem"
}

# enroll ORG USER PW CANAME MSPDIR [extra fabric-ca-client flags]
enroll() {
  local i=$1 user=$2 pw=$3 caname=$4 msp=$5; shift 5
  local home n ca
  # No command substitutions on this path (each is a fork: slow on a busy
  # machine, and an org enrolls about ten identities at once).
  home=${msp%/*} ca="${ORG_HOME[$i]}/ca/ca-cert.pem"
  mkdir -p "$home"
  for n in 1 2 3 4 5; do
    if "$BIN/fabric-ca-client" enroll -H "$home" -M "$msp" \
      -u "https://$user:$pw@${EP_CA[$i]}" --caname "$caname" \
      --csr.names "C=US,O=${ORG_NAMES[$i]}" \
      --tls.certfiles "$ca" "$@" >>"$PROV_HOME/logs/enroll.log" 2>&1; then
      return 0
    fi
    sleep 0.2 # sqlite "database is locked" under parallel enrollments: retry
  done
  die "enrolling $user at ${ORG_DIRS[$i]}/$caname failed (see $PROV_HOME/logs/enroll.log)"
}

# register ORG NAME TYPE [ATTRS]: register a user at the org's identity CA
# with the caadmin registrar (enrolled into orgs/<dir>/ca-admin). REG_CA and
# REG_HOME select another CA of the org and its registrar's home.
register() {
  local i=$1 name=$2 type=$3 attrs=${4:-} out n
  local args=(register -H "${REG_HOME:-${ORG_HOME[$i]}/ca-admin}" -u "https://${EP_CA[$i]}" --caname "${REG_CA:-ca}"
    --tls.certfiles "$(ca_home "$i")/ca-cert.pem" --id.name "$name" --id.secret "${name}pw" --id.type "$type")
  [[ -n $attrs ]] && args+=(--id.attrs "$attrs")
  for n in 1 2 3 4 5; do
    if out="$("$BIN/fabric-ca-client" "${args[@]}" 2>&1)"; then return 0; fi
    [[ $out == *"already registered"* ]] && return 0
    sleep 0.2
  done
  echo "$out" >>"$PROV_HOME/logs/enroll.log"
  die "registering $name at ${ORG_DIRS[$i]} failed (see $PROV_HOME/logs/enroll.log)"
}

# finish_msp MSPDIR...: NodeOU config.yaml next to each MSP's enrolled CA
# cert (provnet nodeou-config).
finish_msp() {
  "$PROVNET" nodeou-config "$@" || die "writing the NodeOU config of $* failed"
}

# finish_tls DIR PREFIX: stable names for an enrolled TLS identity.
finish_tls() {
  cp "$1"/signcerts/cert.pem "$1/$2.crt"
  cp "$1"/keystore/*_sk "$1/$2.key"
  cp "$1"/tlscacerts/*.pem "$1/ca.crt"
}

# enroll_ccclient ORG: the TLS client identity the org's peer presents to its
# chaincode server (embedded in the ccaas package's connection.json). Not the
# peer's own TLS key: org admins can download installed packages.
enroll_ccclient() {
  local i=$1
  enroll "$i" ccclient ccclientpw tlsca "${ORG_HOME[$i]}/ccclient/tls" --enrollment.profile tls \
    --csr.cn "ccclient.${ORG_DIRS[$i]}.prov"
}

# ensure_ccclient ORG: a home enrolled before ccclient existed (its TLS CA's
# registry lacks it): register it at the TLS CA and enroll it, so that a new
# package never needs the peer's key. Needs the org's CA running.
ensure_ccclient() {
  local i=$1 oh
  oh="${ORG_HOME[$i]}"
  [[ -s $oh/ccclient/tls/client.crt ]] && return 0
  pid_alive "${N_CA[$i]}" && healthz_ok "${P_CA_OPS[$i]}" ||
    { log "$oh has no ccclient TLS identity and ${N_CA[$i]} is not running to enroll one; run 'scripts/network.sh up' (or 'clean' then 'up')"; return 1; }
  log "enrolling the chaincode client TLS identity for ${ORG_DIRS[$i]} (home predates it)"
  enroll "$i" caadmin "$CA_ADMIN_PW" tlsca "$oh/tlsca-admin/msp"
  REG_CA=tlsca REG_HOME="$oh/tlsca-admin" register "$i" ccclient client
  enroll_ccclient "$i"
  finish_tls "$oh/ccclient/tls" client
}

# enroll_org ORG: every identity of one organization, enrolled at once by one
# provnet process (the CA's enroll API; the same files as fabric-ca-client
# enroll, TLS identities also under stable names: finish_tls). One process
# instead of one fabric-ca-client per identity: ten per org cost about 1.5 s
# of CPU, much of a network's start on two cores.
enroll_org() {
  local i=$1 oh dir=${ORG_DIRS[$1]} u
  oh="${ORG_HOME[$i]}"
  local on pn
  on="${N_ORD[$i]}" pn="${N_PEER[$i]}"
  local hosts_o="$on,127.0.0.1,localhost" hosts_p="$pn,127.0.0.1,localhost"
  # NAME:SECRET:CANAME:MSPDIR[:PROFILE[:HOSTS[:AS]]]
  local ids=()
  for u in admin user1 badrole norole; do
    [[ $u != admin ]] && ! has_peer "$i" && continue
    ids+=("$u:${u}pw:ca:$oh/users/$u/msp")
  done
  if has_orderer "$i"; then
    ids+=("orderer0:orderer0pw:ca:$oh/orderers/$on/msp"
      "orderer0:orderer0pw:tlsca:$oh/orderers/$on/tls:tls:$hosts_o:server")
  fi
  ids+=("admin:adminpw:tlsca:$oh/users/admin/tls:tls::client")
  if has_peer "$i"; then
    ids+=("peer0:peer0pw:ca:$oh/peers/$pn/msp"
      "peer0:peer0pw:tlsca:$oh/peers/$pn/tls:tls:$hosts_p:server"
      "ccserver:ccserverpw:tlsca:$oh/ccserver/tls:tls:cc.$dir.prov,127.0.0.1,localhost:server"
      "ccclient:ccclientpw:tlsca:$oh/ccclient/tls:tls::client")
  fi
  local out
  if ! out="$("$PROVNET" enroll -url "https://${EP_CA[$i]}" -tls-cert "$(ca_home "$i")/ca-cert.pem" \
    -names "C=US,O=${ORG_NAMES[$i]}" "${ids[@]}" 2>&1)"; then
    printf '%s\n' "$out" >>"$PROV_HOME/logs/enroll.log"
    log "enrollment at ${N_CA[$i]} failed:"$'\n'"$out"
    return 1
  fi

  local msps=("$oh/users/admin/msp")
  has_orderer "$i" && msps+=("$oh/orderers/$on/msp")
  if has_peer "$i"; then
    msps+=("$oh/peers/$pn/msp")
    for u in user1 badrole norole; do msps+=("$oh/users/$u/msp"); done
  fi

  # The organization's MSP as the channel sees it.
  mkdir -p "$oh/msp/cacerts" "$oh/msp/tlscacerts"
  cp "$(ca_home "$i")/ca-cert.pem" "$oh/msp/cacerts/ca.pem"
  cp "$(ca_home "$i")/tlsca/ca-cert.pem" "$oh/msp/tlscacerts/tlsca.pem"
  cp "$(ca_home "$i")/tlsca/ca-cert.pem" "$oh/tlsca.pem"
  finish_msp "${msps[@]}"
  "$PROVNET" nodeou-config -ca-cert cacerts/ca.pem "$oh/msp" || die "writing the NodeOU config of $oh/msp failed"
}
