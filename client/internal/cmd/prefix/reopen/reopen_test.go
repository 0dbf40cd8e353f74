package reopen

import (
	"bytes"
	"strings"
	"testing"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/internal/cmdtest"
	"github.com/provledger/provenance/client/internal/cmdutil"
	"github.com/provledger/provenance/client/internal/ledger/ledgertest"
)

func TestReopen(t *testing.T) {
	l := ledgertest.New("CustomsMSP").Returns("ReopenPrefix", domain.Prefix{Prefix: "9506000", Owner: "ManufacturerMSP", Status: domain.PrefixRevoked,
		Barred: []string{"ManufacturerMSP"}, Reopens: []domain.PrefixReopen{{MSP: "ManufacturerMSP", Votes: []string{"CustomsMSP"}}}})
	f, ios := cmdtest.Factory(l)
	if err := cmdtest.Exec(NewCmd(f, nil), "9506000", "ManufacturerMSP"); err != nil {
		t.Fatal(err)
	}
	out := ios.Out.(*bytes.Buffer).String()
	if !strings.HasPrefix(out, "Voted to reopen prefix 9506000: now REVOKED (transaction tx1, block 11)\n") || !strings.Contains(out, "Reopen votes: ManufacturerMSP by CustomsMSP\n") {
		t.Errorf("out %q", out)
	}
	if c := l.CallsTo("ReopenPrefix"); len(c) != 1 || strings.Join(c[0].Args, "|") != "9506000|ManufacturerMSP" {
		t.Errorf("calls %v", c)
	}
	for _, tt := range []struct {
		argv []string
		code int
	}{
		{[]string{"9506000"}, 2},
		{[]string{"9506000", "A", "B"}, 2},
		{[]string{"95060", "ManufacturerMSP"}, 1},
	} {
		if err := cmdtest.Exec(NewCmd(f, nil), tt.argv...); cmdutil.ExitCode(err) != tt.code {
			t.Errorf("%v: %v", tt.argv, err)
		}
	}
	if len(l.CallsTo("ReopenPrefix")) != 1 {
		t.Error("a refused command reached the ledger")
	}
	l = ledgertest.New("CustomsMSP").Refuses("ReopenPrefix", domain.CodeAlreadyVoted, "CustomsMSP already voted to reopen prefix 9506000 for ManufacturerMSP")
	f, _ = cmdtest.Factory(l)
	if err := cmdtest.Exec(NewCmd(f, nil), "9506000", "ManufacturerMSP"); domain.CodeOf(err) != domain.CodeAlreadyVoted || cmdutil.ExitCode(err) != 1 {
		t.Errorf("err %v", err)
	}
}
