package bulk

import (
	"context"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/provledger/provenance/chaincode/domain"
)

// A 2,000-item shipment from a file with one recalled and one foreign item
// commits every good item, reports the two with their reasons (no
// transaction spent on them), and a re-run skips everything and spends no
// transaction.
func TestShipmentFromFile(t *testing.T) {
	integration(t)
	good := items("00001", "S", 1998)
	recalled, foreign := items("00001", "R", 1)[0], items("00001", "F", 1)[0]
	register(t, append(append([]string{}, good...), recalled, foreign))
	c := cli(t)
	c.OK(t, mfr, "admin", "item", "recall", recalled, "--reason", "seal defect")
	c.OK(t, mfr, "", "transfer", "offer", foreign, "--to", "distributor")
	c.OK(t, dist, "", "transfer", "accept", foreign)

	lines := append([]string{"# shipment " + runTag}, good[:1000]...)
	lines = append(append(lines, recalled, foreign), good[1000:]...)
	ship := file(t, "ship.txt", lines)
	r := c.Run(t, mfr, "", "transfer", "offer", "--file", ship, "--to", "distributor", "-o", "json")
	t.Logf("offer of %d items from a file: %s (exit %d)", len(lines)-1, r.Duration.Round(time.Millisecond), r.Code)
	s := decode(t, r)
	if r.Code != 1 {
		t.Fatalf("two failed items: want exit 1\n%s", r)
	}
	if len(s.Items) != len(good) || len(s.Skipped) != 0 {
		t.Fatalf("committed %d of %d, skipped %d", len(s.Items), len(good), len(s.Skipped))
	}
	n := 0
	for _, tx := range s.Transactions {
		n += len(tx.Items)
		if tx.TxID == "" || tx.Block == 0 {
			t.Errorf("transaction without ID or block: %+v", tx)
		}
	}
	if n != len(good) || len(s.Transactions) != 10 {
		t.Errorf("%d transactions carrying %d items; want 10 batches of 200", len(s.Transactions), n)
	}
	want := map[string]string{recalled: "1002 RECALLED", foreign: "1003 NOT_OWNER"}
	if len(s.Failed) != 2 {
		t.Fatalf("failed %+v", s.Failed)
	}
	for _, f := range s.Failed {
		if got := strings.Join([]string{itoa(f.Line), string(f.Code)}, " "); got != want[f.ID] || f.Error == "" {
			t.Errorf("failed %+v, want %s", f, want[f.ID])
		}
	}
	if st := statuses(t, good); st[domain.StatusInTransit] != len(good) {
		t.Errorf("ledger: %v", st)
	}

	// The re-run: every good item is skipped, the two fail again, nothing is sent.
	r = c.Run(t, mfr, "", "transfer", "offer", "--file", ship, "--to", "distributor", "-o", "json")
	t.Logf("re-run: %s (exit %d)", r.Duration.Round(time.Millisecond), r.Code)
	s = decode(t, r)
	if r.Code != 1 || len(s.Transactions) != 0 || len(s.Skipped) != len(good) || len(s.Failed) != 2 {
		t.Fatalf("re-run: exit %d, %d transactions, %d skipped, %d failed", r.Code, len(s.Transactions), len(s.Skipped), len(s.Failed))
	}
	if s.Skipped[0].Line != 2 || s.Skipped[0].Reason != "already offered to DistributorMSP" {
		t.Errorf("skipped[0] %+v", s.Skipped[0])
	}

	// show of 1,000 IDs from a file.
	r = c.Run(t, dist, "", "item", "show", "--file", file(t, "show.txt", good[:1000]), "-o", "json")
	t.Logf("show of 1000 IDs from a file: %s (exit %d)", r.Duration.Round(time.Millisecond), r.Code)
	var shown struct {
		Items  []domain.Item `json:"items"`
		Failed []any         `json:"failed"`
	}
	if r.Code != 0 || json.Unmarshal([]byte(r.Stdout), &shown) != nil || len(shown.Items) != 1000 || shown.Items[999].ID != good[999] {
		t.Errorf("show: %d items\n%.300s", len(shown.Items), r.Stderr)
	}
}

