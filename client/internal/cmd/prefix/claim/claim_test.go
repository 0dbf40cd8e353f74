package claim

import (
	"bytes"
	"strings"
	"testing"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/internal/cmdtest"
	"github.com/provledger/provenance/client/internal/cmdutil"
	"github.com/provledger/provenance/client/internal/ledger/ledgertest"
)

func TestClaim(t *testing.T) {
	l := ledgertest.New("ManufacturerMSP").Returns("ClaimPrefix", domain.Prefix{Prefix: "9506000", Owner: "ManufacturerMSP", Licence: "L-1", Status: domain.PrefixPending, Approvals: []string{"ManufacturerMSP"}})
	f, ios := cmdtest.Factory(l)
	if err := cmdtest.Exec(NewCmd(f, nil), "9506000", "--licence", "L-1"); err != nil {
		t.Fatal(err)
	}
	out := ios.Out.(*bytes.Buffer).String()
	if !strings.HasPrefix(out, "Claimed prefix 9506000: now PENDING (transaction tx1, block 11)\n") || !strings.Contains(out, "Approvals: ManufacturerMSP\n") {
		t.Errorf("out %q", out)
	}
	if c := l.CallsTo("ClaimPrefix"); strings.Join(c[0].Args, "|") != "9506000|L-1" {
		t.Errorf("args %v", c[0].Args)
	}
	tests := []struct {
		argv []string
		code int
	}{
		{[]string{"9506000"}, 2},
		{[]string{"95060", "--licence", "x"}, 1},
		{[]string{"9781234", "--licence", "x"}, 1}, // ISBN range
		{[]string{"9506000", "--license", "x"}, 0},
	}
	for _, tt := range tests {
		if err := cmdtest.Exec(NewCmd(f, nil), tt.argv...); cmdutil.ExitCode(err) != tt.code {
			t.Errorf("%v: %v", tt.argv, err)
		}
	}
	if err := cmdtest.Exec(NewCmd(f, nil), "2012345", "--licence", "x"); domain.CodeOf(err) != domain.CodeInvalidID || !strings.Contains(err.Error(), "200-299") {
		t.Errorf("reserved range: %v", err)
	}
	if n := len(l.CallsTo("ClaimPrefix")); n != 2 {
		t.Errorf("%d ClaimPrefix calls; refused prefixes must not reach the ledger", n)
	}
}
