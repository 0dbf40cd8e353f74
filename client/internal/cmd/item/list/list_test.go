package list

import (
	"bytes"
	"fmt"
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
		{Options{OfferedTo: "me"}, Query{"offered-to", "me"}, ""},
		{Options{Held: anyHolder}, Query{"held", ""}, ""},
		{Options{Held: "CustomsMSP"}, Query{"held", "CustomsMSP"}, ""},
		{Options{Recalled: true}, Query{"recalled", ""}, ""},
		{Options{Recalled: true, Held: anyHolder}, Query{}, "use one of"},
		{Options{GTIN: "09506000134352", Lot: "bad lot"}, Query{}, "invalid --lot"},
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

// The role views: "me" is the caller's MSP, a bare --held means any customs
// org, --all follows every bookmark, --count sums CountItems steps.
func TestRoleViews(t *testing.T) {
	var calls [][]string
	l := ledgertest.New("DistributorMSP").
		On("ListItems", func(args []string) (any, error) {
			calls = append(calls, args)
			switch args[3] {
			case "":
				return domain.ItemPage{Items: []domain.Item{{ID: "01/09506000134352/21/A", Status: domain.StatusInTransit}}, Bookmark: "k2"}, nil
			case "k2":
				return domain.ItemPage{Items: []domain.Item{}, Bookmark: "k3"}, nil // a page the record check emptied
			}
			return domain.ItemPage{Items: []domain.Item{{ID: "01/09506000134352/21/B", Status: domain.StatusInTransit}}}, nil
		}).
		On("CountItems", func(args []string) (any, error) {
			calls = append(calls, args)
			if args[2] == "" {
				return domain.ItemCount{Count: domain.MaxCountPage, Bookmark: "c2"}, nil
			}
			return domain.ItemCount{Count: 7}, nil
		})
	f, ios := cmdtest.Factory(l)
	if err := cmdtest.Exec(NewCmd(f, nil), "--offered-to", "me", "--all"); err != nil {
		t.Fatal(err)
	}
	if len(calls) != 3 || strings.Join(calls[0], "|") != "offered-to|DistributorMSP|500|" || calls[2][3] != "k3" {
		t.Fatalf("ListItems calls %q", calls)
	}
	out := ios.Out.(*bytes.Buffer).String()
	if !strings.Contains(out, "21/A") || !strings.Contains(out, "21/B") || ios.ErrOut.(*bytes.Buffer).Len() != 0 {
		t.Errorf("out %q err %q", out, ios.ErrOut.(*bytes.Buffer).String())
	}

	calls = nil
	ios.Out.(*bytes.Buffer).Reset()
	if err := cmdtest.Exec(NewCmd(f, nil), "--held", "--count"); err != nil {
		t.Fatal(err)
	}
	if len(calls) != 2 || strings.Join(calls[0], "|") != "held||" || calls[1][2] != "c2" {
		t.Fatalf("CountItems calls %q", calls)
	}
	if out := ios.Out.(*bytes.Buffer).String(); out != fmt.Sprintf("%d\n", domain.MaxCountPage+7) {
		t.Errorf("count out %q", out)
	}

	calls = nil
	if err := cmdtest.Exec(NewCmd(f, nil), "--held=me", "--limit", "5"); err != nil {
		t.Fatal(err)
	}
	if len(calls) != 1 || strings.Join(calls[0], "|") != "held|DistributorMSP|5|" {
		t.Fatalf("held=me calls %q", calls)
	}
	for _, bad := range [][]string{{"--count", "--all"}, {"--recalled", "--owner", "x"}, {"--limit", "501", "--all"}} {
		if err := cmdtest.Exec(NewCmd(f, nil), bad...); cmdutil.ExitCode(err) != 2 {
			t.Errorf("%v: %v", bad, err)
		}
	}
}
