package watch

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/gateway"
	"github.com/provledger/provenance/client/internal/cmdutil"
	"github.com/provledger/provenance/client/internal/ledger/ledgertest"
	"github.com/provledger/provenance/network/netdesc"
)

func ev(block uint64, tx string, typ domain.EventType, items ...string) gateway.Event {
	p, _ := json.Marshal(domain.ChaincodeEvent{Type: typ, Items: items, TxID: tx})
	return gateway.Event{Block: block, TxID: tx, Name: domain.ChaincodeEventName, Payload: p}
}

func opts(src gateway.EventSource) (*Options, *bytes.Buffer, *bytes.Buffer, *[]time.Duration) {
	ios, _, out, errOut := cmdutil.Test()
	var slept []time.Duration
	return &Options{
		IO: ios, Events: func() (gateway.EventSource, error) { return src, nil }, Format: cmdutil.FormatTable,
		MinBackoff: time.Second, MaxBackoff: 4 * time.Second,
		Sleep: func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil },
	}, out, errOut, &slept
}

// The stream breaks twice and the peer refuses twice; the watcher resumes
// after the last event it printed each time, with capped doubling delays.
func TestWatchReconnectsAndResumes(t *testing.T) {
	src := &ledgertest.Events{Batches: [][]gateway.Event{
		{ev(5, "t1", domain.EventRegistered, "01/09506000134352/21/A"), ev(6, "t2", domain.EventOffered, "01/09506000134352/21/A")},
		{},
		{ev(7, "t3", domain.EventAccepted, "a", "b", "c", "d")},
	}}
	o, out, errOut, slept := opts(src)
	o.HasFrom, o.FromBlock, o.Limit = true, 5, 3
	// dials 2 and 3 are refused; dial 4 gets a stream that ends at once
	dials = 0
	o.Events = func() (gateway.EventSource, error) { return failing{src, map[int]bool{2: true, 3: true}}, nil }
	if err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	want := "block 5  tx t1  REGISTERED  01/09506000134352/21/A\n" +
		"block 6  tx t2  OFFERED  01/09506000134352/21/A\n" +
		"block 7  tx t3  ACCEPTED  a b ... (4 items)\n"
	if out.String() != want {
		t.Errorf("out:\n%s", out.String())
	}
	starts := []string{}
	for _, s := range src.Starts {
		starts = append(starts, posString(s))
	}
	if got := strings.Join(starts, " "); got != "5/ 6/t2 6/t2 6/t2 6/t2" {
		t.Errorf("starts %s", got)
	}
	if d := *slept; len(d) != 4 || d[0] != time.Second || d[1] != 2*time.Second || d[2] != 4*time.Second || d[3] != 4*time.Second {
		t.Errorf("backoff %v", d)
	}
	if !strings.Contains(errOut.String(), "peer 127.0.0.1:7051 unavailable: connection refused; reconnecting in 2s") {
		t.Errorf("stderr %q", errOut.String())
	}
}

func posString(p *gateway.Position) string {
	if p == nil {
		return "next"
	}
	return strings.TrimSpace(strings.Join([]string{itoa(p.Block), "/", p.TxID}, ""))
}

func itoa(n uint64) string { b, _ := json.Marshal(n); return string(b) }

// failing refuses the listed dial attempts (1-based), else delegates.
type failing struct {
	*ledgertest.Events
	fail map[int]bool
}

var dials int

func (f failing) ChaincodeEvents(ctx context.Context, p *gateway.Position) (<-chan gateway.Event, error) {
	dials++
	if f.fail[dials] {
		f.Events.Fail = 1
	}
	return f.Events.ChaincodeEvents(ctx, p)
}

