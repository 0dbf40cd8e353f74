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
  start_proc "$name" env FABRIC_CA_SERVER_HOME="$home" "$BIN/fabric-ca-server" start -H "$home"
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

# enroll_org ORG: every identity of one organization.
enroll_org() {
  local i=$1 oh dir=${ORG_DIRS[$1]} pids=() p u
  oh="${ORG_HOME[$i]}"
  local on pn
  on="${N_ORD[$i]}" pn="${N_PEER[$i]}"
  local hosts_o="$on,127.0.0.1,localhost" hosts_p="$pn,127.0.0.1,localhost"
  for u in admin user1 badrole norole; do
    [[ $u != admin ]] && ! has_peer "$i" && continue
    enroll "$i" "$u" "${u}pw" ca "$oh/users/$u/msp" & pids+=($!)
  done
  if has_orderer "$i"; then
    enroll "$i" orderer0 orderer0pw ca "$oh/orderers/$on/msp" --csr.cn "$on" & pids+=($!)
    enroll "$i" orderer0 orderer0pw tlsca "$oh/orderers/$on/tls" --enrollment.profile tls --csr.cn "$on" --csr.hosts "$hosts_o" & pids+=($!)
  fi
  enroll "$i" admin adminpw tlsca "$oh/users/admin/tls" --enrollment.profile tls & pids+=($!)
  if has_peer "$i"; then
    enroll "$i" peer0 peer0pw ca "$oh/peers/$pn/msp" --csr.cn "$pn" & pids+=($!)
    enroll "$i" peer0 peer0pw tlsca "$oh/peers/$pn/tls" --enrollment.profile tls --csr.cn "$pn" --csr.hosts "$hosts_p" & pids+=($!)
    enroll "$i" ccserver ccserverpw tlsca "$oh/ccserver/tls" --enrollment.profile tls --csr.cn "cc.$dir.prov" --csr.hosts "cc.$dir.prov,127.0.0.1,localhost" & pids+=($!)
    enroll_ccclient "$i" & pids+=($!)
  fi
  for p in "${pids[@]}"; do wait "$p" || return 1; done

  local msps=("$oh/users/admin/msp")
  if has_orderer "$i"; then
    msps+=("$oh/orderers/$on/msp")
    finish_tls "$oh/orderers/$on/tls" server
  fi
  finish_tls "$oh/users/admin/tls" client
  if has_peer "$i"; then
    msps+=("$oh/peers/$pn/msp")
    finish_tls "$oh/peers/$pn/tls" server
    finish_tls "$oh/ccserver/tls" server
    finish_tls "$oh/ccclient/tls" client
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
