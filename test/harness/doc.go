// Package harness drives a local Fabric network made by scripts/network.sh for
// integration tests and tools. It is deliberately small:
//
//   - Load(home) reads PROV_HOME/network.json into a Network (orgs, nodes,
//     ports, PID/log files, MSP and TLS paths).
//   - Config{Home, PortBase, Consensus}.Up/Down/Clean/Script run
//     scripts/network.sh on that PROV_HOME and port base.
//   - Start(t, cfg) is the test entry point: it skips unless PROV_INTEGRATION=1,
//     brings the network up and registers a cleanup that removes it even when
//     the test fails (then the logs are kept in <Home>-logs first).
//   - Shared(t) is for tests that only use a network: the one named by
//     PROV_HOME / PROV_PORT_BASE / PROV_CONSENSUS (defaults <repo>/.prov,
//     7000), brought up if needed and left running; skips unless
//     PROV_INTEGRATION=1.
//   - PackageNetwork{Home, PortBase, Consensus} is the one network a test
//     package's TestMain brings up and its tests share: Main(m) (up or reuse,
//     run, close connections, down unless PROV_KEEP_NETWORK=1), Require(tb,
//     setup) (skip without PROV_INTEGRATION=1, setup once), Conn(org, user)
//     (cached connection).
//   - Network.Node(name), Nodes(kind), Org(dir) look nodes up; Node.PID,
//     Node.Running, Network.Kill(name) (SIGKILL by PID file, waits until the
//     process is gone), Network.StartNode(ctx, name) (scripts/network.sh
//     start-node: restart one process and wait for its /healthz).
//   - Network.Height(ctx, node) reads ledger_blockchain_height from a node's
//     operations endpoint; WaitHeight waits until nodes reach a height;
//     Leader(ctx) finds the ordering node that leads (BFT or Raft metrics).
//   - Network.Connect(org, user) opens a fabric-gateway connection to the
//     org's peer as PROV_HOME/orgs/<org>/users/<user>; Conn.Contract() is the
//     provenance chaincode on channel supplychain.
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
