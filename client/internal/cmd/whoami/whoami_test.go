package whoami

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/provledger/provenance/client/gateway"
	"github.com/provledger/provenance/client/internal/cmdtest"
	"github.com/provledger/provenance/client/internal/cmdutil"
	"github.com/provledger/provenance/client/internal/testutil"
)

func TestWhoami(t *testing.T) {
	home := testutil.Home(t, "distributor", "DistributorOrg", "DistributorMSP", "grpcs://127.0.0.1:9151")
	ca := testutil.NewCA(t, "other")
	expiring := filepath.Join(t.TempDir(), "msp")
	ca.WriteMSP(t, expiring, testutil.Cert{CN: "norole", OU: "client", NotAfter: time.Now().Add(36 * time.Hour)})
	tests := []struct {
		name   string
		cfg    gateway.Config
		format string
		want   []string
	}{
		{"admin", gateway.Config{Home: home, Profile: "distributor", User: "admin"}, "table", []string{
			"MSP ID:     DistributorMSP\n", "User:       admin\n", "Type:       admin\n", "Role:       distributor\n",
			"Subject:    CN=admin,OU=admin,O=Test\n", "Expires:    ", "(in 364 days)", "Peer:       peer0.distributor (127.0.0.1:9151)\n", "Channel:    supplychain\n"}},
		{"msp dir without role", gateway.Config{Home: home, Profile: "distributor", MSPDir: expiring}, "table", []string{
			"Role:       (no prov.role attribute)\n", "(in 1 days)"}},
		{"json", gateway.Config{Home: home, Profile: "distributor"}, "json", []string{`"mspId": "DistributorMSP"`, `"role": "distributor"`, `"type": "client"`, `"expired": false`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := cmdutil.New(nil)
			ios, _, out, _ := cmdutil.Test()
			f.IO, f.Config, f.Output = ios, tt.cfg, tt.format
			if err := cmdtest.Exec(NewCmd(f, nil)); err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("missing %q in\n%s", w, out.String())
				}
			}
			if tt.format == "json" {
				var i Info
				if err := json.Unmarshal(out.Bytes(), &i); err != nil || i.NotAfter.IsZero() {
					t.Errorf("json %v", err)
				}
			}
		})
	}
	f := cmdutil.New(nil)
	ios, _, _, _ := cmdutil.Test()
	f.IO, f.Config = ios, gateway.Config{Home: home, Profile: "distributor", User: "ghost"}
	if err := cmdtest.Exec(NewCmd(f, nil)); err == nil || cmdutil.ExitCode(err) != 1 || !strings.Contains(err.Error(), `no identity "ghost"`) {
		t.Errorf("unknown user: %v", err)
	}
	_ = bytes.MinRead
}
