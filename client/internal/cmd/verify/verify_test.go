package verify

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/internal/cmdtest"
	"github.com/provledger/provenance/client/internal/cmdutil"
	"github.com/provledger/provenance/client/internal/ledger/ledgertest"
	cverify "github.com/provledger/provenance/client/verify"
)

type fakeVerifier struct {
	reports map[string]*cverify.Report
	chain   []bool
	pins    [][]byte // Options.GenesisHash of each call
}

// servedGenesis is the genesis hash the fake ledger "serves".
const servedGenesis = "6a1f0c4e8b2d9f3a7c5e1b0d4f8a2c6e9b3d7f1a5c0e4b8d2f6a9c3e7b1d5f0a"

func (f *fakeVerifier) Verify(_ context.Context, id string, o cverify.OnlineOptions) (*cverify.Report, error) {
	f.chain = append(f.chain, o.Chain)
	f.pins = append(f.pins, o.GenesisHash)
	r, ok := f.reports[id]
	if !ok {
		return nil, errors.New("NOT_FOUND: no item " + id)
	}
	// As client/verify does: a pin other than the served genesis fails the
	// channel-config check of block 0.
	if o.GenesisHash != nil && hex.EncodeToString(o.GenesisHash) != servedGenesis {
		bad := *r
		bad.OK = false
		bad.Steps = append([]cverify.Step{{Check: "channel-config", Subject: "config block 0",
			Detail: "genesis block hash " + servedGenesis + ", pinned " + hex.EncodeToString(o.GenesisHash) + ": not the pinned channel"}}, r.Steps...)
		return &bad, nil
	}
	return r, nil
}

func newFake() *fakeVerifier {
	return &fakeVerifier{reports: map[string]*cverify.Report{
		"01/09506000134352/21/GOOD": {Item: "01/09506000134352/21/GOOD", OK: true, GenesisHash: servedGenesis, Steps: []cverify.Step{
			{Check: "validation-code", Subject: "seq 1 REGISTERED", OK: true},
			{Check: "block-signatures", Subject: "block 5", OK: true, Detail: "3 of 4 consenters"},
		}},
		"01/09506000134352/21/BAD": {Item: "01/09506000134352/21/BAD", OK: false, Steps: []cverify.Step{
			{Check: "validation-code", Subject: "seq 1 REGISTERED", OK: true},
			{Check: "creator-signature", Subject: "seq 2 OFFERED", OK: false, Detail: "signature does not verify"},
		}},
	}}
}

func TestVerify(t *testing.T) {
	tests := []struct {
		name     string
		argv     []string
		format   string
		wantCode int
		wantOut  string
	}{
		{"verified", []string{"01/09506000134352/21/GOOD"}, "table", 0, "01/09506000134352/21/GOOD: verified (2 checks passed)\n"},
		{"verbose lists every check", []string{"01/09506000134352/21/GOOD", "-v"}, "table", 0, "  ok  block-signatures  block 5           3 of 4 consenters\n"},
		{"failed check exits 3", []string{"01/09506000134352/21/GOOD", "https://id.gs1.org/01/09506000134352/21/BAD", "--chain"}, "table", 3,
			"01/09506000134352/21/BAD: FAILED (1 of 2 checks failed)\n  FAIL  creator-signature  seq 2 OFFERED  signature does not verify\n"},
		{"json", []string{"01/09506000134352/21/BAD"}, "json", 3, `"ok": false`},
		{"unknown item exits 1", []string{"01/09506000134352/21/NONE"}, "table", 1, ""},
		{"bad id exits 1", []string{"01/09506000134353/21/X"}, "table", 1, ""},
		{"no id exits 2", nil, "table", 2, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fv := newFake()
			f, ios := cmdtest.Factory(nil)
			f.Output = tt.format
			f.Verifier = func() (cmdutil.Verifier, error) { return fv, nil }
			err := cmdtest.Exec(NewCmd(f, nil), tt.argv...)
			if code := cmdutil.ExitCode(err); code != tt.wantCode {
				t.Fatalf("exit %d (%v), want %d", code, err, tt.wantCode)
			}
			out := ios.Out.(*bytes.Buffer).String()
			if !strings.Contains(out, tt.wantOut) {
				t.Errorf("out:\n%s\nwant:\n%s", out, tt.wantOut)
			}
			if tt.format == "json" {
				var o Output
				if err := json.Unmarshal([]byte(out), &o); err != nil || o.OK || len(o.Reports) != 1 {
					t.Errorf("json %+v %v", o, err)
				}
			}
			if strings.Contains(strings.Join(tt.argv, " "), "--chain") && (len(fv.chain) == 0 || !fv.chain[0]) {
				t.Error("--chain not passed on")
			}
		})
	}
	_ = domain.CodeNotFound
}

