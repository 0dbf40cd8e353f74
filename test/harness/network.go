package harness

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// Network is PROV_HOME/network.json, written by scripts/network.sh.
type Network struct {
	Consensus string `json:"consensus"`
	Channel   string `json:"channel"`
	Chaincode string `json:"chaincode"`
	PortBase  int    `json:"portBase"`
	Home      string `json:"home"`
	Repo      string `json:"repo"`
	BinDir    string `json:"binDir"`
	Orgs      []Org  `json:"orgs"`
}

// Org is one organization; Peer and ChaincodeServer are nil for OrdererOrg.
type Org struct {
	Dir                   string          `json:"dir"`
	Name                  string          `json:"name"`
	MSP                   string          `json:"msp"`
	Role                  string          `json:"role"`
	Home                  string          `json:"home"`
	MSPDir                string          `json:"mspDir"`
	TLSCACert             string          `json:"tlsCACert"`
	ConnectionProfile     string          `json:"connectionProfile"`
	ConnectionProfileYAML string          `json:"connectionProfileYAML"`
	Users                 map[string]User `json:"users"`
	CA                    *Node           `json:"ca"`
	Orderer               *Node           `json:"orderer"`
	Peer                  *Node           `json:"peer"`
	ChaincodeServer       *Node           `json:"chaincodeServer"`
}

// User is an enrolled identity's MSP directory (signcerts, keystore, ...)
// and TLS directory.
type User struct {
	MSPDir string `json:"mspDir"`
	TLSDir string `json:"tlsDir"`
}

// Node is one process of the network.
type Node struct {
	Name string `json:"name"`
	// Kind is ca, orderer, peer or chaincode.
	Kind string `json:"kind"`
	// Org is the owning organization's dir name.
	Org string `json:"org"`
	// Ports by purpose: listen, operations, admin, chaincode.
	Ports       map[string]int `json:"ports"`
	PIDFile     string         `json:"pidFile"`
	LogFile     string         `json:"logFile"`
	Address     string         `json:"address"`
	URL         string         `json:"url"`
	TLSCACert   string         `json:"tlsCACert"`
	MSPDir      string         `json:"mspDir"`
	TLSDir      string         `json:"tlsDir"`
	LedgerDir   string         `json:"ledgerDir"`
	ConsenterID int            `json:"consenterId"`
}

// Load reads home/network.json.
func Load(home string) (*Network, error) {
	b, err := os.ReadFile(filepath.Join(home, "network.json"))
	if err != nil {
		return nil, fmt.Errorf("read network description: %w", err)
	}
	var n Network
	if err := json.Unmarshal(b, &n); err != nil {
		return nil, fmt.Errorf("parse %s/network.json: %w", home, err)
	}
	return &n, nil
}

// Org returns the organization with the given dir name (manufacturer,
// distributor, customs, orderer), MSP ID or org name.
func (n *Network) Org(name string) (*Org, error) {
	for i := range n.Orgs {
		o := &n.Orgs[i]
		if o.Dir == name || o.MSP == name || o.Name == name {
			return o, nil
		}
	}
	return nil, fmt.Errorf("no organization %q in %s", name, n.Home)
}

// Nodes returns the nodes of one kind (ca, orderer, peer, chaincode) in org
// order; an empty kind returns every node.
func (n *Network) Nodes(kind string) []*Node {
	var out []*Node
	for i := range n.Orgs {
		o := &n.Orgs[i]
		for _, nd := range []*Node{o.CA, o.Orderer, o.Peer, o.ChaincodeServer} {
			if nd != nil && (kind == "" || nd.Kind == kind) {
				out = append(out, nd)
			}
		}
	}
	return out
}

// Node returns the node with the given process name, e.g.
// "orderer0.customs.prov" or "peer0.manufacturer.prov".
func (n *Network) Node(name string) (*Node, error) {
	for _, nd := range n.Nodes("") {
		if nd.Name == name {
			return nd, nil
		}
	}
	return nil, fmt.Errorf("no node %q in %s", name, n.Home)
}
