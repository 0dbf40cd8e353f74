package verify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/internal/cmdtest"
	"github.com/provledger/provenance/client/internal/cmdutil"
	"github.com/provledger/provenance/client/internal/verifier"
)

type fakeVerifier struct {
	reports map[string]*verifier.Report
	chain   []bool
}

func (f *fakeVerifier) Verify(_ context.Context, id string, o verifier.Options) (*verifier.Report, error) {
	f.chain = append(f.chain, o.Chain)
	r, ok := f.reports[id]
	if !ok {
		return nil, errors.New("NOT_FOUND: no item " + id)
	}
	return r, nil
}

func newFake() *fakeVerifier {
	return &fakeVerifier{reports: map[string]*verifier.Report{
		"01/09506000134352/21/GOOD": {Item: "01/09506000134352/21/GOOD", OK: true, Steps: []verifier.Step{
			{Check: "validation-code", Subject: "seq 1 REGISTERED", OK: true},
			{Check: "block-signatures", Subject: "block 5", OK: true, Detail: "3 of 4 consenters"},
		}},
		"01/09506000134352/21/BAD": {Item: "01/09506000134352/21/BAD", OK: false, Steps: []verifier.Step{
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
			f.Verifier = func() (verifier.Verifier, error) { return fv, nil }
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
