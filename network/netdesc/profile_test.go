package netdesc

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const yamlProfile = `
name: test
client:
  organization: DistributorOrg
organizations:
  DistributorOrg:
    mspid: DistributorMSP
    peers: [peer0.distributor.example.com]
peers:
  peer0.distributor.example.com:
    url: grpcs://127.0.0.1:9151
    tlsCACerts:
      path: tls/ca.pem
    grpcOptions:
      ssl-target-name-override: peer0.distributor.example.com
  peer0.other:
    url: grpcs://127.0.0.1:9251
`

func TestLoadProfileYAML(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "connection.yaml")
	os.WriteFile(path, []byte(yamlProfile), 0o600)
	os.MkdirAll(filepath.Join(dir, "tls"), 0o755)
	os.WriteFile(filepath.Join(dir, "tls", "ca.pem"), []byte("PEM"), 0o600)
	p, err := LoadProfile(path)
	if err != nil {
		t.Fatal(err)
	}
	org, po, err := p.ClientOrg()
	if err != nil || org != "DistributorOrg" || po.MSPID != "DistributorMSP" {
		t.Fatalf("ClientOrg = %q %+v %v", org, po, err)
	}
	if got := p.PeerNames(); strings.Join(got, ",") != "peer0.distributor.example.com,peer0.other" {
		t.Errorf("PeerNames = %v", got)
	}
	ca, err := p.TLSCA("peer0.distributor.example.com")
	if err != nil || string(ca) != "PEM" {
		t.Errorf("TLSCA = %q, %v (want the file relative to the profile)", ca, err)
	}
	if got := p.ServerNameOverride("peer0.distributor.example.com"); got != "peer0.distributor.example.com" {
		t.Errorf("ServerNameOverride = %q", got)
	}
}

func TestParseURL(t *testing.T) {
	tests := []struct {
		in      string
		addr    string
		tls     bool
		wantErr bool
	}{
		{"grpcs://127.0.0.1:7051", "127.0.0.1:7051", true, false},
		{"grpc://localhost:7051", "localhost:7051", false, false},
		{"127.0.0.1:7051", "127.0.0.1:7051", true, false},
		{"https://127.0.0.1:7051", "", false, true},
		{"grpcs://nohost", "", false, true},
		{"", "", false, true},
	}
	for _, tt := range tests {
		addr, tls, err := ParseURL(tt.in)
		if (err != nil) != tt.wantErr || addr != tt.addr || tls != tt.tls {
			t.Errorf("ParseURL(%q) = %q %v %v", tt.in, addr, tls, err)
		}
	}
}

func TestOrgDirName(t *testing.T) {
	for in, want := range map[string]string{
		"Manufacturer": "manufacturer", "manufacturer": "manufacturer", "ManufacturerMSP": "manufacturer",
		"ManufacturerOrg": "manufacturer", "customs": "customs", "msp": "msp",
	} {
		if got := OrgDirName(in); got != want {
			t.Errorf("OrgDirName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFindProfile(t *testing.T) {
	home := t.TempDir()
	os.MkdirAll(filepath.Join(home, "orgs", "customs"), 0o755)
	os.WriteFile(filepath.Join(home, "orgs", "customs", "connection.yaml"), []byte(yamlProfile), 0o600)
	for _, spec := range []string{"Customs", "customs", "CustomsMSP", "CustomsOrg"} {
		got, err := FindProfile(home, spec)
		if err != nil || got != filepath.Join(home, "orgs", "customs", "connection.yaml") {
			t.Errorf("FindProfile(%q) = %q, %v", spec, got, err)
		}
	}
	if _, err := FindProfile(home, "distributor"); err == nil || !strings.Contains(err.Error(), "no connection profile for organization") ||
		!strings.HasSuffix(err.Error(), "organizations with one: customs") {
		t.Errorf("missing org (the message lists the ones there are): %v", err)
	}
	if _, err := FindProfile(t.TempDir(), "distributor"); err == nil || !strings.Contains(err.Error(), "is the network up") {
		t.Errorf("missing org, no orgs at all: %v", err)
	}
	if _, err := FindProfile(home, ""); err == nil || !strings.Contains(err.Error(), "--profile") {
		t.Errorf("empty: %v", err)
	}
	if _, err := FindProfile(home, "./nope.json"); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("missing file: %v", err)
	}
}