func TestVerifyGenesisHash(t *testing.T) {
	const good = "01/09506000134352/21/GOOD"
	other := strings.Repeat("ab", 32)
	tests := []struct {
		name     string
		argv     []string
		env      string // PROV_GENESIS_HASH
		format   string
		wantCode int
		wantPin  string // hex passed to the verifier; "" for none
		wantOut  string
		wantErr  string
	}{
		{"not pinned", []string{good}, "", "table", 0, "", "verified", ""},
		{"pinned by flag", []string{good, "--genesis-hash", servedGenesis}, "", "table", 0, servedGenesis, "verified", ""},
		{"upper case and spaces", []string{good, "--genesis-hash", " " + strings.ToUpper(servedGenesis) + "\n"}, "", "table", 0, servedGenesis, "verified", ""},
		{"pinned by env", []string{good}, servedGenesis, "table", 0, servedGenesis, "verified", ""},
		{"flag wins over env", []string{good, "--genesis-hash", servedGenesis}, other, "table", 0, servedGenesis, "verified", ""},
		{"mismatch exits 3 naming the check", []string{good, "--genesis-hash", other}, "", "table", 3, other,
			"  FAIL  channel-config  config block 0  genesis block hash " + servedGenesis, "verification failed"},
		{"mismatch by env exits 3", []string{good}, other, "table", 3, other, "pinned " + other, "verification failed"},
		{"json carries the served hash", []string{good}, "", "json", 0, "", `"genesisHash": "` + servedGenesis + `"`, ""},
		{"not hex exits 2", []string{good, "--genesis-hash", "zz" + servedGenesis[2:]}, "", "table", 2, "", "",
			`--genesis-hash "zz`},
		{"too short exits 2", []string{good, "--genesis-hash", "abcd"}, "", "table", 2, "", "", "want 64 hex digits, the SHA-256 of the genesis block header"},
		{"0x prefix exits 2", []string{good, "--genesis-hash", "0x" + servedGenesis}, "", "table", 2, "", "", "want 64 hex digits"},
		{"bad env exits 2 naming it", []string{good}, "nothex", "table", 2, "", "", `PROV_GENESIS_HASH "nothex"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fv := newFake()
			f, ios := cmdtest.Factory(nil)
			f.Output = tt.format
			f.Getenv = func(k string) string {
				if k == "PROV_GENESIS_HASH" {
					return tt.env
				}
				return ""
			}
			connected := false
			f.Verifier = func() (cmdutil.Verifier, error) { connected = true; return fv, nil }
			err := cmdtest.Exec(NewCmd(f, nil), tt.argv...)
			if code := cmdutil.ExitCode(err); code != tt.wantCode {
				t.Fatalf("exit %d (%v), want %d", code, err, tt.wantCode)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("error %v, want it to contain %q", err, tt.wantErr)
			}
			out := ios.Out.(*bytes.Buffer).String()
			if !strings.Contains(out, tt.wantOut) {
				t.Errorf("out:\n%s\nwant:\n%s", out, tt.wantOut)
			}
			if tt.wantCode == 2 {
				// a bad command line never reaches the peer
				if connected {
					t.Error("connected to the ledger despite a usage error")
				}
				return
			}
			if len(fv.pins) != 1 || hex.EncodeToString(fv.pins[0]) != tt.wantPin {
				t.Errorf("verifier got pins %x, want %q", fv.pins, tt.wantPin)
			}
		})
	}
}

func TestVerifyPeers(t *testing.T) {
	fv := &peersFake{fakeVerifier: newFake()}
	f, ios := cmdtest.Factory(nil)
	f.Verifier = func() (cmdutil.Verifier, error) { return fv, nil }
	err := cmdtest.Exec(NewCmd(f, nil), "01/09506000134352/21/GOOD", "--peers", "distributor,CustomsMSP")
	if cmdutil.ExitCode(err) != 0 {
		t.Fatal(err)
	}
	if strings.Join(fv.peers, "|") != "distributor|CustomsMSP" {
		t.Errorf("peers passed %q", fv.peers)
	}
	out := ios.Out.(*bytes.Buffer).String()
	for _, want := range []string{
		"01/09506000134352/21/GOOD: verified (3 checks passed)\n  checked through 2 peers (ManufacturerMSP, DistributorMSP), 1 unconfirmed (CustomsMSP), genesis not pinned\n",
		"  WARN  peer-agreement  CustomsMSP  not confirmed: connection refused",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("out:\n%s\nwant:\n%s", out, want)
		}
	}
}

type peersFake struct {
	*fakeVerifier
	peers []string
}

func (p *peersFake) Verify(ctx context.Context, id string, o cverify.OnlineOptions) (*cverify.Report, error) {
	p.peers = o.Peers
	r, err := p.fakeVerifier.Verify(ctx, id, o)
	if err != nil {
		return nil, err
	}
	c := *r
	c.Trust.Summary = "through 2 peers (ManufacturerMSP, DistributorMSP), 1 unconfirmed (CustomsMSP), genesis not pinned"
	c.Steps = append(append([]cverify.Step(nil), r.Steps...), cverify.Step{Check: "peer-agreement", Subject: "CustomsMSP", OK: true, Warning: true, Detail: "not confirmed: connection refused"})
	return &c, nil
}

// TestVerifyMany: every ID is reported, a bad or unknown one does not stop
// the rest, and the verdict names the item's status.
func TestVerifyMany(t *testing.T) {
	fv := newFake()
	l := ledgertest.New("CustomsMSP").On("GetItems", func(args []string) (any, error) {
		var ids []string
		_ = json.Unmarshal([]byte(args[0]), &ids)
		out := make([]*domain.Item, len(ids))
		for i, id := range ids {
			if id == "01/09506000134352/21/GOOD" {
				out[i] = &domain.Item{ID: id, Status: domain.StatusStolen, Owner: "DistributorMSP", UpdatedAt: "2026-12-01T10:00:00Z"}
			}
		}
		return out, nil
	})
	f, ios := cmdtest.Factory(l)
	f.Verifier = func() (cmdutil.Verifier, error) { return fv, nil }
	ios.In = strings.NewReader("id\n01/09506000134353/21/X\n01/09506000134352/21/NONE\n\n01/09506000134352/21/GOOD\n")
	err := cmdtest.Exec(NewCmd(f, nil), "--file", "-")
	if code := cmdutil.ExitCode(err); code != 1 {
		t.Fatalf("exit %d (%v), want 1", code, err)
	}
	out := ios.Out.(*bytes.Buffer).String()
	for _, want := range []string{
		"line 2: 01/09506000134353/21/X: NOT VERIFIED: INVALID_ID",
		"line 3: 01/09506000134352/21/NONE: NOT VERIFIED: NOT_FOUND",
		"01/09506000134352/21/GOOD: verified (2 checks passed), but STOLEN since 2026-12-01T10:00:00Z\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("out lacks %q:\n%s", want, out)
		}
	}
	if len(l.CallsTo("GetItems")) != 1 {
		t.Errorf("GetItems calls %d", len(l.CallsTo("GetItems")))
	}
	// JSON: the reports, the statuses and the unverified IDs; a failed
	// check still wins the exit code.
	f.Output = cmdutil.FormatJSON
	ios.Out.(*bytes.Buffer).Reset()
	err = cmdtest.Exec(NewCmd(f, nil), "01/09506000134352/21/BAD", "01/09506000134352/21/NONE", "01/09506000134352/21/GOOD")
	if code := cmdutil.ExitCode(err); code != 3 {
		t.Fatalf("exit %d, want 3", code)
	}
	var o Output
	if err := json.Unmarshal(ios.Out.(*bytes.Buffer).Bytes(), &o); err != nil || len(o.Reports) != 2 || len(o.Unverified) != 1 ||
		o.Unverified[0].Line != 2 || o.Status["01/09506000134352/21/GOOD"] != "STOLEN since 2026-12-01T10:00:00Z" {
		t.Errorf("json %+v %v", o, err)
	}
	if err := cmdtest.Exec(NewCmd(f, nil), "01/09506000134352/21/GOOD", "--file", "x"); cmdutil.ExitCode(err) != 2 {
		t.Errorf("IDs and --file: %v", err)
	}
}
