package list

import (
	"bytes"
	"strings"
	"testing"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/internal/cmdtest"
	"github.com/provledger/provenance/client/internal/cmdutil"
	"github.com/provledger/provenance/client/internal/ledger/ledgertest"
)

func TestQuery(t *testing.T) {
	tests := []struct {
		opts    Options
		want    Query
		wantErr string
	}{
		{Options{}, Query{"owner", "MeMSP"}, ""},
		{Options{Owner: "distributor"}, Query{"owner", "distributor"}, ""},
		{Options{GTIN: "9506000134352"}, Query{"gtin", "09506000134352"}, ""},
		{Options{GTIN: "09506000134352", Lot: "L1"}, Query{"lot", "09506000134352/L1"}, ""},
		{Options{Status: "in_transit"}, Query{"status", "IN_TRANSIT"}, ""},
		{Options{Status: "lost"}, Query{}, "invalid --status"},
		{Options{Lot: "L1"}, Query{}, "--lot needs --gtin"},
		{Options{Owner: "x", Status: "ACTIVE"}, Query{}, "use one of"},
		{Options{GTIN: "123"}, Query{}, "INVALID_ID"},
	}
	for _, tt := range tests {
		got, err := tt.opts.query("MeMSP")
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%+v: err = %v, want %q", tt.opts, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%+v: got %+v %v, want %+v", tt.opts, got, err, tt.want)
		}
	}
}

func TestList(t *testing.T) {
	l := ledgertest.New("ManufacturerMSP").
		Returns("GetOrgRoles", []domain.OrgRole{{MSP: "DistributorMSP", Role: "distributor"}}).
		On("ListItems", func(args []string) (any, error) {
			if args[0] != "owner" || args[1] != "DistributorMSP" || args[2] != "2" || args[3] != "bm~0" {
				t.Errorf("ListItems args %v", args)
			}
			return domain.ItemPage{Items: []domain.Item{{ID: "01/09506000134352/21/A", Status: domain.StatusActive, Owner: "DistributorMSP"}}, Bookmark: "bm~1"}, nil
		})
	f, ios := cmdtest.Factory(l)
	if err := cmdtest.Exec(NewCmd(f, nil), "--owner", "distributor", "--limit", "2", "--bookmark", "bm~0"); err != nil {
		t.Fatal(err)
	}
	if out := ios.Out.(*bytes.Buffer).String(); !strings.HasPrefix(out, "ID ") || !strings.Contains(out, "01/09506000134352/21/A  ACTIVE") {
		t.Errorf("out %q", out)
	}
	if e := ios.ErrOut.(*bytes.Buffer).String(); e != "more items: --bookmark "+cmdutil.EncodeBookmark("bm~1")+"\n" {
		t.Errorf("stderr %q", e)
	}
	if err := cmdtest.Exec(NewCmd(f, nil), "--limit", "501"); cmdutil.ExitCode(err) != 2 {
		t.Errorf("limit: %v", err)
	}
}
