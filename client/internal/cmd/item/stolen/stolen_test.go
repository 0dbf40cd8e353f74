package stolen

import (
	"testing"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/internal/cmdtest"
	"github.com/provledger/provenance/client/internal/cmdutil"
	"github.com/provledger/provenance/client/internal/ledger/ledgertest"
)

func TestReportStolen(t *testing.T) {
	l := ledgertest.New("DistributorMSP").Items(domain.Item{ID: "01/09506000134352/21/A", Owner: "ManufacturerMSP", Status: domain.StatusActive}).
		Refuses("ReportStolenItems", domain.CodeNotOwner, "item 01/09506000134352/21/A is held by ManufacturerMSP")
	f, _ := cmdtest.Factory(l)
	err := cmdtest.Exec(NewCmd(f, nil), "01/09506000134352/21/A")
	if cmdutil.ExitCode(err) != 1 || err.Error() != "NOT_OWNER: item 01/09506000134352/21/A is held by ManufacturerMSP (transaction tx1)" {
		t.Errorf("err %v", err)
	}
	l.Returns("ReportStolenItems", []string{"01/09506000134352/21/A"})
	if err := cmdtest.Exec(NewCmd(f, nil), "01/09506000134352/21/A", "--reference", "POL-4711"); err != nil {
		t.Error(err)
	}
	if c := l.CallsTo("ReportStolenItems"); len(c) != 2 || c[1].Args[1] != "POL-4711" {
		t.Errorf("calls %+v", c)
	}
}
