package stolen

import (
	"testing"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/internal/cmdtest"
	"github.com/provledger/provenance/client/internal/cmdutil"
	"github.com/provledger/provenance/client/internal/ledger/ledgertest"
)

func TestReportStolen(t *testing.T) {
	l := ledgertest.New("DistributorMSP").Refuses("ReportStolen", domain.CodeNotOwner, "item 01/09506000134352/21/A is held by ManufacturerMSP")
	f, _ := cmdtest.Factory(l)
	err := cmdtest.Exec(NewCmd(f, nil), "01/09506000134352/21/A")
	if cmdutil.ExitCode(err) != 1 || err.Error() != "NOT_OWNER: item 01/09506000134352/21/A is held by ManufacturerMSP (transaction tx1)" {
		t.Errorf("err %v", err)
	}
	l.Returns("ReportStolen", domain.Item{Status: domain.StatusStolen})
	if err := cmdtest.Exec(NewCmd(f, nil), "01/09506000134352/21/A"); err != nil {
		t.Error(err)
	}
}
