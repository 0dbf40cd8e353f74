package recall

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

func TestRecall(t *testing.T) {
	tests := []struct {
		argv     []string
		wantFn   string
		wantArgs string
		wantOut  string
		wantCode int
	}{
		// Items by ID go through the custody batch semantics (issue 16): RecallItems.
		{[]string{"01/09506000134352/21/A", "--reason", "seal"}, "RecallItems", `["01/09506000134352/21/A"]|seal`, "Recalled 1 item (transaction tx1, block 11)\n  01/09506000134352/21/A\n", 0},
		{[]string{"(01)09506000134352(21)A", "01/09506000134352/21/B", "--reason", "seal"}, "RecallItems", `["01/09506000134352/21/A","01/09506000134352/21/B"]|seal`, "Recalled 2 items", 0},
		{[]string{"--gtin", "9506000134352", "--lot", "L1", "--reason", "r"}, "RecallLot", "09506000134352|L1|r", "Recalled lot L1 of GTIN 09506000134352: r; covers 3 registered items", 0},
		{[]string{"--gtin", "09506000134352", "--reason", "r"}, "RecallLot", "09506000134352||r", "Recalled GTIN 09506000134352: r", 0},
		{[]string{"01/09506000134352/21/A"}, "", "", "", 2},
		{[]string{"--lot", "L", "--reason", "r"}, "", "", "", 2},
		{[]string{"01/09506000134352/21/A", "--gtin", "09506000134352", "--reason", "r"}, "", "", "", 2},
		{[]string{"--gtin", "1234", "--reason", "r"}, "", "", "", 1},
		{[]string{"--gtin", "09506000134352", "--lot", "L1", "--withdraw"}, "WithdrawRecall", "01/09506000134352/10/L1", "Withdrew the recall of", 0},
		{[]string{"(01)09506000134352(21)A", "--withdraw"}, "WithdrawRecall", "01/09506000134352/21/A", "Withdrew the recall of", 0},
		{[]string{"01/09506000134352/21/A", "--withdraw", "--reason", "r"}, "", "", "", 2},
		{[]string{"01/09506000134352/21/A", "01/09506000134352/21/B", "--withdraw"}, "", "", "", 2},
		{[]string{"--gtin", "09506000134352", "--reason", "r", "--dry-run"}, "", "", "", 2},
		{[]string{"01/09506000134352/21/A", "--reason", "r\x00"}, "", "", "", 1},
	}
	for _, tt := range tests {
		l := ledgertest.New("M").
			Items(domain.Item{ID: "01/09506000134352/21/A", Owner: "D", Status: domain.StatusActive},
				domain.Item{ID: "01/09506000134352/21/B", Owner: "M", Status: domain.StatusActive}).
			On("RecallItems", func(args []string) (any, error) {
				var ids []string
				err := json.Unmarshal([]byte(args[0]), &ids)
				return ids, err
			}).
			Returns("RecallLot", domain.Recall{Scope: "lot"}).
			Returns("CountItems", domain.ItemCount{Count: 3}).
			Returns("WithdrawRecall", "01/09506000134352")
		f, ios := cmdtest.Factory(l)
		err := cmdtest.Exec(NewCmd(f, nil), tt.argv...)
		if cmdutil.ExitCode(err) != tt.wantCode {
			t.Errorf("%v: err %v, want exit %d", tt.argv, err, tt.wantCode)
			continue
		}
		if tt.wantFn == "" {
			if len(l.Calls) != 0 {
				t.Errorf("%v: ledger called", tt.argv)
			}
			continue
		}
		if tt.wantFn == "RecallLot" && len(l.CallsTo("CountItems")) != 1 {
			t.Errorf("%v: no CountItems before the recall", tt.argv)
		}
		calls := l.CallsTo(tt.wantFn)
		if len(calls) != 1 || !calls[0].Submit || strings.Join(calls[0].Args, "|") != tt.wantArgs {
			t.Errorf("%v: calls %+v", tt.argv, l.Calls)
		}
		if !strings.Contains(ios.Out.(*bytes.Buffer).String(), tt.wantOut) {
			t.Errorf("%v: out %q", tt.argv, ios.Out.(*bytes.Buffer).String())
		}
	}
}

