package netdesc

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Port offsets within an organization's block of PortSpan ports: org i's
// ports are PortBase + PortSpan*i + offset. scripts/network.sh gets every
// port from here (provnet topology, Shell).
const (
	PortSpan     = 20
	OffCA        = 0
	OffCAOps     = 1
	OffOrderer   = 2
	OffOrdAdmin  = 3
	OffOrdOps    = 4
	OffPeer      = 5
	OffPeerCC    = 6
	OffPeerOps   = 7
	OffCCServer  = 8
	Users        = "admin user1 badrole norole" // enrolled identities, in network.json order
	HostsNetns   = "netns"
	HostsDefault = "loopback"
)

// Layout is what a network's description is computed from: the topology
// (its organizations in port order) and where the network lives.
type Layout struct {
	Home, Repo, BinDir string
	Consensus          string
	Channel, Chaincode string
	PortBase           int
	Hosts              string // loopback (every node on 127.0.0.1) or netns (host names)
	Orgs               []OrgSpec
}

// OrgSpec is one organization of the topology. Index is its line in the
// topology file, which fixes its ports (a removed organization keeps its
// index, so it is simply not listed).
type OrgSpec struct {
	Index                int
	Dir, Name, MSP, Role string
	Peer, Orderer        bool
}

// Port is org index i's port at offset off.
func (l *Layout) Port(i, off int) int { return l.PortBase + PortSpan*i + off }

// endpoint is host:port by which others reach the node of org dir at port:
// 127.0.0.1, or with one host per organization the node's host name (the
// one its TLS certificate names).
func (l *Layout) endpoint(node string, port int) string {
	h := "127.0.0.1"
	if l.Hosts == HostsNetns {
		h = node
	}
	return h + ":" + strconv.Itoa(port)
}

// Node names of org dir d.
func CAName(d string) string      { return "ca." + d + ".prov" }
func OrdererName(d string) string { return "orderer0." + d + ".prov" }
func PeerName(d string) string    { return "peer0." + d + ".prov" }
func CCName(d string) string      { return "cc." + d + ".prov" }

// OrgHome is PROV_HOME/orgs/<dir>.
func OrgHome(home, dir string) string { return filepath.Join(home, "orgs", dir) }

// Describe computes the network's description from its layout. Users are
// listed as they exist on disk (enrolled under the org's users/).
func Describe(l Layout) (*Network, error) {
	if l.Home == "" || l.Channel == "" || l.Chaincode == "" || l.PortBase <= 0 || len(l.Orgs) == 0 {
		return nil, fmt.Errorf("layout needs a home, channel, chaincode, port base and organizations")
	}
	if l.Hosts == "" {
		l.Hosts = HostsDefault
	}
	if l.Hosts != HostsDefault && l.Hosts != HostsNetns {
		return nil, fmt.Errorf("hosts %q is not %s or %s", l.Hosts, HostsDefault, HostsNetns)
	}
	n := &Network{Consensus: l.Consensus, Channel: l.Channel, Chaincode: l.Chaincode, PortBase: l.PortBase,
		Home: l.Home, Repo: l.Repo, BinDir: l.BinDir, Orgs: []Org{}}
	seen := map[string]bool{}
	for _, s := range l.Orgs {
		for _, k := range []string{"i" + strconv.Itoa(s.Index), "d" + s.Dir, "m" + s.MSP, "n" + s.Name} {
			if seen[k] {
				return nil, fmt.Errorf("organization %s: its index, dir, msp or name repeats an earlier one", s.Dir)
			}
			seen[k] = true
		}
	}
	node := func(name, kind, dir string, ports map[string]int) *Node {
		return &Node{Name: name, Kind: kind, Org: dir, Ports: ports,
			PIDFile: filepath.Join(l.Home, "run", name+".pid"), LogFile: filepath.Join(l.Home, "logs", name+".log")}
	}
	for _, s := range l.Orgs {
		d, i := s.Dir, s.Index
		oh := OrgHome(l.Home, d)
		tlsca := filepath.Join(oh, "tlsca.pem")
		o := Org{Dir: d, Name: s.Name, MSP: s.MSP, Role: s.Role, Home: oh, MSPDir: filepath.Join(oh, "msp"),
			TLSCACert: tlsca, Users: map[string]User{}}
		for _, u := range strings.Fields(Users) {
			ud := filepath.Join(oh, "users", u)
			if !isDir(filepath.Join(ud, "msp")) {
				continue
			}
			usr := User{MSPDir: filepath.Join(ud, "msp")}
			if isDir(filepath.Join(ud, "tls")) {
				usr.TLSDir = filepath.Join(ud, "tls")
			}
			o.Users[u] = usr
		}
		ca := CAName(d)
		o.CA = node(ca, "ca", d, map[string]int{"listen": l.Port(i, OffCA), "operations": l.Port(i, OffCAOps)})
		o.CA.URL = "https://" + l.endpoint(ca, l.Port(i, OffCA))
		o.CA.TLSCACert = filepath.Join(oh, "ca", "ca-cert.pem")
		o.CA.Home = filepath.Join(oh, "ca")
		if s.Orderer {
			on := OrdererName(d)
			o.Orderer = node(on, "orderer", d, map[string]int{"listen": l.Port(i, OffOrderer), "admin": l.Port(i, OffOrdAdmin), "operations": l.Port(i, OffOrdOps)})
			o.Orderer.ConsenterID = i + 1
			o.Orderer.Address = l.endpoint(on, l.Port(i, OffOrderer))
			o.Orderer.TLSCACert = tlsca
			o.Orderer.MSPDir = filepath.Join(oh, "orderers", on, "msp")
			o.Orderer.TLSDir = filepath.Join(oh, "orderers", on, "tls")
			o.Orderer.LedgerDir = filepath.Join(l.Home, "data", on)
		}
		if s.Peer {
			pn := PeerName(d)
			o.ConnectionProfile = filepath.Join(oh, "connection.json")
			o.ConnectionProfileYAML = filepath.Join(oh, "connection.yaml")
			o.Peer = node(pn, "peer", d, map[string]int{"listen": l.Port(i, OffPeer), "chaincode": l.Port(i, OffPeerCC), "operations": l.Port(i, OffPeerOps)})
			o.Peer.Address = l.endpoint(pn, l.Port(i, OffPeer))
			o.Peer.TLSCACert = tlsca
			o.Peer.MSPDir = filepath.Join(oh, "peers", pn, "msp")
			o.Peer.TLSDir = filepath.Join(oh, "peers", pn, "tls")
			o.Peer.LedgerDir = filepath.Join(l.Home, "data", pn)
			cc := CCName(d)
			o.ChaincodeServer = node(cc, "chaincode", d, map[string]int{"listen": l.Port(i, OffCCServer)})
			o.ChaincodeServer.Address = l.endpoint(cc, l.Port(i, OffCCServer))
		}
		n.Orgs = append(n.Orgs, o)
	}
	return n, nil
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}