// A -o json run that fails in the middle still prints every committed
// transaction: customs holds the last item after prov's pre-read, so the
// chaincode refuses its batch; with --fail-fast the run stops there.
func TestFailInTheMiddle(t *testing.T) {
	integration(t)
	ids := items("00002", "M", 300)
	register(t, ids)
	last := ids[len(ids)-1]
	c := cli(t)
	cmd := exec.Command(c.Bin, "--profile", mfr.Profile, "transfer", "offer", "--file", file(t, "m.txt", ids),
		"--to", "distributor", "--batch-size", "10", "--fail-fast", "-o", "json")
	cmd.Env = append(cmd.Environ(), "PROV_HOME="+c.Home, "PROV_PORT_BASE="+itoa(c.PortBase))
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	first := conn(t, mfr)
	if !waitFor(context.Background(), 60*time.Second, func() bool {
		it, err := first.Item(ids[0])
		return err == nil && it.Status == domain.StatusInTransit
	}) {
		t.Fatal("the first batch did not commit")
	}
	c.OK(t, cus, "", "customs", "hold", last, "--reason", "x-ray anomaly")
	err := <-done
	r := struct{ Stdout, Stderr string }{out.String(), errb.String()}
	var s summary
	if jerr := json.Unmarshal([]byte(r.Stdout), &s); jerr != nil {
		t.Fatalf("no JSON summary (%v): %v\n%s\n%s", jerr, err, r.Stdout, r.Stderr)
	}
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("exit %v; the hold landed too late? %d committed\n%s", err, len(s.Items), r.Stderr)
	}
	if len(s.Transactions) == 0 || len(s.Items) != len(ids)-10 {
		t.Errorf("%d transactions, %d items committed; want all batches but the last", len(s.Transactions), len(s.Items))
	}
	var held bool
	for _, f := range s.Failed {
		held = held || (f.ID == last && f.Code == domain.CodeOnHold)
	}
	if !held || len(s.Failed) != 10 {
		t.Errorf("failed %+v", s.Failed)
	}
	if st := statuses(t, s.Items); st[domain.StatusInTransit] != len(s.Items) {
		t.Errorf("committed items on the ledger: %v", st)
	}
}

// --dry-run submits nothing; decommission of 200 items with a note stores
// the note on every event.
func TestDryRunAndDecommission(t *testing.T) {
	integration(t)
	ids := items("00003", "D", 200)
	register(t, ids)
	c := cli(t)
	f := file(t, "d.csv", append([]string{"id"}, ids...))
	r := c.Run(t, mfr, "", "item", "decommission", "--file", f, "--reason", "destroyed", "--note", "incinerated, cert 88-12", "--dry-run", "-o", "json")
	s := decode(t, r)
	if r.Code != 0 || len(s.Planned) != len(ids) || len(s.Transactions) != 0 {
		t.Fatalf("dry run: %s", r)
	}
	if st := statuses(t, ids); st[domain.StatusActive] != len(ids) {
		t.Fatalf("dry run changed the ledger: %v", st)
	}
	r = c.Run(t, mfr, "", "item", "decommission", "--file", f, "--reason", "destroyed", "--note", "incinerated, cert 88-12", "-o", "json")
	t.Logf("decommission of %d items: %s (exit %d)", len(ids), r.Duration.Round(time.Millisecond), r.Code)
	s = decode(t, r)
	if r.Code != 0 || len(s.Items) != len(ids) {
		t.Fatalf("decommission: %s", r)
	}
	h, err := conn(t, mfr).History(ids[42]) // prov waited for the commit on this peer
	if err != nil || len(h) != 2 || h[1].Type != domain.EventDecommissioned || h[1].Details != "destroyed" || h[1].Note != "incinerated, cert 88-12" {
		t.Errorf("history %+v %v", h, err)
	}
	// report-stolen of a decommissioned item is refused locally, no transaction.
	r = c.Run(t, mfr, "", "item", "report-stolen", ids[0], ids[1], "--reference", "POL-1")
	if r.Code != 1 || !strings.Contains(r.Stdout, "INVALID_TRANSITION") || !strings.HasPrefix(r.Stdout, "Reported stolen 0 items") {
		t.Errorf("stolen after decommission:\n%s", r)
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }
