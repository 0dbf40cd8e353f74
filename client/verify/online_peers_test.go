package verify

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/provledger/provenance/client/gateway"
)

func writeProfile(t *testing.T, home, dir, msp, peer string, port int) {
	t.Helper()
	d := filepath.Join(home, "orgs", dir)
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
	js := `{"name":"n","client":{"organization":"` + dir + `Org"},"organizations":{"` + dir + `Org":{"mspid":"` + msp + `","peers":["` + peer + `"]}},` +
		`"peers":{"` + peer + `":{"url":"grpcs://127.0.0.1:` + strconv.Itoa(port) + `","tlsCACerts":{"pem":"PEM-` + dir + `"},"grpcOptions":{"ssl-target-name-override":"` + peer + `"}}}}`
	if err := os.WriteFile(filepath.Join(d, "connection.json"), []byte(js), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestResolvePeers(t *testing.T) {
	home := t.TempDir()
	writeProfile(t, home, "manufacturer", "ManufacturerMSP", "peer0.manufacturer.prov", 7005)
	writeProfile(t, home, "distributor", "DistributorMSP", "peer0.distributor.prov", 7025)
	writeProfile(t, home, "customs", "CustomsMSP", "peer0.customs.prov", 7045)
	if err := os.MkdirAll(filepath.Join(home, "orgs", "orderer"), 0o755); err != nil { // no profile: skipped
		t.Fatal(err)
	}
	self := &gateway.Resolved{Home: home, MSPID: "ManufacturerMSP", Endpoint: "127.0.0.1:7005", Channel: "supplychain", Chaincode: "provenance", MSPDir: "/x"}
	all, err := resolvePeers(self, []string{"all"})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range all {
		names = append(names, p.name)
	}
	if got := strings.Join(names, "; "); got != "CustomsMSP (peer0.customs.prov); DistributorMSP (peer0.distributor.prov)" {
		t.Fatalf("all: %s", got)
	}
	c := all[0].resolved
	if c.Endpoint != "127.0.0.1:7045" || string(c.TLSCAPEM) != "PEM-customs" || c.ServerName != "peer0.customs.prov" || !c.TLS || c.MSPID != "ManufacturerMSP" || c.MSPDir != "/x" {
		t.Errorf("customs target %+v", c)
	}
	some, err := resolvePeers(self, []string{"DistributorMSP", "manufacturer"})
	if err != nil || len(some) != 1 || some[0].name != "DistributorMSP (peer0.distributor.prov)" {
		t.Errorf("list: %v %v", some, err)
	}
	if _, err := resolvePeers(self, []string{"nosuchorg"}); err == nil || !strings.Contains(err.Error(), "--peers nosuchorg") {
		t.Errorf("unknown org: %v", err)
	}
	if _, err := resolvePeers(self, []string{"all", "customs"}); err == nil {
		t.Error("all with others accepted")
	}
}
