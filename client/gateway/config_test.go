package gateway

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/provledger/provenance/client/internal/testutil"
	"github.com/provledger/provenance/network/netdesc"
)

func TestResolve(t *testing.T) {
	home := testutil.Home(t, "manufacturer", "ManufacturerOrg", "ManufacturerMSP", "grpcs://127.0.0.1:9051")
	org := filepath.Join(home, "orgs", "manufacturer")
	tests := []struct {
		name    string
		cfg     Config
		check   func(t *testing.T, r *Resolved)
		wantErr string
	}{
		{name: "org name, defaults", cfg: Config{Home: home, Profile: "Manufacturer"}, check: func(t *testing.T, r *Resolved) {
			if r.MSPID != "ManufacturerMSP" || r.Endpoint != "127.0.0.1:9051" || !r.TLS || r.ServerName != "localhost" ||
				r.MSPDir != filepath.Join(org, "users", "user1", "msp") || r.Channel != "supplychain" || r.Chaincode != "provenance" || len(r.TLSCAPEM) == 0 {
				t.Errorf("resolved %+v", r)
			}
		}},
		{name: "admin", cfg: Config{Home: home, Profile: "manufacturer", User: "admin"}, check: func(t *testing.T, r *Resolved) {
			if r.MSPDir != filepath.Join(org, "users", "admin", "msp") {
				t.Errorf("MSPDir %s", r.MSPDir)
			}
		}},
		{name: "profile file, overrides", cfg: Config{Profile: filepath.Join(org, "connection.json"), Peer: "127.0.0.1:9999", MSPID: "OtherMSP", Channel: "c2", Chaincode: "cc2"}, check: func(t *testing.T, r *Resolved) {
			if r.Endpoint != "127.0.0.1:9999" || r.MSPID != "OtherMSP" || r.Channel != "c2" || r.Chaincode != "cc2" || len(r.TLSCAPEM) == 0 {
				t.Errorf("resolved %+v", r)
			}
		}},
		{name: "peer by name", cfg: Config{Home: home, Profile: "manufacturer", Peer: "peer0.manufacturer"}, check: func(t *testing.T, r *Resolved) {
			if r.Endpoint != "127.0.0.1:9051" || r.PeerName != "peer0.manufacturer" {
				t.Errorf("resolved %+v", r)
			}
		}},
		{name: "no profile, everything explicit", cfg: Config{Peer: "grpc://127.0.0.1:1", MSPID: "XMSP", MSPDir: filepath.Join(org, "users", "user1", "msp")}, check: func(t *testing.T, r *Resolved) {
			if r.TLS || r.Endpoint != "127.0.0.1:1" || r.ProfilePath != "" {
				t.Errorf("resolved %+v", r)
			}
		}},
		{name: "unknown user", cfg: Config{Home: home, Profile: "manufacturer", User: "nobody"}, wantErr: `no identity "nobody"`},
		{name: "unknown org", cfg: Config{Home: home, Profile: "distributor"}, wantErr: "no connection profile for organization"},
		{name: "no profile", cfg: Config{Home: home}, wantErr: "no connection profile"},
		{name: "tls pair incomplete", cfg: Config{Home: home, Profile: "manufacturer", TLSCert: "x"}, wantErr: "go together"},
		{name: "bare address without CA", cfg: Config{Peer: "127.0.0.1:1", MSPID: "XMSP", MSPDir: org}, wantErr: "no TLS CA"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := tt.cfg.Resolve()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, r)
		})
	}
}

func TestLoadMSPAndAttributes(t *testing.T) {
	home := testutil.Home(t, "customs", "CustomsOrg", "CustomsMSP", "grpcs://127.0.0.1:9251")
	id, err := netdesc.LoadMSP(filepath.Join(home, "orgs", "customs", "users", "admin", "msp"), "CustomsMSP")
	if err != nil {
		t.Fatal(err)
	}
	if got := Attributes(id.Cert)["prov.role"]; got != "customs" {
		t.Errorf("prov.role = %q", got)
	}
	if got := NodeOU(id.Cert.Subject); got != "admin" {
		t.Errorf("NodeOU = %q", got)
	}
	if _, err := netdesc.LoadMSP(t.TempDir(), "X"); err == nil || !strings.Contains(err.Error(), "signcerts") {
		t.Errorf("empty dir: %v", err)
	}
}
