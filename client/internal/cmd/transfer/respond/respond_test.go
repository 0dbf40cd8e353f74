package respond

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/internal/cmdtest"
	"github.com/provledger/provenance/client/internal/cmdutil"
	"github.com/provledger/provenance/client/internal/ledger/ledgertest"
)

func TestRespond(t *testing.T) {
	for _, v := range []Verb{Accept, Reject, Cancel} {
		l := ledgertest.New("DistributorMSP").On(v.Fn, func(args []string) (any, error) {
			var ids []string
			json.Unmarshal([]byte(args[0]), &ids)
			return ids, nil
		})
		f, ios := cmdtest.Factory(l)
		if err := cmdtest.Exec(NewCmd(f, v, nil), "01/09506000134352/21/A"); err != nil {
			t.Fatal(err)
		}
		want := v.Past + " 1 item (transaction tx1, block 11)\n  01/09506000134352/21/A\n"
		if out := ios.Out.(*bytes.Buffer).String(); out != want {
			t.Errorf("%s: out %q", v.Name, out)
		}
		if err := cmdtest.Exec(NewCmd(f, v, nil)); cmdutil.ExitCode(err) != 2 {
			t.Errorf("%s without IDs: %v", v.Name, err)
		}
	}
	l := ledgertest.New("CustomsMSP").Refuses("AcceptTransfer", domain.CodeNotRecipient, "item 01/09506000134352/21/A was offered to DistributorMSP")
	f, _ := cmdtest.Factory(l)
	err := cmdtest.Exec(NewCmd(f, Accept, nil), "01/09506000134352/21/A")
	if cmdutil.ExitCode(err) != 1 || domain.CodeOf(err) != domain.CodeNotRecipient {
		t.Errorf("err %v", err)
	}
}
