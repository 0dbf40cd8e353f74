package harness

import "github.com/provledger/provenance/network/netdesc"

// Network is a network's description, PROV_HOME/network.json (package
// netdesc: orgs, nodes, heights, the leader, gateways), with the test
// operations on it (Connect, Kill, StartNode, CLI).
type Network struct{ *netdesc.Network }

// Node is one process of the network (netdesc.Node).
type Node = netdesc.Node

// Load reads home/network.json.
func Load(home string) (*Network, error) {
	d, err := netdesc.Load(home)
	if err != nil {
		return nil, err
	}
	return &Network{d}, nil
}
