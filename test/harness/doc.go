// Package harness is the one test harness of the integration tests: it
// drives local Fabric networks made by scripts/network.sh and gives tests
// connections, the prov binary and GS1 test identifiers.
//
// One TestMain style: a package declares its network and runs its tests on it,
//
//	var pn = &harness.PackageNetwork{Home: ".prov-x", PortBase: 12600, Shared: true}
//	func TestMain(m *testing.M) { os.Exit(pn.Main(m)) }
//
// and each test starts with pn.Require(t, setup) (skip without
// PROV_INTEGRATION=1, setup once). Shared: true (the one-line conversion)
// declares that the package leaves the network as it found it and never
// assumes an empty ledger; when scripts/test.sh has brought up the suite's
// shared network of the package's consensus (PROV_SHARED_BFT, PROV_SHARED_RAFT:
// its PROV_HOME), Main attaches to it and never stops it; otherwise, e.g.
// `go test ./test/cli` alone, Main brings up the package's own network and
// stops it after (PROV_KEEP_NETWORK=1 keeps it). Fresh: true creates the
// package's network from scratch and removes it after (fault tests).
//
//   - Load(home) reads PROV_HOME/network.json into a Network, which embeds
//     the description package network/netdesc's (orgs, nodes, ports, PID/log
//     files, MSP and TLS paths; Node is netdesc.Node).
//   - Config{Home, PortBase, Consensus}.Up/Down/Clean/Script run
//     scripts/network.sh on that PROV_HOME and port base; Start(t, cfg) is a
//     network for one test (own topologies, membership changes).
//   - Network.Node(name), Nodes(kind), Org(dir) look nodes up; Node.PID,
//     Node.Running, Network.Kill(name) (SIGKILL by PID file, waits until the
//     process is gone), Network.StartNode(ctx, name) (scripts/network.sh
//     start-node: restart one process and wait for its /healthz).
//   - Network.Height(ctx, node) reads ledger_blockchain_height from a node's
//     operations endpoint; WaitHeight waits until nodes reach a height;
//     Leader(ctx) finds the ordering node that leads (BFT or Raft metrics):
//     netdesc's metrics scraper, promoted.
//   - Network.Connect(org, user) and Connect(t, home, org, user) open a
//     fabric-gateway Conn (identities read by netdesc.LoadMSP, the prov CLI's loader,
//     peers from network.json or the org's connection profile); Conn has
//     Contract(), Evaluate/Submit with the peers' refusal text, Item,
//     History, Prefix, Snap/Diff, Height, Block, TxValidation.
//   - BuildProv and CLI run the built prov binary as an org's user.
//   - GTIN, GLN, Key, Unique, RunPrefix make identifiers unique per run.
//
// Node names are <kind>.<org>.prov: ca.customs.prov, orderer0.orderer.prov,
// peer0.manufacturer.prov, cc.distributor.prov. Ports never need guessing:
// every value comes from network.json.
//
// Example:
//
//	n := harness.Start(t, harness.Config{Home: home, PortBase: 20000, Consensus: "bft"})
//	c, err := n.Connect("manufacturer", "user1")
//	...
//	_, err = c.Contract().Submit("Ping")
package harness
