# shellcheck shell=bash
# Chaincode as a service: build the chaincode server binary, package one ccaas
# package per org (each names its own chaincode server), install, approve by
# all three, commit, start the chaincode servers, initialize org roles.

CC_DIR() { echo "$PROV_HOME/chaincode"; }

# build_chaincode: the chaincode server binary (by content hash). Prints its
# path. The build goes to one path per checkout (network/bin, gitignored,
# under a lock: parallel networks share it), where go build finds the binary
# up to date and skips the link (2.5 s of CPU, on the way to the chaincode
# install); PROV_HOME gets a copy named by its hash.
build_chaincode() {
  local d tmp h out="${PROVNET%/*}/provenance-cc"
  d="$(CC_DIR)"
  mkdir -p "$d" "${out%/*}"
  tmp="$d/provenance-cc.build.$$"
  (
    flock -w 600 8 || exit 1
    cd "$REPO" && go build -o "$out" ./chaincode/cmd/provenance && cp "$out" "$tmp"
  ) 8>"${out%/*}/.provenance-cc.lock" >>"$PROV_HOME/logs/build.log" 2>&1 ||
    { rm -f "$tmp"; log "chaincode build failed (see $PROV_HOME/logs/build.log)"; return 1; }
  h="$(sha256sum "$tmp" | cut -c1-12)"
  mv -f "$tmp" "$d/provenance-cc.$h"
  echo "$d/provenance-cc.$h"
}

# link_provnet: PROV_HOME/bin/provnet, the provnet this network was brought
# up (or deployed) with, for tools outside the scripts (demo, tests).
link_provnet() {
  mkdir -p "$PROV_HOME/bin"
  ln -f "$PROVNET" "$PROV_HOME/bin/provnet" 2>/dev/null || cp -f "$PROVNET" "$PROV_HOME/bin/provnet"
}

# cc_package ORG LABEL [ADDRESS]: write the org's ccaas package naming the
# chaincode server at ADDRESS (default: the org's own); prints its path.
cc_package() {
  local i=$1 label=$2 addr=${3:-${EP_CC[$1]}} oh=${ORG_HOME[$1]} d cc
  d="$(CC_DIR)/pkg/${ORG_DIRS[$i]}" cc="$oh/ccclient/tls"
  [[ -s $cc/client.crt && -s $cc/client.key ]] ||
    { log "no chaincode client TLS identity in $cc; run 'scripts/network.sh clean' then 'up'"; return 1; }
  # A package once made is kept (its bytes, hence its package ID, would
  # differ when made again): 'up' installs it early, deploy reuses it.
  if [[ -s $d/$label.tar.gz && $d/$label.tar.gz -nt $cc/client.crt ]]; then
    echo "$d/$label.tar.gz"
    return 0
  fi
  # The peer dials the chaincode server with mutual TLS: root_cert checks the
  # server, client_cert/key is the org's ccclient TLS identity (never the
  # peer's own TLS key: org admins can download installed packages). The
  # server checks it against the org's TLS CA (CHAINCODE_TLS_CLIENT_CA_CERT).
  mkdir -p "$d"
  "$PROVNET" ccaas-package -out "$d/$label.tar.gz" -label "$label" -address "$addr" \
    -root-cert "$oh/tlsca.pem" -client-cert "$cc/client.crt" -client-key "$cc/client.key" || return 1
  echo "$d/$label.tar.gz"
}

# install_package ORG PKG: install PKG on ORG's peer, once (PKG.installed
# records it).
install_package() {
  local i=$1 pkg=$2 out
  [[ -f $pkg.installed ]] && return 0
  out="$(peer_cli "$i" lifecycle chaincode install "$pkg" 2>&1)" ||
    [[ $out == *"already successfully installed"* ]] ||
    { log "install on ${N_PEER[$i]} failed: $out"; return 1; }
  touch "$pkg.installed"
}

