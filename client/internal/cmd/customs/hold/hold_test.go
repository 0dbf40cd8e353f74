package hold

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/internal/bulk"
	"github.com/provledger/provenance/client/internal/cmdtest"
	"github.com/provledger/provenance/client/internal/cmdutil"
	"github.com/provledger/provenance/client/internal/ledger/ledgertest"
)

func TestHold(t *testing.T) {
	l := ledgertest.New("CustomsMSP").Items(domain.Item{ID: "01/09506000134352/21/A", Owner: "ManufacturerMSP", Status: domain.StatusActive}).Returns("HoldItems", []string{"01/09506000134352/21/A"})
	f, ios := cmdtest.Factory(l)
	f.Output = cmdutil.FormatJSON
	if err := cmdtest.Exec(NewCmd(f, nil), "01/09506000134352/21/A", "--reason", "papers"); err != nil {
		t.Fatal(err)
	}
	if c := l.CallsTo("HoldItems"); len(c) != 1 || c[0].Args[1] != "papers" {
		t.Errorf("calls %+v", c)
	}
	var out bulk.Result
	json.Unmarshal(ios.Out.(*bytes.Buffer).Bytes(), &out)
	if out.Action != "hold" || out.Reason != "papers" || len(out.Items) != 1 {
		t.Errorf("out %+v", out)
	}
	if err := cmdtest.Exec(NewCmd(f, nil), "01/09506000134352/21/A"); cmdutil.ExitCode(err) != 2 {
		t.Errorf("missing reason: %v", err)
	}
}
