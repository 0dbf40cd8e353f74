package verify

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/provledger/provenance/client/gateway"
	"github.com/provledger/provenance/network/netdesc"
)

// AllPeers is the --peers value that asks every organization with a
// connection profile under PROV_HOME.
const AllPeers = "all"

// peerTarget is one confirming organization's peer, from its connection
// profile.
type peerTarget struct {
	name     string // "DistributorMSP (peer0.distributor.prov)"
	resolved gateway.Resolved
}

// resolvePeers turns --peers (AllPeers, or organization names / MSP IDs /
// profile files) into the other organizations' peers, read from their
// connection profiles (PROV_HOME/orgs/<org>/connection.json); the client's
// own identity signs the queries (every channel member may read blocks).
// The answering peer's own organization is left out.
func resolvePeers(self *gateway.Resolved, specs []string) ([]peerTarget, error) {
	var paths []string
	if len(specs) == 1 && strings.EqualFold(specs[0], AllPeers) {
		dirs, err := os.ReadDir(filepath.Join(self.Home, "orgs"))
		if err != nil {
			return nil, fmt.Errorf("--peers all: %w", err)
		}
		for _, d := range dirs {
			p := filepath.Join(self.Home, "orgs", d.Name(), "connection.json")
			if _, err := os.Stat(p); err == nil && d.IsDir() {
				paths = append(paths, p)
			}
		}
		if len(paths) == 0 {
			return nil, fmt.Errorf("--peers all: no connection profile under %s", filepath.Join(self.Home, "orgs"))
		}
	} else {
		for _, s := range specs {
			if strings.EqualFold(s, AllPeers) {
				return nil, fmt.Errorf("--peers: %q goes alone", AllPeers)
			}
			p, err := netdesc.FindProfile(self.Home, s)
			if err != nil {
				return nil, fmt.Errorf("--peers %s: %w", s, err)
			}
			paths = append(paths, p)
		}
	}
	var out []peerTarget
	seen := map[string]bool{self.MSPID: true}
	for _, p := range paths {
		prof, err := netdesc.LoadProfile(p)
		if err != nil {
			return nil, err
		}
		_, org, err := prof.ClientOrg()
		if err != nil {
			return nil, err
		}
		if seen[org.MSPID] || len(org.Peers) == 0 {
			continue
		}
		seen[org.MSPID] = true
		name := org.Peers[0]
		ep, err := prof.Endpoint(name)
		if err != nil {
			return nil, err
		}
		r := *self
		r.PeerName, r.Endpoint, r.TLS, r.TLSCAPEM, r.ServerName = name, ep.Address, ep.TLS, ep.TLSCA, ep.ServerName
		out = append(out, peerTarget{name: fmt.Sprintf("%s (%s)", org.MSPID, name), resolved: r})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out, nil
}

// dialPeers connects to each target; a peer that cannot be dialled is
// returned with its error (a warning in the report). close closes them all.
func dialPeers(targets []peerTarget, id *netdesc.Identity, t gateway.Timeouts, chaincode string) (peers []Peer, close func()) {
	var conns []*gateway.Conn
	for _, tg := range targets {
		r := tg.resolved
		c, err := gateway.Dial(&r, id, t, 0, 0)
		if err != nil {
			peers = append(peers, Peer{Name: tg.name, Err: err})
			continue
		}
		conns = append(conns, c)
		peers = append(peers, Peer{Name: tg.name, Ledger: NewGatewayLedger(c.Network(), chaincode)})
	}
	return peers, func() {
		for _, c := range conns {
			_ = c.Close()
		}
	}
}
