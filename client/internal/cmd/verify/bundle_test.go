package verify

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/provledger/provenance/client/internal/cmdtest"
	"github.com/provledger/provenance/client/internal/cmdutil"
)

// TestVerifyBundleOffline: --bundle never connects; what the bundle lacks
// fails (exit 3) naming it; a bundle that cannot be read is exit 1; --peers
// with --bundle is a usage error. (A genuine bundle passing is
// client/verify's TestBundleRoundTrip and test/evidence's live test.)
func TestVerifyBundleOffline(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.json")
	if err := os.WriteFile(empty, []byte(`{"format":"prov-evidence/1","createdAt":"2026-12-02T08:00:00Z","peers":["CustomsMSP (peer0)"],"items":["01/09506000134352/21/GOOD"],"blocks":[]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		argv     []string
		format   string
		wantCode int
		wantOut  string
	}{
		{"the bundle's items by default", []string{"--bundle", empty}, "table", 3,
			"made 2026-12-02T08:00:00Z through CustomsMSP (peer0); 1 item, 0 blocks"},
		{"missing history named", []string{"--bundle", empty}, "table", 3, "the GetHistory answer: not in the bundle"},
		{"missing genesis named", []string{"--bundle", empty}, "table", 3, "block 0 (the genesis block, the trust anchor) is not in the bundle"},
		{"asked item not in the bundle", []string{"01/09506000134352/21/OTHER", "--bundle", empty}, "json", 3, `"item": "01/09506000134352/21/OTHER"`},
		{"no such file", []string{"--bundle", filepath.Join(dir, "none.json")}, "table", 1, ""},
		{"peers refused", []string{"--bundle", empty, "--peers", "all"}, "table", 2, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, ios := cmdtest.Factory(nil)
			f.Output = tt.format
			f.Verifier = func() (cmdutil.Verifier, error) {
				t.Fatal("verify --bundle connected")
				return nil, nil
			}
			err := cmdtest.Exec(NewCmd(f, nil), tt.argv...)
			if code := cmdutil.ExitCode(err); code != tt.wantCode {
				t.Fatalf("exit %d (%v), want %d", code, err, tt.wantCode)
			}
			if out := ios.Out.(*bytes.Buffer).String(); !strings.Contains(out, tt.wantOut) {
				t.Errorf("out:\n%s\nwant %q", out, tt.wantOut)
			}
		})
	}
}
