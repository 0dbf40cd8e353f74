package release

import (
	"testing"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/internal/cmdtest"
	"github.com/provledger/provenance/client/internal/cmdutil"
	"github.com/provledger/provenance/client/internal/ledger/ledgertest"
)

func TestRelease(t *testing.T) {
	l := ledgertest.New("ManufacturerMSP").Items(domain.Item{ID: "01/09506000134352/21/A", Owner: "ManufacturerMSP", Status: domain.StatusActive,
		Hold: &domain.Hold{By: "CustomsMSP", Reason: "papers"}}).Refuses("ReleaseItems", domain.CodeWrongRole, "only customs may release")
	f, _ := cmdtest.Factory(l)
	err := cmdtest.Exec(NewCmd(f, nil), "01/09506000134352/21/A")
	if cmdutil.ExitCode(err) != 1 || err.Error() != "WRONG_ROLE: only customs may release (transaction tx1)" {
		t.Errorf("err %v", err)
	}
	if err := cmdtest.Exec(NewCmd(f, nil), "not-an-id"); domain.CodeOf(err) != domain.CodeInvalidID {
		t.Errorf("bad id: %v", err)
	}
}