# start_ccserver ORG BIN PACKAGE_ID [NAME PORT]: start the org's
# chaincode server (or the one of an extra chaincode, see define_chaincode).
start_ccserver() {
  local i=$1 bin=$2 pkgid=$3 name=${4:-${N_CC[$1]}} port=${5:-${P_CC[$1]}} oh=${ORG_HOME[$1]}
  pid_alive "$name" && return 0
  start_proc "$name" env CHAINCODE_ID="$pkgid" \
    CHAINCODE_SERVER_ADDRESS="${BIND[$i]}:$port" \
    CHAINCODE_TLS_CERT="$oh/ccserver/tls/server.crt" \
    CHAINCODE_TLS_KEY="$oh/ccserver/tls/server.key" \
    CHAINCODE_TLS_CLIENT_CA_CERT="$oh/tlsca.pem" \
    CORE_PEER_LOCALMSPID="${ORG_MSPS[$i]}" \
    "$bin"
}

# committed_version [NAME]: "VERSION SEQUENCE" of the committed definition
# of NAME (default the deployment's chaincode), or empty.
committed_version() {
  local out
  out="$(peer_cli "${PEER_ORGS[0]}" lifecycle chaincode querycommitted -C "$CHANNEL" -n "${1:-$CC_NAME}" 2>/dev/null)" || return 0
  echo "$out" | sed -n 's/.*Version: \([^,]*\), Sequence: \([0-9]*\),.*/\1 \2/p' | head -1
}

# start_ccservers: (re)start each org's chaincode server for the deployed
# definition recorded in chaincode/deployed.env.
start_ccservers() {
  local i f
  f="$(CC_DIR)/deployed.env"
  [[ -f $f ]] || return 0
  # shellcheck disable=SC1090
  source "$f"
  for i in "${PEER_ORGS[@]}"; do
    local v="PKGID_$i"
    start_ccserver "$i" "$CC_BIN" "${!v}"
  done
}

stop_ccservers() {
  local i
  for i in "${PEER_ORGS[@]}"; do stop_proc "${N_CC[$i]}"; done
}

# deploy: build; when the committed definition already names this binary's
# hash, only make sure the servers run. Otherwise package, install, approve
# (all three orgs), commit with the next sequence, restart the servers.
deploy_chaincode() {
  local bin h cur curver curseq seq label i pids=() p
  bin="${PREBUILT_CC:-}"
  [[ -n $bin ]] || bin="$(build_chaincode)" || return 1
  h="${bin##*.}"
  cur="$(committed_version)"
  curver="${cur%% *}" curseq="${cur##* }"
  [[ -z $cur ]] && curseq=0
  if [[ $curver == "$h" && -f "$(CC_DIR)/deployed.env" ]]; then
    # shellcheck disable=SC1090
    source "$(CC_DIR)/deployed.env"
    if [[ $CC_BIN == "$bin" ]]; then
      log "chaincode $CC_NAME $h (sequence $curseq) already committed"
      start_ccservers
      return 0
    fi
  fi
  seq=$((curseq + 1)) label="${CC_NAME}_$h"
  log "deploying chaincode $CC_NAME version $h sequence $seq"
  local pkgs=() ids=()
  for i in "${PEER_ORGS[@]}"; do
    ensure_ccclient "$i" || return 1
    pkgs[i]="$(cc_package "$i" "$label")" || return 1
    ids[i]="$label:$(sha256sum "${pkgs[i]}" | cut -d' ' -f1)"
  done
  # First deployment: no server runs yet, so start the new ones now; they
  # warm up while install/approve/commit run. On upgrades the old servers keep
  # serving the committed definition until the new one is committed.
  local early=1
  for i in "${PEER_ORGS[@]}"; do pid_alive "${N_CC[$i]}" && early=0; done
  if ((early)); then
    for i in "${PEER_ORGS[@]}"; do start_ccserver "$i" "$bin" "${ids[i]}"; done
  fi
  # An approval names the package ID only: installs and approvals run at once.
  for i in "${PEER_ORGS[@]}"; do
    install_package "$i" "${pkgs[i]}" & pids+=($!)
    approve_definition "$i" "$CC_NAME" "$h" "${ids[i]}" "$seq" & pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || return 1; done
  commit_definition "$CC_NAME" "$h" "$seq" || return 1
  ((early)) || stop_ccservers
  {
    echo "CC_BIN=$bin"
    echo "CC_VERSION=$h"
    echo "CC_SEQUENCE=$seq"
    for i in "${PEER_ORGS[@]}"; do echo "PKGID_$i=${ids[i]}"; done
  } >"$(CC_DIR)/deployed.env"
  start_ccservers
  # Old binaries are no longer referenced by any server.
  find "$(CC_DIR)" -maxdepth 1 -name 'provenance-cc.*' ! -path "$bin" -delete 2>/dev/null || true
  log "chaincode committed: version $h sequence $seq"
}

