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
