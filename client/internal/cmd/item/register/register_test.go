package register

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/gateway"
	"github.com/provledger/provenance/client/internal/cmdtest"
	"github.com/provledger/provenance/client/internal/cmdutil"
	"github.com/provledger/provenance/client/internal/ledger/ledgertest"
)

func TestNewCmdParsing(t *testing.T) {
	tests := []struct {
		argv    []string
		want    Options
		wantErr string
	}{
		{argv: []string{"01/09506000134352/21/A", "--lot", "L1", "--expiry", "261231", "--description", "d"},
			want: Options{ID: "01/09506000134352/21/A", Lot: "L1", Expiry: "261231", Description: "d", BatchSize: 1000}},
		{argv: []string{"--file", "items.csv", "--batch-size", "10"}, want: Options{File: "items.csv", BatchSize: 10}},
		{argv: []string{"-f", "-"}, want: Options{File: "-", BatchSize: 1000}},
		{argv: []string{}, wantErr: "missing item ID or --file"},
		{argv: []string{"X", "--file", "f"}, wantErr: "not both"},
		{argv: []string{"X", "Y"}, wantErr: "too many arguments"},
		{argv: []string{"--file", "f", "--lot", "L"}, wantErr: "apply to a single ID"},
		{argv: []string{"--file", "f", "--batch-size", "1001"}, wantErr: "--batch-size must be 1 to 1000"},
		{argv: []string{"--file", "f", "--batch-size", "0"}, wantErr: "--batch-size"},
		{argv: []string{"--file", "f", "--parallel", "8"}, want: Options{File: "f", BatchSize: 1000, Parallel: 8}},
		{argv: []string{"--file", "f", "--parallel", "0"}, wantErr: "--parallel must be 1 to 16"},
		{argv: []string{"--file", "f", "--parallel", "17"}, wantErr: "--parallel must be 1 to 16"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.argv, " "), func(t *testing.T) {
			f, _ := cmdtest.Factory(nil)
			var got *Options
			err := cmdtest.Exec(NewCmd(f, func(o *Options) error { got = o; return nil }), tt.argv...)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || cmdutil.ExitCode(err) != cmdutil.ExitUsage {
					t.Fatalf("err = %v, want usage error %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.ID != tt.want.ID || got.File != tt.want.File || got.Lot != tt.want.Lot || got.Expiry != tt.want.Expiry ||
				got.Description != tt.want.Description || got.BatchSize != tt.want.BatchSize ||
				(tt.want.Parallel != 0 && got.Parallel != tt.want.Parallel) || got.Parallel < 1 {
				t.Errorf("options = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// fakeLedger registers items in a map, like the chaincode would.
func fakeLedger(me string, existing map[string]string) (*ledgertest.Fake, *[][]domain.ItemInput) {
	var batches [][]domain.ItemInput
	f := ledgertest.New(me)
	f.On("GetItems", func(args []string) (any, error) {
		var ids []string
		json.Unmarshal([]byte(args[0]), &ids)
		out := make([]*domain.Item, len(ids))
		for i, id := range ids {
			if m, ok := existing[id]; ok {
				out[i] = &domain.Item{ID: id, Manufacturer: m, Owner: m}
			}
		}
		return out, nil
	})
	f.On("RegisterItems", func(args []string) (any, error) {
		var in []domain.ItemInput
		json.Unmarshal([]byte(args[0]), &in)
		var keys []string
		for _, it := range in {
			id, err := domain.ParseIdentifier(it.ID)
			if err != nil {
				return nil, err
			}
			if strings.HasPrefix(id.GTIN, "0950600013435") == false {
				return nil, domain.Errorf(domain.CodePrefixNotActive, "no active prefix for GTIN %s", id.GTIN)
			}
			keys = append(keys, id.Key())
			existing[id.Key()] = me
		}
		batches = append(batches, in)
		return keys, nil
	})
	return f, &batches
}

func TestRunFileBatchesSkipsAndFailures(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("id,lot\n")
	for i := 0; i < 5; i++ {
		b.WriteString("01/09506000134352/21/S" + string(rune('0'+i)) + ",L1\n")
	}
	b.WriteString("01/09506000134352/21/S1,L1\n")    // duplicate of line 3
	b.WriteString("01/09506000134353/21/BAD,L1\n")   // bad check digit
	b.WriteString("01/09506000134352/21/OTHER,L1\n") // another org's item
	path := filepath.Join(dir, "items.csv")
	os.WriteFile(path, []byte(b.String()), 0o600)

	l, batches := fakeLedger("ManufacturerMSP", map[string]string{
		"01/09506000134352/21/S0":    "ManufacturerMSP", // already ours: skipped
		"01/09506000134352/21/OTHER": "OtherMSP",
	})
	f, ios := cmdtest.Factory(l)
	f.Output = cmdutil.FormatJSON
	err := cmdtest.Exec(NewCmd(f, nil), "--file", path, "--batch-size", "2")
	if cmdutil.ExitCode(err) != cmdutil.ExitFailed {
		t.Fatalf("err = %v, want exit 1 for the failed rows", err)
	}
	var sum Summary
	if err := json.Unmarshal(ios.Out.(*bytes.Buffer).Bytes(), &sum); err != nil {
		t.Fatal(err)
	}
	if strings.Join(sum.Registered, " ") != "01/09506000134352/21/S1 01/09506000134352/21/S2 01/09506000134352/21/S3 01/09506000134352/21/S4" {
		t.Errorf("registered %v", sum.Registered)
	}
	if strings.Join(sum.Skipped, " ") != "01/09506000134352/21/S0" {
		t.Errorf("skipped %v", sum.Skipped)
	}
	codes := map[int]domain.Code{}
	for _, fl := range sum.Failed {
		codes[fl.Line] = fl.Code
	}
	if len(sum.Failed) != 3 || codes[7] != domain.CodeInvalidArgument || codes[8] != domain.CodeInvalidID || codes[9] != domain.CodeAlreadyExists {
		t.Errorf("failed %+v", sum.Failed)
	}
	// 6 valid rows in batches of 2 -> GetItems 3 times; batch 1 has S0 (skipped) + S1
	if n := len(l.CallsTo("GetItems")); n != 3 {
		t.Errorf("GetItems calls = %d", n)
	}
	if len(*batches) != 3 || len(sum.Transactions) != 3 {
		t.Errorf("batches %v, transactions %v", *batches, sum.Transactions)
	}

	// a re-run skips everything already registered
	ios.Out.(*bytes.Buffer).Reset()
	err = cmdtest.Exec(NewCmd(f, nil), "--file", path, "--batch-size", "2")
	json.Unmarshal(ios.Out.(*bytes.Buffer).Bytes(), &sum)
	if len(sum.Registered) != 0 || len(sum.Skipped) != 5 || len(sum.Transactions) != 0 {
		t.Errorf("re-run: %+v", sum)
	}
}

func TestRunRefusedBatchContinuesFatalStops(t *testing.T) {
	entries := []Entry{
		{Line: 1, Input: domain.ItemInput{ID: "01/09506000134352/21/A"}},
		{Line: 2, Input: domain.ItemInput{ID: "01/04012345000009/21/B"}}, // unapproved prefix
		{Line: 3, Input: domain.ItemInput{ID: "01/09506000134352/21/C"}},
	}
	l, _ := fakeLedger("ManufacturerMSP", map[string]string{})
	sum, fatal := Register(t.Context(), l, entries, 1, nil)
	if fatal != nil || len(sum.Registered) != 2 || len(sum.Failed) != 1 || sum.Failed[0].Code != domain.CodePrefixNotActive || sum.Failed[0].TxID == "" {
		t.Errorf("sum %+v fatal %v", sum, fatal)
	}

	down := ledgertest.New("ManufacturerMSP").
		On("GetItems", func(args []string) (any, error) {
			return nil, &gateway.Error{Op: gateway.OpEvaluate, Function: "GetItems", Message: "peer 127.0.0.1:7051 unavailable: connection refused"}
		})
	sum, fatal = Register(t.Context(), down, entries, 1, nil)
	if fatal == nil || len(sum.Failed) != 3 || !strings.Contains(sum.Failed[2].Error, "not attempted") {
		t.Errorf("sum %+v fatal %v", sum, fatal)
	}
}

// TestRegisterParallel: batches in flight together commit in any order;
// the summary still lists them in input order, and a fatal error starts no
// further batch while the ones in flight finish.
func TestRegisterParallel(t *testing.T) {
	var entries []Entry
	for i := range 9 {
		entries = append(entries, Entry{Line: i + 1, Input: domain.ItemInput{ID: fmt.Sprintf("01/09506000134352/21/P%d", i)}})
	}
	var mu sync.Mutex
	release := make(chan struct{})
	calls := 0
	l := ledgertest.New("ManufacturerMSP").
		On("GetItems", func(args []string) (any, error) {
			var ids []string
			json.Unmarshal([]byte(args[0]), &ids)
			return make([]*domain.Item, len(ids)), nil
		}).
		On("RegisterItems", func(args []string) (any, error) {
			var in []domain.ItemInput
			json.Unmarshal([]byte(args[0]), &in)
			mu.Lock()
			calls++
			if calls == 3 { // the third batch in flight lets the first two go
				close(release)
			}
			mu.Unlock()
			if in[0].ID != "01/09506000134352/21/P4" && in[0].ID != "01/09506000134352/21/P6" && in[0].ID != "01/09506000134352/21/P8" {
				<-release // batches 1-2 wait until batch 3 is in flight: three at once
			}
			keys := make([]string, len(in))
			for i := range in {
				keys[i] = in[i].ID
			}
			return keys, nil
		})
	sum, fatal := RegisterParallel(t.Context(), l, entries, 2, 3, nil)
	if fatal != nil || len(sum.Transactions) != 5 || len(sum.Failed) != 0 {
		t.Fatalf("sum %+v fatal %v", sum, fatal)
	}
	for i, k := range sum.Registered {
		if want := fmt.Sprintf("01/09506000134352/21/P%d", i); k != want {
			t.Fatalf("registered[%d] = %s, want %s (input order)", i, k, want)
		}
	}

	// batch 2 of 5 meets a dead peer: it fails, no batch starts after that
	// (batches already in flight commit), the rest are not attempted
	down := ledgertest.New("ManufacturerMSP").
		On("GetItems", func(args []string) (any, error) {
			if strings.Contains(args[0], "P2") {
				return nil, &gateway.Error{Op: gateway.OpEvaluate, Function: "GetItems", Message: "peer 127.0.0.1:7051 unavailable: connection refused"}
			}
			var ids []string
			json.Unmarshal([]byte(args[0]), &ids)
			return make([]*domain.Item, len(ids)), nil
		}).
		On("RegisterItems", func(args []string) (any, error) {
			var in []domain.ItemInput
			json.Unmarshal([]byte(args[0]), &in)
			keys := make([]string, len(in))
			for i := range in {
				keys[i] = in[i].ID
			}
			return keys, nil
		})
	sum, fatal = RegisterParallel(t.Context(), down, entries, 2, 2, nil)
	if fatal == nil || len(sum.Registered)+len(sum.Failed) != 9 {
		t.Fatalf("sum %+v fatal %v", sum, fatal)
	}
	once := map[string]bool{}
	for _, k := range sum.Registered {
		once[k] = true
	}
	for _, f := range sum.Failed {
		if once[f.ID] || !strings.Contains(f.Error, "not attempted") {
			t.Errorf("failure %+v: registered too, or not 'not attempted'", f)
		}
		once[f.ID] = true
	}
	if len(once) != 9 || len(sum.Registered) < 2 || sum.Registered[0] != "01/09506000134352/21/P0" ||
		sum.Failed[0].ID != "01/09506000134352/21/P2" || sum.Failed[1].ID != "01/09506000134352/21/P3" {
		t.Errorf("registered %v, failed %+v", sum.Registered, sum.Failed)
	}
	if !sort.StringsAreSorted(sum.Registered) {
		t.Errorf("registered %v not in input order", sum.Registered)
	}
}

func TestRunSingleID(t *testing.T) {
	l, batches := fakeLedger("ManufacturerMSP", map[string]string{"01/09506000134352/21/OTHER": "OtherMSP"})
	f, ios := cmdtest.Factory(l)
	err := cmdtest.Exec(NewCmd(f, nil), "https://id.gs1.org/01/09506000134352/10/L1/21/A", "--expiry", "261231")
	if err != nil {
		t.Fatal(err)
	}
	out := ios.Out.(*bytes.Buffer).String()
	if !strings.Contains(out, "Registered 1 item (transaction tx1, block 11)\n  01/09506000134352/21/A\n") {
		t.Errorf("output %q", out)
	}
	if in := (*batches)[0][0]; in.ID != "https://id.gs1.org/01/09506000134352/10/L1/21/A" || in.Expiry != "261231" {
		t.Errorf("sent %+v (the original spelling carries the lot)", in)
	}
	err = cmdtest.Exec(NewCmd(f, nil), "01/09506000134352/21/OTHER")
	if domain.CodeOf(err) != domain.CodeAlreadyExists || cmdutil.ExitCode(err) != 1 {
		t.Errorf("other org's item: %v", err)
	}
	err = cmdtest.Exec(NewCmd(f, nil), "01/4012345000009/21/X")
	if gateway.CodeOf(err) != domain.CodePrefixNotActive || gateway.TxIDOf(err) == "" {
		t.Errorf("refusal: %v", err)
	}
	var le *gateway.Error
	if !errors.As(err, &le) {
		t.Errorf("refusal is not a ledger error: %T", err)
	}
}

func TestPrintSummary(t *testing.T) {
	var b bytes.Buffer
	PrintSummary(&b, &Summary{
		Registered:   []string{"a", "b", "c"},
		Skipped:      []string{"d"},
		Failed:       []Failure{{Line: 4, ID: "e", Error: "INVALID_ID: bad\nmore"}, {ID: "f", Error: "NOT_OWNER: x", TxID: "t9"}},
		Transactions: []Tx{{TxID: "t1", Block: 5, Items: 2}, {TxID: "t2", Block: 6, Items: 1}},
	}, "MMSP")
	want := `Registered 3 items in 2 transactions
  transaction t1, block 5: 2 items
  transaction t2, block 6: 1 item
Skipped 1 item already registered by MMSP
  d
Failed 2 items:
  line 4: e: INVALID_ID: bad
  f: NOT_OWNER: x (transaction t9)
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}
