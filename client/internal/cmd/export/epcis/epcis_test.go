package epcis

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/epcis"
	"github.com/provledger/provenance/client/internal/cmdtest"
	"github.com/provledger/provenance/client/internal/cmdutil"
	"github.com/provledger/provenance/client/internal/ledger/ledgertest"
)

const (
	a = "01/09506000134352/21/A"
	b = "01/09506000134352/21/B"
)

func fake() *ledgertest.Fake {
	items := map[string]*domain.Item{a: {ID: a, Lot: "L1", Manufacturer: "ManufacturerMSP", Owner: "ManufacturerMSP", Status: domain.StatusActive, Seq: 1}}
	return ledgertest.New("CustomsMSP").
		On("GetItems", func(args []string) (any, error) {
			var keys []string
			_ = json.Unmarshal([]byte(args[0]), &keys)
			out := make([]*domain.Item, len(keys))
			for i, k := range keys {
				out[i] = items[k]
			}
			return out, nil
		}).
		On("GetHistory", func(args []string) (any, error) {
			return domain.HistoryPage{Events: []domain.CustodyEvent{{Item: a, Seq: 1, Type: domain.EventRegistered, To: "ManufacturerMSP",
				SubmitterMSP: "ManufacturerMSP", TxID: "t1", Timestamp: "2026-12-02T07:00:00.5Z"}}}, nil
		}).
		On("GetSightings", func(args []string) (any, error) { return domain.SightingPage{Sightings: []domain.Sighting{}}, nil }).
		// Recalls that cover no exported item: another lot's, another item's.
		On("ListRecalls", func(args []string) (any, error) {
			return domain.RecallPage{Recalls: []domain.RecallEntry{
				{Target: "01/09506000134352/10/L9", Recall: domain.Recall{Scope: domain.RecallScopeLot, By: "ManufacturerMSP", Reason: "r", TxID: "r9", At: "2026-12-02T08:00:00Z"}},
				{Target: b, Recall: domain.Recall{Scope: domain.RecallScopeItem, By: "ManufacturerMSP", Reason: "r", TxID: "rb", At: "2026-12-02T08:00:00Z"}},
			}}, nil
		}).
		On("ListItems", func(args []string) (any, error) {
			if args[0] != "lot" || args[1] != "09506000134352/L1" {
				return domain.ItemPage{Items: []domain.Item{}}, nil
			}
			return domain.ItemPage{Items: []domain.Item{*items[a]}}, nil
		})
}

