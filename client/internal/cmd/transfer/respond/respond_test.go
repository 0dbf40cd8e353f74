package respond

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

func TestRespond(t *testing.T) {
	fns := map[*bulk.Spec]string{Accept: "AcceptTransfer", Reject: "RejectTransfer", Cancel: "CancelTransfer"}
	for _, v := range []*bulk.Spec{Accept, Reject, Cancel} {
		it := domain.Item{ID: "01/09506000134352/21/A", Owner: "DistributorMSP", Status: domain.StatusInTransit, OfferedTo: "CustomsMSP"}
		if v != Cancel {
			it.Owner, it.OfferedTo = "ManufacturerMSP", "DistributorMSP"
		}
		l := ledgertest.New("DistributorMSP").Items(it).On(fns[v], func(args []string) (any, error) {
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
			t.Errorf("%s: out %q", v.Action, out)
		}
		if err := cmdtest.Exec(NewCmd(f, v, nil)); cmdutil.ExitCode(err) != 2 {
			t.Errorf("%s without IDs: %v", v.Action, err)
		}
	}
	l := ledgertest.New("CustomsMSP").Items(domain.Item{ID: "01/09506000134352/21/A", Owner: "ManufacturerMSP", Status: domain.StatusInTransit, OfferedTo: "DistributorMSP"}).Refuses("AcceptTransfer", domain.CodeNotRecipient, "item 01/09506000134352/21/A was offered to DistributorMSP")
	f, _ := cmdtest.Factory(l)
	err := cmdtest.Exec(NewCmd(f, Accept, nil), "01/09506000134352/21/A")
	if cmdutil.ExitCode(err) != 1 || domain.CodeOf(err) != domain.CodeNotRecipient {
		t.Errorf("err %v", err)
	}
}

func TestRejectNote(t *testing.T) {
	it := domain.Item{ID: "01/09506000134352/21/A", Owner: "ManufacturerMSP", Status: domain.StatusInTransit, OfferedTo: "DistributorMSP"}
	l := ledgertest.New("DistributorMSP").Items(it).Returns("RejectTransferWithNote", []string{it.ID})
	f, _ := cmdtest.Factory(l)
	if err := cmdtest.Exec(NewCmd(f, Reject, nil), it.ID, "--note", "seal broken"); err != nil {
		t.Fatal(err)
	}
	if c := l.CallsTo("RejectTransferWithNote"); len(c) != 1 || c[0].Args[1] != "seal broken" {
		t.Errorf("calls %+v", l.Calls)
	}
	if err := cmdtest.Exec(NewCmd(f, Reject, nil), it.ID, "--note", "a\nb"); domain.CodeOf(err) != domain.CodeInvalidArgument {
		t.Errorf("control character: %v", err)
	}
	if err := cmdtest.Exec(NewCmd(f, Accept, nil), it.ID, "--note", "x"); cmdutil.ExitCode(err) != 2 {
		t.Errorf("accept takes no note: %v", err)
	}
}
