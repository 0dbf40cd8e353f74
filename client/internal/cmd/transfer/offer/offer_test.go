package offer

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

func echoIDs(args []string) (any, error) {
	var ids []string
	json.Unmarshal([]byte(args[0]), &ids)
	return ids, nil
}

func TestOfferParsing(t *testing.T) {
	tests := []struct {
		argv    []string
		ids     int
		to      string
		batch   int
		wantErr string
	}{
		{[]string{"a", "b", "--to", "distributor"}, 2, "distributor", cmdutil.CustodyBatch, ""},
		{[]string{"a", "--to", "DistributorMSP", "--batch-size", "5"}, 1, "DistributorMSP", 5, ""},
		{[]string{"a"}, 0, "", 0, "--to is required"},
		{[]string{"--to", "x"}, 0, "", 0, "missing item IDs"},
		{[]string{"a", "--to", "x", "--expires", "soon"}, 0, "", 0, "--expires"},
		{[]string{"a", "--to", "x", "--batch-size", "2000"}, 0, "", 0, "--batch-size"},
	}
	for _, tt := range tests {
		f, _ := cmdtest.Factory(nil)
		var got *bulk.Options
		err := cmdtest.Exec(NewCmd(f, func(o *bulk.Options) error { got = o; return nil }), tt.argv...)
		if tt.wantErr != "" {
			if cmdutil.ExitCode(err) != 2 || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%v: err %v", tt.argv, err)
			}
			continue
		}
		if err != nil || len(got.Args) != tt.ids || got.Params.To != tt.to || got.BatchSize != tt.batch {
			t.Errorf("%v: %+v %v", tt.argv, got, err)
		}
	}
}

func TestOfferBatchesAndOrgName(t *testing.T) {
	l := ledgertest.New("ManufacturerMSP").
		Returns("GetOrgRoles", []domain.OrgRole{{MSP: "DistributorMSP", Role: "distributor"}, {MSP: "ManufacturerMSP", Role: "manufacturer"}}).
		Items(mine("A"), mine("B"), mine("C")).
		On("OfferTransfer", echoIDs)
	f, ios := cmdtest.Factory(l)
	f.Output = cmdutil.FormatJSON
	err := cmdtest.Exec(NewCmd(f, nil), "01/09506000134352/21/A", "(01)09506000134352(21)B", "01/09506000134352/21/C", "--to", "distributor", "--batch-size", "2")
	if err != nil {
		t.Fatal(err)
	}
	calls := l.CallsTo("OfferTransfer")
	if len(calls) != 2 || calls[0].Args[0] != `["01/09506000134352/21/A","01/09506000134352/21/B"]` || calls[0].Args[1] != "DistributorMSP" {
		t.Errorf("calls %+v", calls)
	}
	var out bulk.Result
	json.Unmarshal(ios.Out.(*bytes.Buffer).Bytes(), &out)
	if out.Action != "offer" || out.To != "DistributorMSP" || len(out.Items) != 3 || len(out.Transactions) != 2 || out.Transactions[1].TxID != "tx2" {
		t.Errorf("out %+v", out)
	}
}

// By design (issue 16) a refused batch no longer stops the run: the good
// items of later batches commit, and the summary lists the committed and
// the failed item.
func TestOfferRefusedHalfway(t *testing.T) {
	n := 0
	l := ledgertest.New("ManufacturerMSP").Items(mine("A"), mine("C"), mine("D")).On("OfferTransfer", func(args []string) (any, error) {
		if n++; n == 2 {
			return nil, domain.Errorf(domain.CodeOnHold, "item 01/09506000134352/21/C is on customs hold")
		}
		return echoIDs(args)
	})
	f, ios := cmdtest.Factory(l)
	err := cmdtest.Exec(NewCmd(f, nil), "01/09506000134352/21/A", "01/09506000134352/21/C", "01/09506000134352/21/D", "--to", "DistributorMSP", "--batch-size", "1")
	if cmdutil.ExitCode(err) != 1 {
		t.Errorf("err %v", err)
	}
	want := "Offered 2 items to DistributorMSP in 2 transactions\n  transaction tx1, block 11: 1 item\n  transaction tx3, block 13: 1 item\n" +
		"  01/09506000134352/21/A\n  01/09506000134352/21/D\n" +
		"Failed 1 item:\n  01/09506000134352/21/C: ON_HOLD: item 01/09506000134352/21/C is on customs hold (transaction tx2)\n"
	if out := ios.Out.(*bytes.Buffer).String(); out != want {
		t.Errorf("out %q\nwant %q", out, want)
	}
	if len(l.CallsTo("GetOrgRoles")) != 1 {
		t.Error("an MSP ID needs no lookup; the plan reads the roles once")
	}
}

func mine(s string) domain.Item {
	return domain.Item{ID: "01/09506000134352/21/" + s, Owner: "ManufacturerMSP", Manufacturer: "ManufacturerMSP", Status: domain.StatusActive}
}

func TestOfferExpires(t *testing.T) {
	l := ledgertest.New("ManufacturerMSP").Items(mine("A")).On("OfferTransferExpiring", echoIDs)
	f, _ := cmdtest.Factory(l)
	if err := cmdtest.Exec(NewCmd(f, nil), "01/09506000134352/21/A", "--to", "DistributorMSP", "--expires", "2d"); err != nil {
		t.Fatal(err)
	}
	if c := l.CallsTo("OfferTransferExpiring"); len(c) != 1 || strings.Join(c[0].Args[1:], "|") != "DistributorMSP|2d" {
		t.Fatalf("calls %+v", l.Calls)
	}
	for _, bad := range []string{"0", "91d", "soon"} {
		err := cmdtest.Exec(NewCmd(f, nil), "01/09506000134352/21/A", "--to", "DistributorMSP", "--expires", bad)
		if cmdutil.ExitCode(err) != 2 || !strings.Contains(err.Error(), "--expires") {
			t.Errorf("--expires %s: %v", bad, err)
		}
	}
}
