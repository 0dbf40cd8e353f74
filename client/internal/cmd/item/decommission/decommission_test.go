package decommission

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/internal/bulk"
	"github.com/provledger/provenance/client/internal/cmdtest"
	"github.com/provledger/provenance/client/internal/cmdutil"
	"github.com/provledger/provenance/client/internal/ledger/ledgertest"
)

func TestDecommission(t *testing.T) {
	l := ledgertest.New("DistributorMSP").Items(domain.Item{ID: "01/09506000134352/21/A", Owner: "DistributorMSP", Status: domain.StatusActive}).
		Returns("DecommissionItems", []string{"01/09506000134352/21/A"})
	f, ios := cmdtest.Factory(l)
	f.Output = cmdutil.FormatJSON
	if err := cmdtest.Exec(NewCmd(f, nil), "01/09506000134352/21/A", "--reason", "dispensed"); err != nil {
		t.Fatal(err)
	}
	var out bulk.Result
	json.Unmarshal(ios.Out.(*bytes.Buffer).Bytes(), &out)
	if out.Action != "decommission" || out.Transactions[0].TxID != "tx1" || out.Reason != "dispensed" || len(out.Items) != 1 {
		t.Errorf("out %+v", out)
	}
	if c := l.CallsTo("DecommissionItems"); strings.Join(c[0].Args, "|") != `["01/09506000134352/21/A"]|dispensed|` {
		t.Errorf("args %v", c[0].Args)
	}
	if err := cmdtest.Exec(NewCmd(f, nil), "01/09506000134352/21/A"); cmdutil.ExitCode(err) != 2 {
		t.Errorf("missing reason: %v", err)
	}
	// A mistyped reason is refused locally with the chaincode's code: no read, no transaction.
	calls := len(l.Calls)
	if err := cmdtest.Exec(NewCmd(f, nil), "01/09506000134352/21/A", "--reason", "lost"); domain.CodeOf(err) != domain.CodeInvalidArgument || len(l.Calls) != calls {
		t.Errorf("bad reason: %v", err)
	}
}
