package netdesc

import (
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const (
	mLine = "  - {dir: manufacturer, name: ManufacturerOrg, msp: ManufacturerMSP, role: manufacturer, peer: true, orderer: true}\n"
	oLine = "  - {dir: orderer, name: OrdererOrg, msp: OrdererMSP, role: \"\", peer: false, orderer: true}\n"
)

func TestParseTopology(t *testing.T) {
	good := []struct {
		name, body string
		want       Topology
	}{
		{"default shape", "# comment\nconsensus: bft\norgs:\n" + mLine + oLine, Topology{Consensus: "bft", Hosts: HostsDefault, Orgs: []TopologyOrg{
			{Dir: "manufacturer", Name: "ManufacturerOrg", MSP: "ManufacturerMSP", Role: "manufacturer", Peer: true, Orderer: true, Line: 4},
			{Dir: "orderer", Name: "OrdererOrg", MSP: "OrdererMSP", Orderer: true, Line: 5}}}},
		{"netns, raft, comments after values, no final newline", "hosts: netns # one host per org\nconsensus: raft\norgs:\n" +
			"  - {dir: a, name: A, msp: AMSP, role: customs, peer: true, orderer: true} # the only org", Topology{Consensus: "raft", Hosts: HostsNetns,
			Orgs: []TopologyOrg{{Dir: "a", Name: "A", MSP: "AMSP", Role: "customs", Peer: true, Orderer: true, Line: 4}}}},
		{"no consensus line", "orgs:\n  -{dir: a, name: A, msp: AMSP, role: customs, peer: true, orderer: true,}\n", Topology{Hosts: HostsDefault,
			Orgs: []TopologyOrg{{Dir: "a", Name: "A", MSP: "AMSP", Role: "customs", Peer: true, Orderer: true, Line: 2}}}},
		{"removed org keeps its index", "orgs:\n" + mLine + "  - {dir: b, name: B, msp: BMSP, role: customs, peer: true, orderer: false, removed: true}\n" + oLine,
			Topology{Hosts: HostsDefault, Orgs: []TopologyOrg{
				{Dir: "manufacturer", Name: "ManufacturerOrg", MSP: "ManufacturerMSP", Role: "manufacturer", Peer: true, Orderer: true, Line: 2},
				{Dir: "b", Name: "B", MSP: "BMSP", Role: "customs", Peer: true, Removed: true, Line: 3},
				{Dir: "orderer", Name: "OrdererOrg", MSP: "OrdererMSP", Orderer: true, Line: 4}}}},
	}
	for _, tc := range good {
		got, err := ParseTopology("t.yaml", []byte(tc.body))
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		tc.want.File = "t.yaml"
		if !reflect.DeepEqual(*got, tc.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.name, *got, tc.want)
		}
	}
	if got, _ := ParseTopology("t", []byte(good[3].body)); len(got.Specs()) != 2 || got.Specs()[1].Index != 2 || got.PortSpan() != 60 {
		t.Errorf("removed org: specs %+v span %d", got.Specs(), got.PortSpan())
	}

	org := func(kv string) string { return "orgs:\n  - {" + kv + "}\n" + oLine }
	bad := []struct{ name, body, want string }{
		{"consensus value", "consensus: paxos\norgs:\n" + mLine, "t.yaml: consensus 'paxos' is not bft or raft"},
		{"consensus upper case", "consensus: BFT\n" + mLine, "t.yaml line 1: expected '  - {dir: ..., name: ..., msp: ..., role: ..., peer: true|false, orderer: true|false}'"},
		{"hosts", "hosts: vlan\n" + mLine, "t.yaml line 1: hosts 'vlan' is not loopback or netns"},
		{"not an org line", "orgs:\n  dir: a\n", "t.yaml line 2: expected '  - {dir: ..., name:"},
		{"key without value", org("dir: a, name"), "t.yaml line 2: cannot read ' name' (want key: value)"},
		{"unknown key", org("dir: a, colour: green"), "t.yaml line 2: unknown key 'colour'"},
		{"dir", org("dir: A1, name: A, msp: AMSP, role: customs, peer: true, orderer: true"), "line 2: dir 'A1' must be lower-case letters and digits"},
		{"name", org("dir: a, name: 1A, msp: AMSP, role: customs, peer: true, orderer: true"), "line 2: name '1A' must be letters and digits"},
		{"msp", org("dir: a, name: A, msp: A-MSP, role: customs, peer: true, orderer: true"), "line 2: msp 'A-MSP' must be letters and digits"},
		{"role", org("dir: a, name: A, msp: AMSP, role: smuggler, peer: true, orderer: true"), "line 2: role 'smuggler' is not manufacturer, distributor, customs or \"\""},
		{"role missing", org("dir: a, name: A, msp: AMSP, peer: true, orderer: true"), "line 2: role '-' is not"},
		{"peer", org("dir: a, name: A, msp: AMSP, role: customs, peer: yes, orderer: true"), "line 2: peer must be true or false"},
		{"orderer missing", org("dir: a, name: A, msp: AMSP, role: customs, peer: true"), "line 2: orderer must be true or false"},
		{"removed", org("dir: a, name: A, msp: AMSP, role: customs, peer: true, orderer: true, removed: maybe"), "line 2: removed must be true or false"},
		{"peer without role", org(`dir: a, name: A, msp: AMSP, role: "", peer: true, orderer: true`), "line 2: a runs a peer, so it needs a role"},
		{"neither", org(`dir: a, name: A, msp: AMSP, role: "", peer: false, orderer: false`), "line 2: a runs neither a peer nor an ordering node"},
		{"msp twice", "orgs:\n" + mLine + "  - {dir: b, name: B, msp: ManufacturerMSP, role: customs, peer: true, orderer: true}\n", "t.yaml line 3: dir, name or msp repeats an earlier organization"},
		{"removed dir reused", "orgs:\n  - {dir: b, name: B, msp: BMSP, role: customs, peer: true, orderer: false, removed: true}\n" + mLine +
			"  - {dir: b, name: B2, msp: B2MSP, role: customs, peer: true, orderer: false}\n", "t.yaml line 4: dir, name or msp repeats"},
		{"no peer", "orgs:\n" + oLine, "t.yaml: no organization runs a peer"},
		{"only peer removed", "orgs:\n  - {dir: b, name: B, msp: BMSP, role: customs, peer: true, orderer: false, removed: true}\n" + oLine, "t.yaml: no organization runs a peer"},
		{"no orderer", "orgs:\n  - {dir: a, name: A, msp: AMSP, role: customs, peer: true, orderer: false}\n", "t.yaml: no organization runs an ordering node"},
		{"empty", "", "t.yaml: no organization runs a peer"},
	}
	for _, tc := range bad {
		_, err := ParseTopology("t.yaml", []byte(tc.body))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", tc.name, err, tc.want)
		}
	}
	if _, err := LoadTopology("/nonexistent/t.yaml"); err == nil || err.Error() != "topology file '/nonexistent/t.yaml' not found" {
		t.Errorf("missing file: %v", err)
	}
}

