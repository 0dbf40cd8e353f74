package netdesc

import (
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// configLayout is a layout of topology body at port base 12000 in /h.
func configLayout(t *testing.T, body string) Layout {
	t.Helper()
	top, err := ParseTopology("t.yaml", []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	return Layout{Home: "/h", Channel: "supplychain", Chaincode: "provenance", PortBase: 12000, Hosts: top.Hosts, Orgs: top.Specs()}
}

// parsed is generated YAML read back as plain maps and lists.
func parsed(t *testing.T, b []byte, err error) map[string]any {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := yaml.Unmarshal(b, &m); err != nil {
		t.Fatalf("%v in\n%s", err, b)
	}
	return m
}

// at walks maps by key and lists by index ("0", "1", ...).
func at(t *testing.T, v any, path string) any {
	t.Helper()
	for _, k := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[k]; !ok {
				t.Fatalf("%s: no key %q", path, k)
			}
		case []any:
			i := int(k[0] - '0')
			if len(k) != 1 || i >= len(x) {
				t.Fatalf("%s: no element %q of %d", path, k, len(x))
			}
			v = x[i]
		default:
			t.Fatalf("%s: %q below a %T", path, k, v)
		}
	}
	return v
}

func expect(t *testing.T, v any, path string, want any) {
	t.Helper()
	if got := at(t, v, path); got != want {
		t.Errorf("%s = %#v, want %#v", path, got, want)
	}
}

const removedBody = "consensus: bft\norgs:\n" + mLine +
	"  - {dir: gone, name: GoneOrg, msp: GoneMSP, role: customs, peer: true, orderer: true, removed: true}\n" +
	"  - {dir: dist, name: DistOrg, msp: DistMSP, role: distributor, peer: true, orderer: false}\n" + oLine

