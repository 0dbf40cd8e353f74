# shellcheck shell=bash
# Membership changes on a running network: add-org and remove-org. The channel
# part is Fabric's own procedure (fetch the config block, add or delete the
# organization's group, compute the update, collect the signatures of a
# majority of the application organizations' admins, submit it); the roles on
# the ledger are the chaincode's governance (a proposal approved by a majority
# of the organizations with roles). The topology copy in PROV_HOME records the
# change, so that later up/down/status include (or leave out) the organization.

# membership_args: NAME [--role ROLE] [--no-vote] from ARGS.
membership_args() {
  local a expect=""
  M_NAME="" M_ROLE="" M_VOTE=1
  for a in "${ARGS[@]+"${ARGS[@]}"}"; do
    if [[ $expect == role ]]; then M_ROLE=$a expect=""; continue; fi
    case "$a" in
      --role) expect=role ;;
      --role=*) M_ROLE=${a#*=} ;;
      --no-vote) M_VOTE=0 ;;
      -*) usage_die "unknown flag '$a' for $CMD" ;;
      *) [[ -z $M_NAME ]] || usage_die "$CMD takes one organization name (got '$M_NAME' and '$a')"; M_NAME=$a ;;
    esac
  done
  [[ -z $expect ]] || usage_die "--role needs a value (manufacturer, distributor or customs)"
  [[ -n $M_NAME ]] || usage_die "$CMD needs an organization name (lower-case letters and digits, e.g. wholesaler2)"
  [[ $M_NAME =~ ^[a-z][a-z0-9]{1,30}$ ]] || usage_die "organization name '$M_NAME' must be 2-31 lower-case letters and digits, starting with a letter"
}