// The repository's own topologies parse.
func TestRepositoryTopologies(t *testing.T) {
	for f, n := range map[string]int{"topology.yaml": 4, "topology-consortium.yaml": 6, "topology-hosts.yaml": 4} {
		top, err := LoadTopology(filepath.Join("..", f))
		if err != nil || len(top.Orgs) != n {
			t.Errorf("%s: %v (%d orgs, want %d)", f, err, len(top.Specs()), n)
		}
	}
}

func TestPortBaseAndChooseTopology(t *testing.T) {
	h := t.TempDir()
	for s, want := range map[string]string{"7000": "", "1024": "", "80": "between 1024 and 65455 (got '80')", "abc": "(got 'abc')",
		"65456": "got '65456'", "+7000": "got '+7000'", "": ""} {
		b, err := PortBase(s, h, 80)
		if want == "" && err != nil || want != "" && (err == nil || !strings.Contains(err.Error(), "PROV_PORT_BASE must be a number") || !strings.Contains(err.Error(), want)) {
			t.Errorf("PortBase(%q) = %d, %v; want %q", s, b, err, want)
		}
	}
	write(t, filepath.Join(h, FileName), []byte("{\n  \"portBase\": 9000,\n  \"orgs\": []\n}\n"))
	if b, err := PortBase("", h, 80); b != 9000 || err != nil {
		t.Errorf("existing network's base: %d %v", b, err)
	}
	if b, _ := PortBase("9100", h, 80); b != 9100 {
		t.Errorf("given base: %d", b)
	}

	body := []byte("orgs:\n" + mLine + oLine)
	other := filepath.Join(t.TempDir(), "other.yaml")
	write(t, other, append([]byte("# other\n"), body...))
	if f, _ := ChooseTopology(h, "", "/def.yaml"); f != "/def.yaml" {
		t.Errorf("new network, no PROV_TOPOLOGY: %s", f)
	}
	if f, _ := ChooseTopology(h, other, "/def.yaml"); f != other {
		t.Errorf("new network, PROV_TOPOLOGY: %s", f)
	}
	write(t, filepath.Join(h, "topology.yaml"), body)
	if f, _ := ChooseTopology(h, "", "/def.yaml"); f != filepath.Join(h, "topology.yaml") {
		t.Errorf("existing network: %s", f)
	}
	if _, err := ChooseTopology(h, other, "/def.yaml"); err == nil || !strings.Contains(err.Error(), "another topology than PROV_TOPOLOGY="+other) {
		t.Errorf("existing network, other PROV_TOPOLOGY: %v", err)
	}
}