# approve_definition ORG NAME VERSION PACKAGE_ID SEQUENCE: ORG's admin approves
# the chaincode definition for its own package.
#
# A SmartBFT ordering node that has just caught up with the others can
# accept a transaction and never order it (seen in CI: the approval's
# broadcast answered SUCCESS, its event never came, the other nodes never
# saw the request). An approval whose event does not come is sent again
# through the next ordering node (approving the same definition twice is
# harmless), at most three times in all.
approve_definition() {
  local i=$1 o out try n=${#ORDERER_ORGS[@]} first k
  first="$(orderer_for "$i")"
  for k in "${!ORDERER_ORGS[@]}"; do [[ ${ORDERER_ORGS[$k]} == "$first" ]] && break; done
  for try in 0 1 2; do
    o="${ORDERER_ORGS[$(((k + try) % n))]}"
    out="$(peer_cli "$i" lifecycle chaincode approveformyorg -o "${EP_ORD[$o]}" \
      --tls --cafile "${ORG_HOME[$o]}/tlsca.pem" -C "$CHANNEL" -n "$2" -v "$3" \
      --package-id "$4" --sequence "$5" --waitForEventTimeout 30s 2>&1)" && return 0
    [[ $out == *"timed out waiting for txid"* ]] || break
    log "approve of $2 by ${ORG_MSPS[$i]}: no commit event through ${N_ORD[$o]} in 30 s; sending it again"
  done
  log "approve of $2 by ${ORG_MSPS[$i]} failed: $out"
  return 1
}

# commit_definition NAME VERSION SEQUENCE: commit an approved definition,
# endorsed by every peer organization.
commit_definition() {
  local i o out peers=()
  for i in "${PEER_ORGS[@]}"; do
    peers+=(--peerAddresses "${EP_PEER[$i]}" --tlsRootCertFiles "${ORG_HOME[$i]}/tlsca.pem")
  done
  o="$(orderer_for "${PEER_ORGS[0]}")"
  out="$(peer_cli "${PEER_ORGS[0]}" lifecycle chaincode commit -o "${EP_ORD[$o]}" --tls \
    --cafile "${ORG_HOME[$o]}/tlsca.pem" -C "$CHANNEL" -n "$1" -v "$2" --sequence "$3" \
    --waitForEventTimeout 60s "${peers[@]}" 2>&1)" || { log "commit of $1 failed: $out"; return 1; }
}

# ready_and_init: every gateway can endorse; InitOrgRoles once.
ready_and_init() {
  "$PROVNET" ready -home "$PROV_HOME" -timeout 60s -init-roles
}

# define_chaincode NAME: approve (every peer org) and commit a chaincode
# definition NAME, sequence 1, of the packages deployed as $CC_NAME: the same
# chaincode servers, but its own empty state (a ledger whose org roles are not
# set yet, for tests of the role-set vote). Nothing when NAME is committed.
define_chaincode() {
  local name=$1 i pids=() p
  [[ $name =~ ^[a-zA-Z0-9]+([-_][a-zA-Z0-9]+)*$ ]] || { log "chaincode name '$name' is not valid (letters, digits, - and _ inside)"; return 1; }
  [[ $name != "$CC_NAME" ]] || { log "'$name' is the deployment's own chaincode"; return 1; }
  [[ -f "$(CC_DIR)/deployed.env" ]] || { log "chaincode not deployed; run 'scripts/network.sh up' first"; return 1; }
  # shellcheck disable=SC1090
  source "$(CC_DIR)/deployed.env"
  if peer_cli "${PEER_ORGS[0]}" lifecycle chaincode querycommitted -C "$CHANNEL" -n "$name" >/dev/null 2>&1; then
    log "chaincode $name already committed"
    return 0
  fi
  for i in "${PEER_ORGS[@]}"; do
    local v="PKGID_$i"
    approve_definition "$i" "$name" "$CC_VERSION" "${!v}" 1 &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || return 1; done
  commit_definition "$name" "$CC_VERSION" 1 || return 1
  log "chaincode $name committed (packages of $CC_NAME version $CC_VERSION, empty state)"
}

# An extra chaincode (define NAME --source PKG) runs its own servers, one per
# peer org on the org's port P_XCC, named cc-NAME.<dir>.prov. One extra
# chaincode per network at a time (one port).
xcc_name() { echo "cc-$1.${ORG_DIRS[$2]}.prov"; }

# define_extra_chaincode NAME PKG: build the Go chaincode server in package
# PKG (a path in the repository), package it per org naming the org's extra
# server, install, approve (every peer org) and commit it as NAME under the
# channel's default endorsement policy (the one the deployment's chaincode
# has), and start the servers. When NAME is committed with this build,
# only make sure the servers run. For benchmarks (a reference contract).
define_extra_chaincode() {
  local name=$1 src=$2 d tmp h bin cur curver curseq seq label i pids=() p envf v
  [[ $name =~ ^[a-z][a-z0-9]*$ ]] || { log "extra chaincode name '$name' must be lower-case letters and digits"; return 1; }
  [[ $name != "$CC_NAME" ]] || { log "'$name' is the deployment's own chaincode"; return 1; }
  d="$(CC_DIR)" envf="$(CC_DIR)/extra-$name.env"
  mkdir -p "$d"
  tmp="$d/$name-cc.build.$$"
  (cd "$REPO" && go build -o "$tmp" "$src") >>"$PROV_HOME/logs/build.log" 2>&1 ||
    { rm -f "$tmp"; log "build of $src failed (see $PROV_HOME/logs/build.log)"; return 1; }
  h="$(sha256sum "$tmp" | cut -c1-12)"
  bin="$d/$name-cc.$h"
  mv -f "$tmp" "$bin"
  cur="$(committed_version "$name")"
  curver="${cur%% *}" curseq="${cur##* }"
  [[ -z $cur ]] && curseq=0
  if [[ $curver == "$h" && -f $envf ]]; then
    # shellcheck disable=SC1090
    source "$envf"
    for i in "${PEER_ORGS[@]}"; do
      v="XPKGID_$i"
      start_ccserver "$i" "$bin" "${!v}" "$(xcc_name "$name" "$i")" "${P_XCC[$i]}"
    done
    log "chaincode $name $h (sequence $curseq) already committed; servers running"
    return 0
  fi
  seq=$((curseq + 1)) label="${name}_$h"
  local pkgs=() ids=()
  for i in "${PEER_ORGS[@]}"; do
    pkgs[i]="$(cc_package "$i" "$label" "${EP_XCC[$i]}")" || return 1
    ids[i]="$label:$(sha256sum "${pkgs[i]}" | cut -d' ' -f1)"
  done
  for i in "${PEER_ORGS[@]}"; do
    stop_proc "$(xcc_name "$name" "$i")"
    start_ccserver "$i" "$bin" "${ids[i]}" "$(xcc_name "$name" "$i")" "${P_XCC[$i]}"
    install_package "$i" "${pkgs[i]}" & pids+=($!)
    approve_definition "$i" "$name" "$h" "${ids[i]}" "$seq" & pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || return 1; done
  commit_definition "$name" "$h" "$seq" || return 1
  for i in "${PEER_ORGS[@]}"; do echo "XPKGID_$i=${ids[i]}"; done >"$envf"
  log "chaincode $name committed: version $h sequence $seq, servers cc-$name.<org>.prov"
}

# stop_extra_ccservers: stop every extra chaincode's servers (PID files).
stop_extra_ccservers() {
  local f n
  for f in "$PROV_HOME"/run/cc-*.pid; do
    [[ -e $f ]] || continue
    n=${f##*/}
    stop_proc "${n%.pid}" &
  done
  wait
}
