# shellcheck shell=bash
# Client-facing descriptions: PROV_HOME/network.json and each peer org's
# connection profiles (connection.json, connection.yaml), written by provnet
# (package network/netdesc) from the topology read by load_topology.

write_profiles() {
  local i args=() peer orderer
  for i in "${ALL_ORGS[@]}"; do
    peer=false orderer=false
    has_peer "$i" && peer=true
    has_orderer "$i" && orderer=true
    args+=(-org "index=$i,dir=${ORG_DIRS[$i]},name=${ORG_NAMES[$i]},msp=${ORG_MSPS[$i]},role=${ORG_ROLES[$i]},peer=$peer,orderer=$orderer")
  done
  "$PROV_HOME/bin/provnet" profiles -home "$PROV_HOME" -repo "$REPO" -bin "$BIN" -consensus "$CONSENSUS" \
    -port-base "$PROV_PORT_BASE" -channel "$CHANNEL" -chaincode "$CC_NAME" -hosts "${TOPOLOGY_HOSTS:-loopback}" "${args[@]}"
}
