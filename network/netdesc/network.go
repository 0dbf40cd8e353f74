// Package netdesc owns the layout and description of a local network: the
// topology file (ParseTopology), the ports, endpoints and names computed from
// it (Layout; Shell gives them to scripts/network.sh), the schema of
// PROV_HOME/network.json (Network, Org, Node; Load, Write, Describe), the
// organizations' connection profiles (Profile: read, and written as JSON and
// YAML), the loading of MSP folders (LoadMSP), dialling a node (Endpoint,
// Dial, Connect) and reading a node's Prometheus metrics (Scrape, Metric).
//
// scripts/network.sh reads the layout through `provnet topology`, writes the
// files through `provnet profiles` and reads metrics through `provnet metric`; the prov CLI (client/gateway), the test
// harness and provnet read the layout through this package.
package netdesc

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// FileName is the description's file name in PROV_HOME.
const FileName = "network.json"

// Network is PROV_HOME/network.json.
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

// Org is one organization; Peer and ChaincodeServer are nil for an org
// without a peer (OrdererOrg), Orderer for one without an ordering node.
type Org struct {
	Dir                   string          `json:"dir"`
	Name                  string          `json:"name"`
	MSP                   string          `json:"msp"`
	Role                  string          `json:"role"`
	Home                  string          `json:"home"`
	MSPDir                string          `json:"mspDir"`
	TLSCACert             string          `json:"tlsCACert"`
	ConnectionProfile     string          `json:"connectionProfile,omitempty"`
	ConnectionProfileYAML string          `json:"connectionProfileYAML,omitempty"`
	Users                 map[string]User `json:"users"`
	CA                    *Node           `json:"ca"`
	Orderer               *Node           `json:"orderer,omitempty"`
	Peer                  *Node           `json:"peer,omitempty"`
	ChaincodeServer       *Node           `json:"chaincodeServer,omitempty"`
}

// User is an enrolled identity's MSP directory (signcerts, keystore, ...)
// and, for admins, its TLS client directory.
type User struct {
	MSPDir string `json:"mspDir"`
	TLSDir string `json:"tlsDir,omitempty"`
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
	ConsenterID int            `json:"consenterId,omitempty"`
	URL         string         `json:"url,omitempty"`
	Address     string         `json:"address,omitempty"`
	TLSCACert   string         `json:"tlsCACert,omitempty"`
	Home        string         `json:"home,omitempty"`
	MSPDir      string         `json:"mspDir,omitempty"`
	TLSDir      string         `json:"tlsDir,omitempty"`
	LedgerDir   string         `json:"ledgerDir,omitempty"`
}

// Load reads home/network.json.
func Load(home string) (*Network, error) {
	b, err := os.ReadFile(filepath.Join(home, FileName))
	if err != nil {
		return nil, fmt.Errorf("read network description: %w", err)
	}
	return Parse(b, filepath.Join(home, FileName))
}

// Parse decodes a network description; name says where it came from.
func Parse(b []byte, name string) (*Network, error) {
	var n Network
	if err := json.Unmarshal(b, &n); err != nil {
		return nil, fmt.Errorf("parse %s: %w", name, err)
	}
	if n.Channel == "" || n.Home == "" || len(n.Orgs) == 0 {
		return nil, fmt.Errorf("parse %s: no channel, home or organizations", name)
	}
	for i, o := range n.Orgs {
		if o.Dir == "" || o.MSP == "" || o.CA == nil {
			return nil, fmt.Errorf("parse %s: organization %d has no dir, msp or ca", name, i)
		}
	}
	return &n, nil
}

// Marshal is the description as network.json spells it (indented, one key a
// line for the header, so that scripts can read portBase with sed).
func (n *Network) Marshal() ([]byte, error) { return marshalJSON(n) }

// marshalJSON is v as the files spell JSON: two-space indents, a final
// newline.
func marshalJSON(v any) ([]byte, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// Write writes the description to its home's network.json (atomically:
// readers never see half a file).
func (n *Network) Write() error {
	b, err := n.Marshal()
	if err != nil {
		return err
	}
	return writeAtomic(filepath.Join(n.Home, FileName), b)
}

// writeAtomic writes b to a temporary file next to path and renames it.
func writeAtomic(path string, b []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	return nil
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

// User returns org's enrolled identity user.
func (n *Network) User(org, user string) (*Org, User, error) {
	o, err := n.Org(org)
	if err != nil {
		return nil, User{}, err
	}
	u, ok := o.Users[user]
	if !ok {
		return nil, User{}, fmt.Errorf("no user %q in organization %s", user, o.Name)
	}
	return o, u, nil
}

// Host is the host the node is reached at: its address's or URL's host, else
// 127.0.0.1. Its ports all listen there.
func (nd *Node) Host() string {
	hp := nd.Address
	if hp == "" && nd.URL != "" {
		hp = nd.URL[strings.Index(nd.URL, "://")+3:]
	}
	if i := strings.LastIndexByte(hp, ':'); i > 0 {
		return hp[:i]
	}
	return "127.0.0.1"
}

// PID reads the node's PID file.
func (nd *Node) PID() (int, error) {
	b, err := os.ReadFile(nd.PIDFile)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", nd.Name, err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return 0, fmt.Errorf("%s: bad PID file: %w", nd.Name, err)
	}
	return pid, nil
}

// Running reports whether the node's process (by PID file) is alive.
func (nd *Node) Running() bool {
	pid, err := nd.PID()
	return err == nil && ProcessRunning(pid)
}

// ProcessRunning reports whether pid is alive and not a zombie (a killed
// daemon stays a zombie until its adoptive parent reaps it).
func ProcessRunning(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// The state follows the parenthesised command name.
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) {
		return s[i+2] != 'Z'
	}
	return true
}