func TestConfigtxBFT(t *testing.T) {
	l := configLayout(t, removedBody)
	o := DefaultOrdering()
	o.BatchInterval = "200ms"
	b, err := ConfigtxYAML(l, "bft", o)
	c := parsed(t, b, err)
	// Organizations for -printOrg: the removed org is left out, the others
	// keep their indexes' ports.
	orgs := at(t, c, "Organizations").([]any)
	if len(orgs) != 3 {
		t.Fatalf("%d organizations, want 3 (the removed one left out)", len(orgs))
	}
	expect(t, c, "Organizations.0.ID", "ManufacturerMSP")
	expect(t, c, "Organizations.0.MSPDir", "/h/orgs/manufacturer/msp")
	expect(t, c, "Organizations.0.OrdererEndpoints.0", "127.0.0.1:12002")
	expect(t, c, "Organizations.0.AnchorPeers.0.Port", 12005)
	expect(t, c, "Organizations.0.Policies.Writers.Rule", "OR('ManufacturerMSP.admin', 'ManufacturerMSP.client', 'ManufacturerMSP.orderer')")
	expect(t, c, "Organizations.0.Policies.Endorsement.Rule", "OR('ManufacturerMSP.peer')")
	expect(t, c, "Organizations.1.ID", "DistMSP")
	expect(t, c, "Organizations.1.AnchorPeers.0.Port", 12045)
	if _, ok := at(t, c, "Organizations.1").(map[string]any)["OrdererEndpoints"]; ok {
		t.Error("an org without an ordering node has OrdererEndpoints")
	}
	if _, ok := at(t, c, "Organizations.2").(map[string]any)["AnchorPeers"]; ok {
		t.Error("an org without a peer has AnchorPeers")
	}
	expect(t, c, "Organizations.2.OrdererEndpoints.0", "127.0.0.1:12062")

	p := "Profiles." + ProfileName
	expect(t, c, p+".Capabilities.V3_0", true)
	expect(t, c, p+".Policies.Admins.Rule", "MAJORITY Admins")
	expect(t, c, p+".Orderer.OrdererType", "BFT")
	expect(t, c, p+".Orderer.BatchTimeout", "100ms")
	expect(t, c, p+".Orderer.BatchSize.MaxMessageCount", 500)
	expect(t, c, p+".Orderer.Policies.BlockValidation.Rule", "ANY Writers")
	expect(t, c, p+".Orderer.Capabilities.V2_0", true)
	expect(t, c, p+".Orderer.SmartBFT.RequestBatchMaxInterval", "200ms")
	expect(t, c, p+".Orderer.SmartBFT.RequestComplainTimeout", "4s")
	expect(t, c, p+".Orderer.SmartBFT.ViewChangeTimeout", "8s")
	cons := at(t, c, p+".Orderer.ConsenterMapping").([]any)
	if len(cons) != 2 {
		t.Fatalf("%d consenters, want 2", len(cons))
	}
	expect(t, c, p+".Orderer.ConsenterMapping.0.ID", 1)
	expect(t, c, p+".Orderer.ConsenterMapping.0.Port", 12002)
	expect(t, c, p+".Orderer.ConsenterMapping.0.Identity", "/h/orgs/manufacturer/orderers/orderer0.manufacturer.prov/msp/signcerts/cert.pem")
	expect(t, c, p+".Orderer.ConsenterMapping.1.ID", 4) // org index 3
	expect(t, c, p+".Orderer.ConsenterMapping.1.MSPID", "OrdererMSP")
	expect(t, c, p+".Orderer.ConsenterMapping.1.ServerTLSCert", "/h/orgs/orderer/orderers/orderer0.orderer.prov/tls/server.crt")
	expect(t, c, p+".Orderer.Organizations.1.ID", "OrdererMSP")
	if n := len(at(t, c, p+".Orderer.Organizations").([]any)); n != 2 {
		t.Errorf("%d orderer organizations, want 2", n)
	}
	if _, ok := at(t, c, p+".Orderer").(map[string]any)["EtcdRaft"]; ok {
		t.Error("a BFT profile has an EtcdRaft section")
	}
	expect(t, c, p+".Application.Organizations.1.ID", "DistMSP")
	if n := len(at(t, c, p+".Application.Organizations").([]any)); n != 2 {
		t.Errorf("%d application organizations, want 2", n)
	}
	expect(t, c, p+".Application.Policies.LifecycleEndorsement.Rule", "MAJORITY Endorsement")
	expect(t, c, p+".Application.Capabilities.V2_5", true)

	if b2, _ := ConfigtxYAML(l, "bft", DefaultOrdering()); at(t, parsed(t, b2, nil), p+".Orderer.SmartBFT.RequestBatchMaxInterval") != DefaultBatchInterval {
		t.Errorf("the default batch interval is not %s", DefaultBatchInterval)
	}
	for _, bad := range []string{"5m", "1.5s", "50", "ms", "50ms "} {
		o.BatchInterval = bad
		if _, err := ConfigtxYAML(l, "bft", o); err == nil || !strings.Contains(err.Error(), "want a duration such as 50ms or 1s") {
			t.Errorf("batch interval %q: err %v", bad, err)
		}
	}
	if _, err := ConfigtxYAML(l, "paxos", DefaultOrdering()); err == nil {
		t.Error("consensus paxos accepted")
	}
}

func TestConfigtxRaftNetns(t *testing.T) {
	l := configLayout(t, "hosts: netns\norgs:\n"+mLine+oLine)
	b, err := ConfigtxYAML(l, "raft", DefaultOrdering())
	c := parsed(t, b, err)
	p := "Profiles." + ProfileName + ".Orderer"
	expect(t, c, p+".OrdererType", "etcdraft")
	expect(t, c, p+".EtcdRaft.Options.ElectionTick", 5)
	expect(t, c, p+".EtcdRaft.Options.TickInterval", "200ms")
	expect(t, c, p+".EtcdRaft.Consenters.1.Host", "orderer0.orderer.prov")
	expect(t, c, p+".EtcdRaft.Consenters.1.Port", 12022)
	expect(t, c, p+".EtcdRaft.Consenters.0.ClientTLSCert", "/h/orgs/manufacturer/orderers/orderer0.manufacturer.prov/tls/server.crt")
	for _, k := range []string{"SmartBFT", "ConsenterMapping"} {
		if _, ok := at(t, c, p).(map[string]any)[k]; ok {
			t.Errorf("a Raft profile has %s", k)
		}
	}
	expect(t, c, "Organizations.0.OrdererEndpoints.0", "orderer0.manufacturer.prov:12002")
	expect(t, c, "Organizations.0.AnchorPeers.0.Host", "peer0.manufacturer.prov")
}