func TestTopologyEdits(t *testing.T) {
	body := []byte("orgs:\n" + mLine + "  - {dir: customs, name: CustomsOrg, msp: CustomsMSP, role: customs, peer: true, orderer: false} # note {x}\n" + oLine)
	top, err := ParseTopology("t", body)
	if err != nil {
		t.Fatal(err)
	}
	line, err := top.AddOrgLine("wholesaler", "distributor")
	if err != nil || line != "  - {dir: wholesaler, name: WholesalerOrg, msp: WholesalerMSP, role: distributor, peer: true, orderer: false}\n" {
		t.Errorf("add: %q %v", line, err)
	}
	if _, err := top.AddOrgLine("customs", "customs"); err == nil || !strings.Contains(err.Error(), "organization 'customs' exists already") {
		t.Errorf("add existing: %v", err)
	}
	if _, err := top.AddOrgLine("ordererx", "customs"); err != nil {
		t.Errorf("add: %v", err)
	}
	b, err := MarkRemoved(body, top, "customs")
	if err != nil {
		t.Fatal(err)
	}
	after, err := ParseTopology("t", b)
	if err != nil || !after.Orgs[1].Removed || len(after.Specs()) != 2 || !strings.Contains(string(b), "removed: true} # note {x}") {
		t.Errorf("removed: %v\n%s", err, b)
	}
	if _, err := MarkRemoved(b, after, "customs"); err == nil {
		t.Error("removing a removed org: want error")
	}
	if _, err := after.AddOrgLine("customs", "customs"); err == nil || !strings.Contains(err.Error(), "or existed") {
		t.Errorf("a removed org's name reused: %v", err)
	}
}

// Shell's statements, evaluated by bash, give the scripts the layout; a
// home with a quote and a space survives the quoting.
func TestShell(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	body := "consensus: raft\nhosts: netns\norgs:\n" + mLine +
		"  - {dir: b, name: B, msp: BMSP, role: customs, peer: true, orderer: false, removed: true}\n" + oLine
	top, err := ParseTopology("t.yaml", []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	home := "/tmp/it's a home"
	l := Layout{Home: home, Channel: "supplychain", Chaincode: "provenance", PortBase: 9000, Hosts: top.Hosts, Orgs: top.Specs()}
	script := "set -eu\nf() {\n" + Shell(top, l) + "}\nf\n" + `echo "${ORG_DIRS[*]}|${ALL_ORGS[*]}|${PEER_ORGS[*]}|${ORDERER_ORGS[*]}|${ORG_PEER[*]}|${ORG_BADROLES[0]}"
echo "${P_PEER[0]} ${P_ORD_OPS[2]} ${EP_PEER[0]} ${EP_CA[2]} ${EP_XCC[0]} ${BIND[2]} ${NETNS[2]} ${VETH[2]} $BRIDGE"
echo "${PROCS[*]}"
echo "${PROC_PORTS[peer0.manufacturer.prov]} ${PORT_HOST[9042]} ${ORG_HOME[0]}"
echo "$HOSTS_BEGIN|${HOSTS_LINES[1]}|$PORT_SPAN $PROV_PORT_BASE $TOPOLOGY_CONSENSUS $TOPOLOGY_HOSTS $TOPOLOGY_FILE"
`
	out, err := exec.Command("bash", "-c", script).CombinedOutput()
	if err != nil {
		t.Fatalf("bash: %v\n%s", err, out)
	}
	want := `manufacturer b orderer|0 2|0|0 2|1 0 0|distributor
9005 9044 peer0.manufacturer.prov:9005 ca.orderer.prov:9040 cc.manufacturer.prov:9009 10.35.40.12 prov9000-orderer pv9000x2 provbr9000
ca.manufacturer.prov ca.orderer.prov orderer0.manufacturer.prov orderer0.orderer.prov peer0.manufacturer.prov cc.manufacturer.prov
9005 9006 9007 10.35.40.12 /tmp/it's a home/orgs/manufacturer
# BEGIN prov network /tmp/it's a home|10.35.40.12 ca.orderer.prov tlsca.orderer.prov orderer0.orderer.prov peer0.orderer.prov cc.orderer.prov|60 9000 raft netns t.yaml
`
	if string(out) != want {
		t.Errorf("bash saw:\n%s\nwant:\n%s", out, want)
	}
	l.Hosts = HostsDefault
	out, err = exec.Command("bash", "-c", Shell(top, l)+`echo "${EP_PEER[0]} ${BIND[0]} ${PORT_HOST[9005]}"`).CombinedOutput()
	if err != nil || string(out) != "127.0.0.1:9005 127.0.0.1 127.0.0.1\n" {
		t.Errorf("loopback: %v %s", err, out)
	}
}