func TestWatchCheckpointFile(t *testing.T) {
	dials = 0
	path := filepath.Join(t.TempDir(), "cp.json")
	src := &ledgertest.Events{Batches: [][]gateway.Event{{ev(3, "a1", domain.EventHeld, "x"), ev(4, "a2", domain.EventReleased, "x")}}}
	o, _, _, _ := opts(src)
	o.Checkpoint, o.Limit = path, 2
	if err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	if !strings.Contains(string(b), `"blockNumber":4`) || !strings.Contains(string(b), `"transactionId":"a2"`) {
		t.Errorf("checkpoint %s", b)
	}
	// a new run resumes from the file even with --from-block
	src2 := &ledgertest.Events{Batches: [][]gateway.Event{{ev(9, "b1", domain.EventHeld, "y")}}}
	o2, out, _, _ := opts(src2)
	o2.Checkpoint, o2.Limit, o2.HasFrom, o2.FromBlock, o2.Format = path, 1, true, 0, cmdutil.FormatJSON
	if err := Run(context.Background(), o2); err != nil {
		t.Fatal(err)
	}
	if p := src2.Starts[0]; p == nil || p.Block != 4 || p.TxID != "a2" {
		t.Errorf("resume at %+v", p)
	}
	if out.String() != `{"block":9,"txId":"b1","name":"custody","type":"HELD","items":["y"]}`+"\n" {
		t.Errorf("json %q", out.String())
	}
}

func TestWatchStopsOnCancel(t *testing.T) {
	src := &ledgertest.Events{Tip: 42} // no batches: blocks until cancelled
	o, _, _, _ := opts(src)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := Run(ctx, o); err != nil {
		t.Fatal(err)
	}
	if len(src.Starts) != 1 || src.Starts[0] == nil || src.Starts[0].Block != 42 {
		t.Errorf("starts %v: without --from-block the stream starts at the chain height", src.Starts)
	}
}

func payloadEvent(block uint64, p domain.ChaincodeEvent) gateway.Event {
	b, _ := json.Marshal(p)
	return gateway.Event{Block: block, TxID: p.TxID, Name: domain.ChaincodeEventName, Payload: b}
}

// Issue 16 bug: a lot recall touches no item; its event's scope reached the
// chaincode event but not watch's output. Each line now carries time,
// submitting org and scope, as text and as JSON Lines.
func TestWatchLotRecallScope(t *testing.T) {
	const scope = "01/09506000134352/10/L42"
	recall := payloadEvent(9, domain.ChaincodeEvent{Type: domain.EventRecalled, Items: []string{}, TxID: "t9", Scope: scope,
		Timestamp: "2026-12-02T07:00:00Z", SubmitterMSP: "ManufacturerMSP"})
	src := &ledgertest.Events{Batches: [][]gateway.Event{{recall}}}
	o, out, _, _ := opts(src)
	o.HasFrom, o.FromBlock, o.Limit = true, 9, 1
	if err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	if want := "block 9  tx t9  2026-12-02T07:00:00Z  ManufacturerMSP  RECALLED  scope " + scope + "\n"; out.String() != want {
		t.Errorf("text %q, want %q", out.String(), want)
	}
	src = &ledgertest.Events{Batches: [][]gateway.Event{{recall}}}
	o, out, _, _ = opts(src)
	o.HasFrom, o.FromBlock, o.Limit, o.Format = true, 9, 1, cmdutil.FormatJSON
	if err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	var l Line
	if err := json.Unmarshal(out.Bytes(), &l); err != nil {
		t.Fatalf("%v: %q", err, out.String())
	}
	if l.Scope != scope || l.Time != "2026-12-02T07:00:00Z" || l.Org != "ManufacturerMSP" || l.Type != domain.EventRecalled || l.Block != 9 {
		t.Errorf("json line %+v", l)
	}
}