func TestExportCommand(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "doc.jsonld")
	ids := filepath.Join(dir, "ids.txt")
	_ = os.WriteFile(ids, []byte("# declaration\n"+a+"\n"), 0o644)
	bad := filepath.Join(dir, "bad.txt")
	_ = os.WriteFile(bad, []byte(a+"\n01/09506000134353/21/A\n"), 0o644)
	tests := []struct {
		name, output string
		argv         []string
		wantCode     int
		wantErr      string
		toFile       bool
	}{
		{"IDs to stdout", "table", []string{"https://id.gs1.org/01/09506000134352/21/A"}, 0, "", false},
		{"-o FILE", out, []string{a}, 0, "", true},
		{"--file", "json", []string{"--file", ids}, 0, "", false},
		{"--gtin --lot", "table", []string{"--gtin", "9506000134352", "--lot", "L1"}, 0, "", false},
		{"bad row names its line", "table", []string{"--file", bad}, 1, "line 2: INVALID_ID", false},
		{"unknown item", "table", []string{b}, 1, "NOT_FOUND", false},
		{"nothing named", "table", []string{}, 2, "name items", false},
		{"--lot without --gtin", "table", []string{a, "--lot", "L1"}, 2, "--lot needs --gtin", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, ios := cmdtest.Factory(fake())
			f.Output = tt.output
			cmd := NewCmd(f, nil)
			err := cmdtest.Exec(cmd, tt.argv...)
			if code := cmdutil.ExitCode(err); code != tt.wantCode || (tt.wantErr != "" && !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("exit %d (%v), want %d %q", code, err, tt.wantCode, tt.wantErr)
			}
			if tt.wantCode != 0 {
				return
			}
			doc := ios.Out.(*bytes.Buffer).Bytes()
			if tt.toFile {
				if len(doc) != 0 {
					t.Fatalf("stdout %s with -o FILE", doc)
				}
				doc, _ = os.ReadFile(out)
			}
			var d epcis.Document
			if err := json.Unmarshal(doc, &d); err != nil || len(d.EPCISBody.EventList) != 1 {
				t.Fatalf("document %s (%v)", doc, err)
			}
			e := d.EPCISBody.EventList[0]
			if e.BizStep != "commissioning" || e.ILMD == nil || e.ILMD.Lot != "L1" || e.EventTime != "2026-12-02T07:00:00.500Z" {
				t.Fatalf("event %+v", e)
			}
			if _, err := time.Parse(time.RFC3339, d.CreationDate); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestExportAuditFindings exports the items of an audit's findings: every
// suspect line by default, or the lines with a --verdict among their
// findings; lines without an item, and items the ledger never saw, are
// named on stderr.
func TestExportAuditFindings(t *testing.T) {
	dir := t.TempDir()
	report := filepath.Join(dir, "audit.json")
	_ = os.WriteFile(report, []byte(`{"generated":"2026-12-02T08:00:00Z","verified":false,"thresholds":[],"suspect":true,"counts":[],
"results":[
 {"line":3,"input":"`+a+`","item":"`+a+`","verdict":"STOLEN","verified":false,"findings":[{"verdict":"STOLEN","reason":"stolen"},{"verdict":"ON_HOLD","reason":"held"}]},
 {"line":4,"input":"01/09506000134353/21/X","verdict":"INVALID_ID","verified":false,"findings":[{"verdict":"INVALID_ID","reason":"check digit"}]},
 {"line":5,"input":"`+b+`","item":"`+b+`","verdict":"UNKNOWN_SERIAL","verified":false,"findings":[{"verdict":"UNKNOWN_SERIAL","reason":"not registered"}]},
 {"line":6,"input":"`+a+`","item":"`+a+`","verdict":"LIKELY_CLONE","verified":false,"findings":[{"verdict":"LIKELY_CLONE","reason":"declared twice"}]}
]}`), 0o644)
	notReport := filepath.Join(dir, "other.json")
	_ = os.WriteFile(notReport, []byte(`{"items":[]}`), 0o644)
	tests := []struct {
		name       string
		argv       []string
		wantCode   int
		wantErr    string
		wantEvents int
		wantStderr []string
	}{
		{"every suspect line", []string{"--audit", report}, 0, "", 1,
			[]string{"line 4 01/09506000134353/21/X: INVALID_ID: no item identifier", b + ": neither registered nor sighted"}},
		{"a finding's verdict selects the line", []string{"--audit", report, "--verdict", "on_hold"}, 0, "", 1, nil},
		{"only unknown serials: nothing on the ledger", []string{"--audit", report, "--verdict", "UNKNOWN_SERIAL"}, 1, "NOT_FOUND", 0, nil},
		{"no line with the verdict", []string{"--audit", report, "--verdict", "RECALLED"}, 1, "no line with verdict RECALLED", 0, nil},
		{"unknown verdict", []string{"--audit", report, "--verdict", "FAKE"}, 2, `unknown verdict "FAKE"`, 0, nil},
		{"--verdict without --audit", []string{a, "--verdict", "STOLEN"}, 2, "--verdict needs --audit", 0, nil},
		{"not an audit report", []string{"--audit", notReport}, 1, "not a prov audit -o json report", 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, ios := cmdtest.Factory(fake())
			err := cmdtest.Exec(NewCmd(f, nil), tt.argv...)
			if code := cmdutil.ExitCode(err); code != tt.wantCode || (tt.wantErr != "" && !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("exit %d (%v), want %d %q", code, err, tt.wantCode, tt.wantErr)
			}
			if tt.wantCode != 0 {
				return
			}
			var d epcis.Document
			if err := json.Unmarshal(ios.Out.(*bytes.Buffer).Bytes(), &d); err != nil || len(d.EPCISBody.EventList) != tt.wantEvents {
				t.Fatalf("document %s (%v), want %d events", ios.Out, err, tt.wantEvents)
			}
			if got := d.EPCISBody.EventList[0].EPCList[0]; got != "https://id.gs1.org/01/09506000134352/21/A" {
				t.Errorf("exported %s", got)
			}
			for _, w := range tt.wantStderr {
				if !strings.Contains(ios.ErrOut.(*bytes.Buffer).String(), w) {
					t.Errorf("stderr lacks %q:\n%s", w, ios.ErrOut)
				}
			}
		})
	}
}

// A lot recall in force that covers an exported item is exported as one
// class-level event after the item's own; an item recall of another item,
// and another lot's recall, are not.
func TestExportCommandLotRecall(t *testing.T) {
	l := fake().On("GetItems", func(args []string) (any, error) {
		return []*domain.Item{{ID: a, GTIN: "09506000134352", Serial: "A", Lot: "L1", Manufacturer: "ManufacturerMSP", Owner: "ManufacturerMSP", Status: domain.StatusActive, Seq: 1}}, nil
	}).On("ListRecalls", func(args []string) (any, error) {
		return domain.RecallPage{Recalls: []domain.RecallEntry{
			{Target: "01/09506000134352/10/L1", Recall: domain.Recall{Scope: domain.RecallScopeLot, By: "ManufacturerMSP", Reason: "seal defect", TxID: "r1", At: "2026-12-02T08:00:00.25Z"}},
			{Target: "01/09506000134352/10/L9", Recall: domain.Recall{Scope: domain.RecallScopeLot, By: "ManufacturerMSP", Reason: "r", TxID: "r9", At: "2026-12-02T08:00:00Z"}},
			{Target: b, Recall: domain.Recall{Scope: domain.RecallScopeItem, By: "ManufacturerMSP", Reason: "r", TxID: "rb", At: "2026-12-02T08:00:00Z"}},
		}}, nil
	})
	f, ios := cmdtest.Factory(l)
	if err := cmdtest.Exec(NewCmd(f, nil), a); err != nil {
		t.Fatal(err)
	}
	var d epcis.Document
	if err := json.Unmarshal(ios.Out.(*bytes.Buffer).Bytes(), &d); err != nil || len(d.EPCISBody.EventList) != 2 {
		t.Fatalf("document %s (%v), want the item's event and the lot recall", ios.Out, err)
	}
	e := d.EPCISBody.EventList[1]
	if len(e.EPCList) != 0 || len(e.QuantityList) != 1 || e.QuantityList[0].EPCClass != "https://id.gs1.org/01/09506000134352/10/L1" ||
		e.BizStep != "holding" || e.Disposition != "recalled" || e.TxID != "r1" || e.Details != "seal defect" || e.EventTime != "2026-12-02T08:00:00.250Z" {
		t.Fatalf("lot recall event %+v", e)
	}
}
