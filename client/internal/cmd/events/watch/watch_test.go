package watch

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/internal/cmdutil"
	"github.com/provledger/provenance/client/internal/ledger"
	"github.com/provledger/provenance/client/internal/ledger/ledgertest"
)

func ev(block uint64, tx string, typ domain.EventType, items ...string) ledger.Event {
	p, _ := json.Marshal(domain.ChaincodeEvent{Type: typ, Items: items, TxID: tx})
	return ledger.Event{Block: block, TxID: tx, Name: domain.ChaincodeEventName, Payload: p}
}

func opts(src ledger.EventSource) (*Options, *bytes.Buffer, *bytes.Buffer, *[]time.Duration) {
	ios, _, out, errOut := cmdutil.Test()
	var slept []time.Duration
	return &Options{
		IO: ios, Events: func() (ledger.EventSource, error) { return src, nil }, Format: cmdutil.FormatTable,
		MinBackoff: time.Second, MaxBackoff: 4 * time.Second,
		Sleep: func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil },
	}, out, errOut, &slept
}

// The stream breaks twice and the peer refuses twice; the watcher resumes
// after the last event it printed each time, with capped doubling delays.
func TestWatchReconnectsAndResumes(t *testing.T) {
	src := &ledgertest.Events{Batches: [][]ledger.Event{
		{ev(5, "t1", domain.EventRegistered, "01/09506000134352/21/A"), ev(6, "t2", domain.EventOffered, "01/09506000134352/21/A")},
		{},
		{ev(7, "t3", domain.EventAccepted, "a", "b", "c", "d")},
	}}
	o, out, errOut, slept := opts(src)
	o.HasFrom, o.FromBlock, o.Limit = true, 5, 3
	// dials 2 and 3 are refused; dial 4 gets a stream that ends at once
	dials = 0
	o.Events = func() (ledger.EventSource, error) { return failing{src, map[int]bool{2: true, 3: true}}, nil }
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

func posString(p *ledger.Position) string {
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

func (f failing) ChaincodeEvents(ctx context.Context, p *ledger.Position) (<-chan ledger.Event, error) {
	dials++
	if f.fail[dials] {
		f.Events.Fail = 1
	}
	return f.Events.ChaincodeEvents(ctx, p)
}

func TestWatchCheckpointFile(t *testing.T) {
	dials = 0
	path := filepath.Join(t.TempDir(), "cp.json")
	src := &ledgertest.Events{Batches: [][]ledger.Event{{ev(3, "a1", domain.EventHeld, "x"), ev(4, "a2", domain.EventReleased, "x")}}}
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
	src2 := &ledgertest.Events{Batches: [][]ledger.Event{{ev(9, "b1", domain.EventHeld, "y")}}}
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