// Filters by type, item (with the recalls of its GTIN and lot), GTIN and
// submitting org; --limit counts printed events only.
func TestWatchFilters(t *testing.T) {
	const g, g2 = "09506000134352", "09506000134369"
	a, b := "01/"+g+"/21/A", "01/"+g2+"/21/B"
	evs := []gateway.Event{
		payloadEvent(1, domain.ChaincodeEvent{Type: domain.EventRegistered, Items: []string{a, b}, TxID: "t1", SubmitterMSP: "M"}),
		payloadEvent(2, domain.ChaincodeEvent{Type: domain.EventOffered, Items: []string{b}, TxID: "t2", SubmitterMSP: "M"}),
		payloadEvent(3, domain.ChaincodeEvent{Type: domain.EventAccepted, Items: []string{a}, TxID: "t3", SubmitterMSP: "D"}),
		payloadEvent(4, domain.ChaincodeEvent{Type: domain.EventRecalled, Items: []string{}, TxID: "t4", Scope: "01/" + g + "/10/L1", SubmitterMSP: "M"}),
		payloadEvent(5, domain.ChaincodeEvent{Type: domain.EventRecalled, Items: []string{}, TxID: "t5", Scope: "01/" + g + "/10/L2", SubmitterMSP: "M"}),
		payloadEvent(6, domain.ChaincodeEvent{Type: domain.EventRecalled, Items: []string{}, TxID: "t6", Scope: "01/" + g2, SubmitterMSP: "M"}),
	}
	id := func(s string) *domain.Identifier {
		x, err := domain.ParseIdentifier(s)
		if err != nil {
			t.Fatal(err)
		}
		return &x
	}
	for _, tt := range []struct {
		name   string
		filter Filter
		limit  int
		want   string
	}{
		{"type", Filter{Types: []domain.EventType{domain.EventOffered, domain.EventAccepted}}, 0, "t2 t3"},
		{"org", Filter{Org: "D"}, 0, "t3"},
		{"gtin", Filter{GTIN: g2}, 0, "t1 t2 t6"},
		{"item with lot", Filter{Item: id("https://id.gs1.org/01/" + g + "/10/L1/21/A")}, 0, "t1 t3 t4"},
		{"item", Filter{Item: id(b)}, 0, "t1 t2 t6"},
		{"type and org", Filter{Types: []domain.EventType{domain.EventRecalled}, Org: "M"}, 2, "t4 t5"},
	} {
		src := &ledgertest.Events{Batches: [][]gateway.Event{evs}}
		o, out, _, _ := opts(src)
		o.HasFrom, o.Filter, o.Limit, o.Format = true, tt.filter, tt.limit, cmdutil.FormatJSON
		o.Sleep = func(context.Context, time.Duration) error { return context.Canceled } // stop when the stream ends
		if err := Run(context.Background(), o); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
			var l Line
			if err := json.Unmarshal([]byte(line), &l); err != nil {
				t.Fatalf("%s: %v in %q", tt.name, err, line)
			}
			got = append(got, l.TxID)
		}
		if strings.Join(got, " ") != tt.want {
			t.Errorf("%s: %v, want %s", tt.name, got, tt.want)
		}
	}
}

func TestWatchFilterFlags(t *testing.T) {
	ios, _, _, _ := cmdutil.Test()
	f := &cmdutil.Factory{IO: ios, Output: cmdutil.FormatTable, Getenv: func(string) string { return "" }}
	f.Identity = func() (*gateway.Resolved, *netdesc.Identity, error) {
		return &gateway.Resolved{MSPID: "CustomsMSP"}, nil, nil
	}
	var got *Options
	run := func(argv ...string) error {
		cmd := NewCmd(f, func(o *Options) error { got = o; return nil })
		cmd.SetArgs(argv)
		cmd.SetOut(io.Discard)
		cmd.SetErr(io.Discard)
		return cmd.Execute()
	}
	if err := run("--type", "offered,ACCEPTED", "--type", "held", "--org", "me", "--gtin", "9506000134352", "--item", "(01)09506000134352(21)A"); err != nil {
		t.Fatal(err)
	}
	fl := got.Filter
	if fmt.Sprint(fl.Types) != "[OFFERED ACCEPTED HELD]" || fl.Org != "CustomsMSP" || fl.GTIN != "09506000134352" || fl.Item.Key() != "01/09506000134352/21/A" {
		t.Errorf("filter %+v", fl)
	}
	if err := run("--type", "SHIPPED"); cmdutil.ExitCode(err) != 2 || !strings.Contains(err.Error(), "REGISTERED") {
		t.Errorf("unknown type: %v", err)
	}
	if err := run("--item", "nope"); cmdutil.ExitCode(err) != 1 || domain.CodeOf(err) != domain.CodeInvalidID {
		t.Errorf("bad item: %v", err)
	}
}
