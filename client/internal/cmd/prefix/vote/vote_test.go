package vote

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/internal/cmdtest"
	"github.com/provledger/provenance/client/internal/cmdutil"
	"github.com/provledger/provenance/client/internal/ledger/ledgertest"
	"github.com/provledger/provenance/client/internal/render"
)

func TestVotes(t *testing.T) {
	for _, v := range []Verb{Approve, Reject, Revoke} {
		l := ledgertest.New("DistributorMSP").Returns(v.Fn, domain.Prefix{Prefix: "9506000", Status: domain.PrefixActive})
		f, ios := cmdtest.Factory(l)
		f.Output = cmdutil.FormatJSON
		if err := cmdtest.Exec(NewCmd(f, v, nil), "9506000"); err != nil {
			t.Fatal(err)
		}
		var out render.TxResult
		json.Unmarshal(ios.Out.(*bytes.Buffer).Bytes(), &out)
		if out.Action != v.Name || out.TxID != "tx1" {
			t.Errorf("%s: %+v", v.Name, out)
		}
	}
	l := ledgertest.New("DistributorMSP").Refuses("ApprovePrefix", domain.CodeNotAdmin, "approving a prefix needs an org admin")
	f, _ := cmdtest.Factory(l)
	if err := cmdtest.Exec(NewCmd(f, Approve, nil), "9506000"); domain.CodeOf(err) != domain.CodeNotAdmin || cmdutil.ExitCode(err) != 1 {
		t.Errorf("err %v", err)
	}
}