# config_update_submit FILE SKIP: sign the update envelope FILE with the admins
# of a majority of the channel's current application organizations (all peer
# orgs except SKIP, which may be -1) and submit it. The channel's Application
# Admins policy is MAJORITY Admins, counted over the organizations before
# the change.
config_update_submit() {
  local f=$1 skip=$2 i k n need signers=() o out
  n=${#PEER_ORGS[@]}
  for i in "${PEER_ORGS[@]}"; do ((i == skip)) || signers+=("$i"); done
  # Organizations on the channel before the change: adding, the new org is in
  # PEER_ORGS but not yet on the channel; removing, the leaving org still is.
  [[ $CMD == add-org ]] && n=$((n - 1))
  need=$((n / 2 + 1))
  ((${#signers[@]} >= need)) || { log "only ${#signers[@]} organizations can sign; the update needs $need"; return 1; }
  for ((k = 0; k < need - 1; k++)); do
    out="$(peer_cli "${signers[k]}" channel signconfigtx -f "$f" 2>&1)" ||
      { log "signature of ${ORG_MSPS[${signers[k]}]} failed: $out"; return 1; }
  done
  i=${signers[need - 1]} o="$(orderer_for "$i")"
  out="$(peer_cli "$i" channel update -f "$f" -c "$CHANNEL" -o "${EP_ORD[$o]}" \
    --tls --cafile "${ORG_HOME[$o]}/tlsca.pem" 2>&1)" || { log "channel update failed: $out"; return 1; }
  log "channel config updated: signed by $need of $n organizations' admins"
}

# fetch_config DIR: the channel's current config block into DIR/config.pb.
fetch_config() {
  local d=$1 i=${PEER_ORGS[0]} o out
  o="$(orderer_for "$i")"
  out="$(peer_cli "$i" channel fetch config "$d/config.pb" -c "$CHANNEL" -o "${EP_ORD[$o]}" \
    --tls --cafile "${ORG_HOME[$o]}/tlsca.pem" 2>&1)" || { log "fetching the config block failed: $out"; return 1; }
}

# vote_role KIND MSP ROLE: propose the role change on the ledger as the first
# other organization's admin and approve it with a majority (provnet).
vote_role() {
  "$PROVNET" vote-role -home "$PROV_HOME" -kind "$1" -msp "$2" -role "$3"
}

cmd_add_org() {
  membership_args
  case "$M_ROLE" in manufacturer | distributor | customs) ;; "") usage_die "add-org needs --role manufacturer|distributor|customs" ;;
    *) usage_die "role '$M_ROLE' is not manufacturer, distributor or customs" ;; esac
  [[ -f $PROV_HOME/network.json && -f $PROV_HOME/topology.yaml ]] || die "no network in $PROV_HOME; run 'scripts/network.sh up' first"
  need_tools
  need_home
  lock_home
  all_running || die "not every process of the network runs; run 'scripts/network.sh up' first"
  local t0=$SECONDS org msp i d out
  # provnet appends the org's line (name <Name>Org, MSP <Name>MSP), refusing
  # a dir, name or MSP the network has or had.
  cp "$PROV_HOME/topology.yaml" "$PROV_HOME/topology.yaml.before-add"
  out="$("$PROVNET" topology-add -file "$PROV_HOME/topology.yaml" -dir "$M_NAME" -role "$M_ROLE" 2>&1)" ||
    { rm -f "$PROV_HOME/topology.yaml.before-add"; die "$out"; }
  out="$(topology_sh "$PROV_HOME/topology.yaml" 2>&1)" ||
    { mv "$PROV_HOME/topology.yaml.before-add" "$PROV_HOME/topology.yaml"; die "no ports left above $PROV_PORT_BASE for another organization ($out)"; }
  eval "$out"
  i="$(org_index "$M_NAME")"
  org=${ORG_NAMES[$i]} msp=${ORG_MSPS[$i]}
  ADD_ORG_INDEX=$i
  trap add_org_failed EXIT
  check_ports
  log "adding $org ($msp, $M_ROLE): CA, identities, peer, chaincode server on ports ${P_CA[$i]}-${P_CC[$i]}"
  start_ca "$i"
  wait_ca "$i" && enroll_org "$i" || die "CA start or enrollment of $M_NAME failed (see $PROV_HOME/logs)"
  log "$M_NAME identities enrolled ($((SECONDS - t0)) s)"

  d="$PROV_HOME/channel/add-$M_NAME"
  rm -rf "$d" && mkdir -p "$d"
  out="$(configtx_yaml -out "$d/configtx.yaml" 2>&1)" || die "writing $d/configtx.yaml failed: $out"
  "$BIN/configtxgen" -configPath "$d" -printOrg "$msp" >"$d/org.json" 2>"$d/configtxgen.log" ||
    die "configtxgen -printOrg $msp failed: $(cat "$d/configtxgen.log")"
  fetch_config "$d" || die "cannot read the channel config"
  "$PROVNET" config-update -configtxlator "$BIN/configtxlator" -channel "$CHANNEL" \
    -block "$d/config.pb" -add-org "$d/org.json" -msp "$msp" -out "$d/update.pb" || die "computing the config update failed"
  config_update_submit "$d/update.pb" "$i" || die "the channel config update adding $msp was not accepted"
  ADD_ORG_ON_CHANNEL=1
  log "$msp is an organization of channel $CHANNEL ($((SECONDS - t0)) s)"

  start_peer "$i"
  wait_until 60 "${N_PEER[$i]} /healthz" healthz_ok "${P_PEER_OPS[$i]}" || die "${N_PEER[$i]} did not become healthy"
  join_peer "$i" || die "joining ${N_PEER[$i]} to $CHANNEL failed"
  wait_until 60 "channel on ${N_PEER[$i]}" peer_has_channel "$i" || die "${N_PEER[$i]} has no channel"
  # The new peer joined from the genesis block and knows its own org only
  # once it has the config block that added it: until then it refuses its
  # admin's approval ("creator org unknown"). Wait until every peer, the new
  # one included (network.json names it from here on), is at the same height.
  write_profiles || die "writing network.json and the connection profiles failed"
  "$PROVNET" settle -home "$PROV_HOME" -kind peer -timeout 120s >/dev/null ||
    die "${N_PEER[$i]} did not catch up with the other peers (see $(log_file "${N_PEER[$i]}"))"

  # The chaincode: the committed definition, approved by the new org for its
  # own package (its connection.json names its own chaincode server).
  # shellcheck disable=SC1091
  source "$(CC_DIR)/deployed.env"
  local label="${CC_NAME}_$CC_VERSION" pkg id out
  ensure_ccclient "$i" || die "no chaincode client identity for $M_NAME"
  pkg="$(cc_package "$i" "$label")" || die "packaging the chaincode for $M_NAME failed"
  id="$label:$(sha256sum "$pkg" | cut -d' ' -f1)"
  start_ccserver "$i" "$CC_BIN" "$id"
  out="$(peer_cli "$i" lifecycle chaincode install "$pkg" 2>&1)" || [[ $out == *"already successfully installed"* ]] ||
    die "install on ${N_PEER[$i]} failed: $out"
  approve_definition "$i" "$CC_NAME" "$CC_VERSION" "$id" "$CC_SEQUENCE" || die "approve by $msp failed"
  echo "PKGID_$i=$id" >>"$(CC_DIR)/deployed.env"
  write_profiles || die "writing network.json and the connection profiles failed"
  "$PROVNET" ready -home "$PROV_HOME" -timeout 90s || die "gateways not ready to endorse with $msp"
  log "$msp endorses ($((SECONDS - t0)) s)"
  if ((M_VOTE)); then
    vote_role add "$msp" "$M_ROLE" || die "the role proposal for $msp did not pass"
    log "role $M_ROLE of $msp approved on the ledger"
  else
    log "no role vote (--no-vote): $msp can read but not act until a majority approves its role"
  fi
  rm -f "$PROV_HOME/topology.yaml.before-add"
  trap - EXIT
  log "added $org ($msp, $M_ROLE) in $((SECONDS - t0)) s"
}

# add_org_failed: an add-org that fails before its channel update leaves
# nothing behind; after it, the organization stays on the channel and in the
# topology (a later 'up' starts it) and the message says so.
add_org_failed() {
  local rc=$?
  ((rc == 0)) && return 0
  if [[ -z ${ADD_ORG_ON_CHANNEL:-} ]]; then
    local n
    for n in "${N_CC[$ADD_ORG_INDEX]}" "${N_PEER[$ADD_ORG_INDEX]}" "${N_CA[$ADD_ORG_INDEX]}"; do stop_proc "$n"; done
    mv -f "$PROV_HOME/topology.yaml.before-add" "$PROV_HOME/topology.yaml"
    rm -rf "${ORG_HOME[$ADD_ORG_INDEX]}" "$PROV_HOME/channel/add-${ORG_DIRS[$ADD_ORG_INDEX]}"
    log "add-org failed before the channel changed: nothing of ${ORG_DIRS[$ADD_ORG_INDEX]} is left"
  else
    rm -f "$PROV_HOME/topology.yaml.before-add"
    log "add-org failed after ${ORG_MSPS[$ADD_ORG_INDEX]} joined the channel; it stays in the topology: fix the cause and run 'scripts/network.sh up'"
  fi
  exit $rc
}

cmd_remove_org() {
  membership_args
  [[ -f $PROV_HOME/network.json && -f $PROV_HOME/topology.yaml ]] || die "no network in $PROV_HOME"
  local i msp t0=$SECONDS d
  i="$(org_index "$M_NAME")" || die "no organization '$M_NAME' in this network (see 'scripts/network.sh status')"
  has_peer "$i" || die "$M_NAME runs no peer; only application organizations can be removed"
  has_orderer "$i" && die "$M_NAME runs an ordering node; removing a consenter is not supported"
  ((${#PEER_ORGS[@]} > 2)) || die "removing $M_NAME would leave fewer than two application organizations"
  msp=${ORG_MSPS[$i]}
  need_tools
  need_home
  lock_home
  if ((M_VOTE)); then
    vote_role remove "$msp" "${ORG_ROLES[$i]}" || die "the removal proposal for $msp did not pass"
    log "removal of $msp approved on the ledger"
  fi
  d="$PROV_HOME/channel/remove-$M_NAME"
  rm -rf "$d" && mkdir -p "$d"
  fetch_config "$d" || die "cannot read the channel config"
  "$PROVNET" config-update -configtxlator "$BIN/configtxlator" -channel "$CHANNEL" \
    -block "$d/config.pb" -remove-org "$msp" -out "$d/update.pb" || die "computing the config update failed"
  config_update_submit "$d/update.pb" "$i" || die "the channel config update removing $msp was not accepted"
  local n
  for n in "${N_CC[$i]}" "${N_PEER[$i]}" "${N_CA[$i]}"; do stop_proc "$n"; done
  "$PROVNET" topology-remove -file "$PROV_HOME/topology.yaml" -dir "$M_NAME" || die "marking $M_NAME removed in $PROV_HOME/topology.yaml failed"
  load_topology "$PROV_HOME/topology.yaml"
  write_profiles || die "writing network.json and the connection profiles failed"
  log "removed $msp from channel $CHANNEL in $((SECONDS - t0)) s (its ledger and identities stay in ${ORG_HOME[$i]})"
}
