package inspect

import (
	"bytes"
	"strings"
	"testing"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/internal/cmdtest"
	"github.com/provledger/provenance/client/internal/cmdutil"
	"github.com/provledger/provenance/client/internal/ledger/ledgertest"
)

func TestInspect(t *testing.T) {
	l := ledgertest.New("CustomsMSP").Returns("RecordSighting", domain.Sighting{Item: "01/09506000134352/21/A", Result: "match"})
	f, ios := cmdtest.Factory(l)
	if err := cmdtest.Exec(NewCmd(f, nil), "01/09506000134352/21/A", "--location", "9506000000015", "--result", "match", "--note", "photo 7"); err != nil {
		t.Fatal(err)
	}
	if out := ios.Out.(*bytes.Buffer).String(); out != "Recorded inspection of 01/09506000134352/21/A at 9506000000015: match (transaction tx1, block 11)\n" {
		t.Errorf("out %q", out)
	}
	if c := l.Calls[0]; strings.Join(c.Args, "|") != "01/09506000134352/21/A|9506000000015|match|photo 7" {
		t.Errorf("RecordSighting args %v", c.Args)
	}
	tests := []struct {
		argv []string
		code int
	}{
		{[]string{"01/09506000134352/21/A", "--result", "match"}, 2},
		{[]string{"01/09506000134352/21/A", "--location", "9506000000015"}, 2},
		{[]string{"01/09506000134352/21/A", "--location", "9506000000016", "--result", "match"}, 1}, // bad GLN check digit
	}
	for _, tt := range tests {
		err := cmdtest.Exec(NewCmd(f, nil), tt.argv...)
		if cmdutil.ExitCode(err) != tt.code {
			t.Errorf("%v: %v", tt.argv, err)
		}
	}
	if n := len(l.Calls); n != 1 {
		t.Errorf("calls %d", n)
	}
	_ = strings.Contains
}
