# shellcheck shell=bash
# Client-facing descriptions: per-org connection profiles (JSON and YAML, Fabric
# common connection profile) and PROV_HOME/network.json.

# connection_json ORG
connection_json() {
  local i=$1 oh pn org=${ORG_NAMES[$1]}
  oh="$(org_home "$i")" pn="$(peer_name "$i")"
  cat <<EOF
{
  "name": "provenance-${ORG_DIRS[$i]}",
  "version": "1.0.0",
  "client": {
    "organization": "$org",
    "connection": { "timeout": { "peer": { "endorser": "300" } } }
  },
  "channels": {
    "$CHANNEL": { "peers": { "$pn": {} } }
  },
  "organizations": {
    "$org": {
      "mspid": "${ORG_MSPS[$i]}",
      "peers": ["$pn"],
      "certificateAuthorities": ["$(ca_name "$i")"]
    }
  },
  "peers": {
    "$pn": {
      "url": "grpcs://$(ep $OFF_PEER "$i")",
      "tlsCACerts": {
        "pem": $(pem_json "$oh/tlsca.pem"),
        "path": "$oh/tlsca.pem"
      },
      "grpcOptions": {
        "ssl-target-name-override": "$pn",
        "hostnameOverride": "$pn"
      }
    }
  },
  "certificateAuthorities": {
    "$(ca_name "$i")": {
      "url": "https://$(ep $OFF_CA "$i")",
      "caName": "ca",
      "tlsCACerts": {
        "pem": [$(pem_json "$(ca_home "$i")/ca-cert.pem")],
        "path": "$(ca_home "$i")/ca-cert.pem"
      },
      "httpOptions": { "verify": false }
    }
  }
}
EOF
}

# connection_yaml ORG: the same profile in YAML.
connection_yaml() {
  local i=$1 oh pn org=${ORG_NAMES[$1]}
  oh="$(org_home "$i")" pn="$(peer_name "$i")"
  cat <<EOF
name: provenance-${ORG_DIRS[$i]}
version: 1.0.0
client:
  organization: $org
  connection:
    timeout:
      peer:
        endorser: "300"
channels:
  $CHANNEL:
    peers:
      $pn: {}
organizations:
  $org:
    mspid: ${ORG_MSPS[$i]}
    peers:
      - $pn
    certificateAuthorities:
      - $(ca_name "$i")
peers:
  $pn:
    url: grpcs://$(ep $OFF_PEER "$i")
    tlsCACerts:
      path: $oh/tlsca.pem
      pem: |
$(sed 's/^/        /' "$oh/tlsca.pem")
    grpcOptions:
      ssl-target-name-override: $pn
      hostnameOverride: $pn
certificateAuthorities:
  $(ca_name "$i"):
    url: https://$(ep $OFF_CA "$i")
    caName: ca
    tlsCACerts:
      path: $(ca_home "$i")/ca-cert.pem
      pem:
        - |
$(sed 's/^/          /' "$(ca_home "$i")/ca-cert.pem")
    httpOptions:
      verify: false
EOF
}

# node_json NAME KIND ORG PORTSJSON [EXTRA]
node_json() {
  printf '{"name": "%s", "kind": "%s", "org": "%s", "ports": %s, "pidFile": "%s", "logFile": "%s"%s}' \
    "$1" "$2" "${ORG_DIRS[$3]}" "$4" "$(pid_file "$1")" "$(log_file "$1")" "${5:-}"
}

network_json() {
  local i oh pn on first=1 u
  cat <<EOF
{
  "consensus": "$CONSENSUS",
  "channel": "$CHANNEL",
  "chaincode": "$CC_NAME",
  "portBase": $PROV_PORT_BASE,
  "home": "$PROV_HOME",
  "repo": "$REPO",
  "binDir": "$BIN",
  "orgs": [
EOF
  for i in "${ALL_ORGS[@]}"; do
    oh="$(org_home "$i")" pn="$(peer_name "$i")" on="$(orderer_name "$i")"
    ((first)) || echo "    ,"
    first=0
    echo "    {"
    echo "      \"dir\": \"${ORG_DIRS[$i]}\", \"name\": \"${ORG_NAMES[$i]}\", \"msp\": \"${ORG_MSPS[$i]}\", \"role\": \"${ORG_ROLES[$i]}\","
    echo "      \"home\": \"$oh\", \"mspDir\": \"$oh/msp\", \"tlsCACert\": \"$oh/tlsca.pem\","
    if has_peer "$i"; then
      echo "      \"connectionProfile\": \"$oh/connection.json\", \"connectionProfileYAML\": \"$oh/connection.yaml\","
    fi
    printf '      "users": {'
    local ufirst=1
    for u in admin user1 badrole norole; do
      [[ -d $oh/users/$u/msp ]] || continue
      ((ufirst)) || printf ', '
      ufirst=0
      printf '"%s": {"mspDir": "%s/users/%s/msp"' "$u" "$oh" "$u"
      [[ -d $oh/users/$u/tls ]] && printf ', "tlsDir": "%s/users/%s/tls"' "$oh" "$u"
      printf '}'
    done
    echo "},"
    echo "      \"ca\": $(node_json "$(ca_name "$i")" ca "$i" "{\"listen\": $(port $OFF_CA "$i"), \"operations\": $(port $OFF_CA_OPS "$i")}" ", \"url\": \"https://$(ep $OFF_CA "$i")\", \"tlsCACert\": \"$(ca_home "$i")/ca-cert.pem\", \"home\": \"$(ca_home "$i")\"")"
    if has_orderer "$i"; then
      echo "      ,\"orderer\": $(node_json "$on" orderer "$i" "{\"listen\": $(port $OFF_ORD "$i"), \"admin\": $(port $OFF_ORD_ADMIN "$i"), \"operations\": $(port $OFF_ORD_OPS "$i")}" ", \"consenterId\": $((i + 1)), \"address\": \"$(ep $OFF_ORD "$i")\", \"tlsCACert\": \"$oh/tlsca.pem\", \"mspDir\": \"$oh/orderers/$on/msp\", \"tlsDir\": \"$oh/orderers/$on/tls\", \"ledgerDir\": \"$(node_data "$on")\"")"
    fi
    if has_peer "$i"; then
      echo "      ,\"peer\": $(node_json "$pn" peer "$i" "{\"listen\": $(port $OFF_PEER "$i"), \"chaincode\": $(port $OFF_PEER_CC "$i"), \"operations\": $(port $OFF_PEER_OPS "$i")}" ", \"address\": \"$(ep $OFF_PEER "$i")\", \"tlsCACert\": \"$oh/tlsca.pem\", \"mspDir\": \"$oh/peers/$pn/msp\", \"tlsDir\": \"$oh/peers/$pn/tls\", \"ledgerDir\": \"$(node_data "$pn")\"")"
      echo "      ,\"chaincodeServer\": $(node_json "$(cc_name "$i")" chaincode "$i" "{\"listen\": $(port $OFF_CCSERVER "$i")}" ", \"address\": \"$(ep $OFF_CCSERVER "$i")\"")"
    fi
    echo "    }"
  done
  echo "  ]"
  echo "}"
}

write_profiles() {
  local i oh
  for i in "${PEER_ORGS[@]}"; do
    oh="$(org_home "$i")"
    connection_json "$i" >"$oh/connection.json"
    connection_yaml "$i" >"$oh/connection.yaml"
  done
  network_json >"$PROV_HOME/network.json.tmp" && mv "$PROV_HOME/network.json.tmp" "$PROV_HOME/network.json"
}
