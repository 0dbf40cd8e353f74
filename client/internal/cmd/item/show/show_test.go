package show

import (
	"bytes"
	"strings"
	"testing"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/gateway"
	"github.com/provledger/provenance/client/internal/cmdtest"
	"github.com/provledger/provenance/client/internal/cmdutil"
	"github.com/provledger/provenance/client/internal/ledger/ledgertest"
)

func TestShow(t *testing.T) {
	item := domain.Item{ID: "01/09506000134352/21/A", GTIN: "09506000134352", Serial: "A", Owner: "DistributorMSP", Manufacturer: "ManufacturerMSP", Status: domain.StatusActive, Seq: 2}
	l := ledgertest.New("DistributorMSP").On("GetItem", func(args []string) (any, error) {
		if args[0] != item.ID {
			return nil, domain.Errorf(domain.CodeNotFound, "no item %s", args[0])
		}
		return item, nil
	})
	tests := []struct {
		name     string
		argv     []string
		format   string
		wantOut  string
		wantCode int
		wantErr  string
	}{
		{"element string", []string{"(01)09506000134352(21)A"}, "table", "Owner:        DistributorMSP\n", 0, ""},
		{"json", []string{"https://id.gs1.org/01/09506000134352/21/A"}, "json", `"owner": "DistributorMSP"`, 0, ""},
		{"unknown item", []string{"01/09506000134352/21/ZZ"}, "table", "", 1, "NOT_FOUND: no item 01/09506000134352/21/ZZ (transaction q1)"},
		{"bad GTIN is refused locally", []string{"01/09506000134353/21/A"}, "table", "", 1, "INVALID_ID"},
		{"missing ID", []string{}, "table", "", 2, "missing an item ID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, ios := cmdtest.Factory(l)
			f.Output = tt.format
			err := cmdtest.Exec(NewCmd(f, nil), tt.argv...)
			if code := cmdutil.ExitCode(err); code != tt.wantCode || (tt.wantErr != "" && !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("err = %v (exit %d), want exit %d %q", err, code, tt.wantCode, tt.wantErr)
			}
			if !strings.Contains(ios.Out.(*bytes.Buffer).String(), tt.wantOut) {
				t.Errorf("out = %q, want %q", ios.Out.(*bytes.Buffer).String(), tt.wantOut)
			}
		})
	}
	if n := len(l.CallsTo("GetItem")); n != 3 {
		t.Errorf("GetItem calls = %d: invalid IDs must not reach the ledger", n)
	}
	var _ gateway.Ledger = l
}

func TestShowMany(t *testing.T) {
	a := domain.Item{ID: "01/09506000134352/21/A", Owner: "DistributorMSP", Status: domain.StatusActive, Seq: 2}
	b := domain.Item{ID: "01/09506000134352/21/B", Owner: "ManufacturerMSP", Status: domain.StatusInTransit, OfferedTo: "DistributorMSP", Seq: 3}
	l := ledgertest.New("DistributorMSP").Items(a, b)
	f, ios := cmdtest.Factory(l)
	ios.In = strings.NewReader("id\n" + a.ID + "\n01/09506000134353/21/X\n(01)09506000134352(21)B\n01/09506000134352/21/Z\n")
	err := cmdtest.Exec(NewCmd(f, nil), "--file", "-")
	want := "ID                      STATUS      OWNER            LOT  EXPIRY  UPDATED\n" +
		"01/09506000134352/21/A  ACTIVE      DistributorMSP   -    -       -\n" +
		"01/09506000134352/21/B  IN_TRANSIT  ManufacturerMSP  -    -       -\n" +
		"Failed 2 items:\n" +
		"  line 3: 01/09506000134353/21/X: INVALID_ID: GTIN \"09506000134353\" has 14 digits but check digit 3 should be 2\n" +
		"  line 5: 01/09506000134352/21/Z: NOT_FOUND: item 01/09506000134352/21/Z is not registered\n"
	if out := ios.Out.(*bytes.Buffer).String(); out != want || cmdutil.ExitCode(err) != 1 {
		t.Errorf("exit %d, out:\n%s\nwant:\n%s", cmdutil.ExitCode(err), out, want)
	}
	if n := len(l.CallsTo("GetItems")); n != 1 {
		t.Errorf("%d GetItems calls: one read for the whole list", n)
	}
}
