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

// TestInspectMany: a file of IDs (a counterfeit serial among them) goes in
// batches of RecordSightings; a bad line stops everything before a send.
func TestInspectMany(t *testing.T) {
	l := ledgertest.New("CustomsMSP").Returns("RecordSightings", []domain.Sighting{})
	f, ios := cmdtest.Factory(l)
	ios.In = strings.NewReader("# seized\n01/09506000134352/21/A\n(01)09506000134352(21)FAKE\n01/09506000134352/21/C\n")
	if err := cmdtest.Exec(NewCmd(f, nil), "--file", "-", "--location", "9506000000015", "--result", "mismatch", "--note", "case 7", "--batch-size", "2"); err != nil {
		t.Fatal(err)
	}
	c := l.CallsTo("RecordSightings")
	if len(c) != 2 || c[0].Args[0] != `["01/09506000134352/21/A","01/09506000134352/21/FAKE"]` || strings.Join(c[1].Args, "|") != `["01/09506000134352/21/C"]|9506000000015|mismatch|case 7` {
		t.Fatalf("calls %+v", c)
	}
	if out := ios.Out.(*bytes.Buffer).String(); !strings.Contains(out, "Recorded inspections (mismatch at 9506000000015) of 3 items in 2 transactions") {
		t.Errorf("out %q", out)
	}
	ios.In = strings.NewReader("01/09506000134352/21/A\n01/09506000134353/21/X\n01/09506000134352/21/A\n")
	err := cmdtest.Exec(NewCmd(f, nil), "--file", "-", "--location", "9506000000015", "--result", "match")
	if cmdutil.ExitCode(err) != 1 || !strings.Contains(err.Error(), "line 2: 01/09506000134353/21/X: INVALID_ID") || !strings.Contains(err.Error(), "line 3: 01/09506000134352/21/A: duplicate of line 1") {
		t.Fatalf("bad file: %v", err)
	}
	if len(l.CallsTo("RecordSightings")) != 2 {
		t.Error("a bad file recorded something")
	}
	if err := cmdtest.Exec(NewCmd(f, nil), "01/09506000134352/21/A", "01/09506000134352/21/B", "--location", "9506000000015", "--result", "match"); err != nil {
		t.Fatal(err)
	}
	if c := l.CallsTo("RecordSightings"); len(c) != 3 {
		t.Errorf("two IDs as arguments: %d batches", len(c))
	}
}
