package repair

import (
	"bytes"
	"strings"
	"testing"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/internal/cmdtest"
	"github.com/provledger/provenance/client/internal/cmdutil"
	"github.com/provledger/provenance/client/internal/ledger/ledgertest"
)

func TestRepairCounter(t *testing.T) {
	const key = "01/09506000134352/21/A"
	l := ledgertest.New("ManufacturerMSP").On("RepairCounter", func(args []string) (any, error) {
		switch args[0] {
		case key:
			return domain.CounterRepair{Item: key, Was: "1", Seq: 3, At: "2026-12-03T09:00:00Z", TxID: "t1", ByMSP: "ManufacturerMSP"}, nil
		default:
			return nil, domain.Errorf(domain.CodeInvalidArgument, "the event counter of %s already names its last event (seq 2 at 2026-12-03T08:00:00Z); nothing to repair", args[0])
		}
	})
	tests := []struct {
		name     string
		argv     []string
		format   string
		wantOut  string
		wantCode int
		wantErr  string
	}{
		{"digital link", []string{"https://id.gs1.org/01/09506000134352/21/A"}, "table", `Event counter of 01/09506000134352/21/A set to seq 3 (2026-12-03T09:00:00Z); it was "1"`, 0, ""},
		{"json", []string{key}, "json", `"action": "repair-counter"`, 0, ""},
		{"counter already right", []string{"01/09506000134352/21/B"}, "table", "", 1, "INVALID_ARGUMENT: the event counter of 01/09506000134352/21/B already names its last event"},
		{"bad GTIN refused locally", []string{"01/09506000134353/21/A"}, "table", "", 1, "INVALID_ID"},
		{"missing ID", []string{}, "table", "", 2, "accepts 1 arg"},
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
	if n := len(l.CallsTo("RepairCounter")); n != 3 {
		t.Errorf("RepairCounter called %d times, want 3 (the bad ID and the missing one never reach the ledger)", n)
	}
}