func TestRecallRefused(t *testing.T) {
	l := ledgertest.New("DistributorMSP").Items(domain.Item{ID: "01/09506000134352/21/A", Owner: "DistributorMSP", Status: domain.StatusActive}).
		Refuses("RecallItems", domain.CodeWrongRole, "only the owner of prefix 9506000 may recall")
	f, _ := cmdtest.Factory(l)
	err := cmdtest.Exec(NewCmd(f, nil), "01/09506000134352/21/A", "--reason", "r")
	if cmdutil.ExitCode(err) != 1 || err.Error() != "WRONG_ROLE: only the owner of prefix 9506000 may recall (transaction tx1)" {
		t.Errorf("err = %v", err)
	}
}

// Issue 16: a recall of a lot nobody registered is refused (a likely typo)
// unless --force, and says how many items it covers.
func TestRecallUnknownLot(t *testing.T) {
	var counted []string
	l := ledgertest.New("M").
		Returns("RecallLot", domain.Recall{Scope: "lot"}).
		On("CountItems", func(args []string) (any, error) {
			counted = args
			return domain.ItemCount{Count: 0}, nil
		})
	f, ios := cmdtest.Factory(l)
	err := cmdtest.Exec(NewCmd(f, nil), "--gtin", "09506000134352", "--lot", "L9", "--reason", "r")
	if cmdutil.ExitCode(err) != 1 || domain.CodeOf(err) != domain.CodeNotFound || !strings.Contains(err.Error(), "lot L9 of GTIN 09506000134352") ||
		!strings.Contains(err.Error(), "--force") {
		t.Fatalf("unknown lot: %v", err)
	}
	if strings.Join(counted, "|") != "lot|09506000134352/L9|" || len(l.CallsTo("RecallLot")) != 0 {
		t.Fatalf("counted %q, calls %+v", counted, l.Calls)
	}
	f.Output = cmdutil.FormatJSON
	if err := cmdtest.Exec(NewCmd(f, nil), "--gtin", "09506000134352", "--lot", "L9", "--reason", "r", "--force"); err != nil {
		t.Fatal(err)
	}
	if len(l.CallsTo("RecallLot")) != 1 || !strings.Contains(ios.Out.(*bytes.Buffer).String(), `"covers": 0`) {
		t.Fatalf("forced: calls %+v out %q", l.Calls, ios.Out.(*bytes.Buffer).String())
	}
}

// Issue 16: recall by IDs takes --file (here stdin) and --dry-run like the
// other custody batch commands; items recalled already are skipped.
func TestRecallFileDryRun(t *testing.T) {
	rc := &domain.Recall{Scope: domain.RecallScopeItem, By: "M", Reason: "earlier"}
	l := ledgertest.New("M").Items(domain.Item{ID: "01/09506000134352/21/A", Owner: "D", Status: domain.StatusActive},
		domain.Item{ID: "01/09506000134352/21/B", Owner: "M", Status: domain.StatusActive, Recall: rc})
	f, ios := cmdtest.Factory(l)
	ios.In.(*bytes.Buffer).WriteString("# returns\n01/09506000134352/21/A\n01/09506000134352/21/B\n01/09506000134352/21/bad id\n")
	f.Output = cmdutil.FormatJSON
	err := cmdtest.Exec(NewCmd(f, nil), "--file", "-", "--reason", "seal", "--dry-run")
	if cmdutil.ExitCode(err) != 1 || len(l.CallsTo("RecallItems")) != 0 {
		t.Fatalf("err %v, calls %+v", err, l.Calls)
	}
	var out bulk.Result
	if err := json.Unmarshal(ios.Out.(*bytes.Buffer).Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	if !out.DryRun || strings.Join(out.Planned, ",") != "01/09506000134352/21/A" || len(out.Skipped) != 1 || out.Skipped[0].Line != 3 ||
		len(out.Failed) != 1 || out.Failed[0].Line != 4 || out.Failed[0].Code != domain.CodeInvalidID {
		t.Errorf("plan %+v", out)
	}
}