func TestCAConfig(t *testing.T) {
	l := configLayout(t, removedBody)
	dist := l.Orgs[1]
	ids := func(c map[string]any) map[string]map[string]any {
		out := map[string]map[string]any{}
		for _, e := range at(t, c, "registry.identities").([]any) {
			m := e.(map[string]any)
			out[m["name"].(string)] = m
		}
		return out
	}
	b, err := CAConfigYAML(l, dist, false)
	c := parsed(t, b, err)
	expect(t, c, "port", 12040)
	expect(t, c, "address", "127.0.0.1")
	expect(t, c, "ca.name", "ca")
	expect(t, c, "registry.maxenrollments", -1)
	expect(t, c, "csr.cn", "ca.dist.prov")
	expect(t, c, "csr.names.0.O", "DistOrg")
	expect(t, c, "operations.listenAddress", "127.0.0.1:12041")
	expect(t, c, "cafiles.0", "tlsca/fabric-ca-server-config.yaml")
	expect(t, c, "signing.profiles.ca.caconstraint.isca", true)
	expect(t, c, "db.datasource", "fabric-ca-server.db?_busy_timeout=5000&_sync=OFF&_journal=WAL&_x=")
	id := ids(c)
	if len(id) != 7 {
		t.Errorf("identity CA registry: %d entries, want caadmin orderer0 admin peer0 user1 badrole norole", len(id))
	}
	if id["caadmin"]["pass"] != CAAdminPassword {
		t.Errorf("caadmin: %v", id["caadmin"])
	}
	if id["caadmin"]["attrs"].(map[string]any)["hf.Revoker"] != true {
		t.Error("caadmin is not a revoker")
	}
	attr := func(user, key string) any { a, _ := id[user]["attrs"].(map[string]any); return a[key] }
	for u, want := range map[string]any{"admin": "distributor:ecert", "user1": "distributor:ecert", "badrole": "customs:ecert", "norole": nil} {
		if got := attr(u, "prov.role"); got != want {
			t.Errorf("%s prov.role %v, want %v", u, got, want)
		}
	}
	if attr("user1", "hf.EnrollmentID") != "user1:ecert" || id["user1"]["type"] != "client" || id["admin"]["type"] != "admin" {
		t.Errorf("user1 / admin entries: %v %v", id["user1"], id["admin"])
	}

	b, err = CAConfigYAML(l, dist, true)
	c = parsed(t, b, err)
	expect(t, c, "ca.name", "tlsca")
	expect(t, c, "csr.cn", "tlsca.dist.prov")
	expect(t, c, "csr.hosts.3", "ca.dist.prov")
	if _, ok := c["cafiles"]; ok {
		t.Error("the TLS CA loads cafiles")
	}
	id = ids(c)
	for _, u := range []string{"caadmin", "orderer0", "admin", "peer0", "ccserver", "ccclient"} {
		if id[u] == nil {
			t.Errorf("TLS CA registry lacks %s", u)
		}
	}
	if len(id) != 6 || id["admin"]["attrs"] != nil {
		t.Errorf("TLS CA registry: %v", id)
	}

	// An ordering-only org: no peer or users but admin, no role.
	ord := l.Orgs[2]
	b, err = CAConfigYAML(configLayout(t, "hosts: netns\norgs:\n"+mLine+oLine), OrgSpec{Index: 1, Dir: ord.Dir, Name: ord.Name, MSP: ord.MSP, Orderer: true}, false)
	c = parsed(t, b, err)
	id = ids(c)
	if len(id) != 3 || attr("admin", "prov.role") != nil {
		t.Errorf("ordering org registry: %v", id)
	}
	expect(t, c, "address", "10.46.224.11")
	expect(t, c, "port", 12020)
}

func TestNodeOUConfig(t *testing.T) {
	b, err := NodeOUConfig("cacerts/x.pem")
	c := parsed(t, b, err)
	expect(t, c, "NodeOUs.Enable", true)
	for ou, key := range map[string]string{"client": "ClientOUIdentifier", "peer": "PeerOUIdentifier", "admin": "AdminOUIdentifier", "orderer": "OrdererOUIdentifier"} {
		expect(t, c, "NodeOUs."+key+".OrganizationalUnitIdentifier", ou)
		expect(t, c, "NodeOUs."+key+".Certificate", "cacerts/x.pem")
	}
}
