package roleviews

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/test/harness"
)

func sameSet(got, want []string) bool {
	g, w := slices.Clone(got), slices.Clone(want)
	slices.Sort(g)
	slices.Sort(w)
	return slices.Equal(g, w)
}

// TestRoleViews: the distributor lists what is offered to it, customs what
// it holds, anyone what is recalled; the lists follow the custody changes
// and --count agrees with --all.
func TestRoleViews(t *testing.T) {
	integration(t)
	c := cli(t)
	g := gtin("00101")
	ids := registerLot(t, g, "LV"+runTag, 6)
	offered, held := ids[:3], ids[3:5]

	c.OK(t, mfr, "", append([]string{"transfer", "offer", "--to", "distributor"}, offered...)...)
	if got := ours(listIDs(t, dist, "--offered-to", "me"), g); !sameSet(got, offered) {
		t.Fatalf("offered to the distributor: %v, want %v", got, offered)
	}
	all := listIDs(t, dist, "--offered-to", "me")
	if n := count(t, dist, "--offered-to", "DistributorMSP"); n != len(all) {
		t.Errorf("--count %d, --all lists %d", n, len(all))
	}
	if got := ours(listIDs(t, cus, "--offered-to", "me"), g); len(got) != 0 {
		t.Errorf("offered to customs: %v", got)
	}
	// A page of one, followed by hand: every page's bookmark leads on.
	r := c.OK(t, dist, "", "item", "list", "--offered-to", "me", "--limit", "1")
	if !strings.Contains(r.Stderr, "more items: --bookmark ") {
		t.Errorf("a one-item page of %d offered items gives no bookmark: %s", len(all), r)
	}

	c.OK(t, dist, "", "transfer", "accept", offered[0])
	if got := ours(listIDs(t, dist, "--offered-to", "me"), g); !sameSet(got, offered[1:]) {
		t.Errorf("offered after one accept: %v", got)
	}

	c.OK(t, cus, "", append([]string{"customs", "hold", "--reason", "papers " + runTag}, held...)...)
	if got := ours(listIDs(t, cus, "--held=me"), g); !sameSet(got, held) {
		t.Fatalf("held by customs: %v, want %v", got, held)
	}
	if got := ours(listIDs(t, mfr, "--held"), g); !sameSet(got, held) {
		t.Errorf("held by anyone, as the manufacturer sees it: %v", got)
	}
	c.OK(t, cus, "", "customs", "release", held[0])
	if got := ours(listIDs(t, cus, "--held=me"), g); !sameSet(got, held[1:]) {
		t.Errorf("held after a release: %v", got)
	}

	// A mistyped org lists the ones there are.
	r = c.Run(t, harness.PeerOrg{Profile: "distributer"}, "", "item", "list", "--offered-to", "me")
	if r.Code == 0 || !strings.Contains(r.Stderr, "organizations with one:") || !strings.Contains(r.Stderr, "distributor") {
		t.Errorf("-p distributer: %s", r)
	}
	// A mistyped subcommand below the top level gets a suggestion.
	r = c.Run(t, dist, "", "item", "lsit")
	if r.Code != 2 || !strings.Contains(r.Stderr, "Did you mean this?\n\tlist") {
		t.Errorf("item lsit: %s", r)
	}
}

// TestRecallCountsAndEvents: a lot recall says how many registered items it
// covers (an unknown lot is refused unless --force), prov recall list shows
// it with its count, item list --recalled lists its items once each, and
// its event keeps its scope, time and org in events watch (issue 16 bug).
func TestRecallCountsAndEvents(t *testing.T) {
	integration(t)
	c := cli(t)
	g := gtin("00102")
	lot := "LR" + runTag
	ids := registerLot(t, g, lot, 5)

	r := c.Run(t, mfr, "admin", "item", "recall", "--gtin", g, "--lot", "NOPE"+runTag, "--reason", "typo")
	if r.Code != 1 || r.RefusalCode() != domain.CodeNotFound || !strings.Contains(r.Stderr, "--force") {
		t.Fatalf("recall of an unknown lot: %s", r)
	}
	var rc struct {
		TxID   string `json:"txId"`
		Block  uint64 `json:"block"`
		Covers int    `json:"covers"`
	}
	c.JSON(t, &rc, mfr, "admin", "item", "recall", "--gtin", g, "--lot", lot, "--reason", "contamination "+runTag)
	if rc.Covers != 5 || rc.Block == 0 {
		t.Fatalf("lot recall: %+v, want covers 5", rc)
	}
	r = c.OK(t, mfr, "admin", "item", "recall", "--gtin", g, "--lot", "FORCED"+runTag, "--reason", "ahead of registration", "--force")
	if !strings.Contains(r.Stdout, "covers 0 registered items") {
		t.Errorf("forced recall: %s", r)
	}

	var recalls struct {
		Recalls []struct {
			Target string        `json:"target"`
			Recall domain.Recall `json:"recall"`
			Items  *int          `json:"items"`
		} `json:"recalls"`
	}
	c.JSON(t, &recalls, dist, "", "recall", "list", "--all", "--count")
	found := 0
	for _, e := range recalls.Recalls {
		switch e.Target {
		case "01/" + g + "/10/" + lot:
			found++
			if e.Items == nil || *e.Items != 5 || e.Recall.Scope != domain.RecallScopeLot || e.Recall.By != mfr.MSP {
				t.Errorf("recall list entry %+v", e)
			}
		case "01/" + g + "/10/NOPE" + runTag:
			t.Errorf("the refused recall is listed: %+v", e)
		}
	}
	if found != 1 {
		t.Errorf("lot recall listed %d times in %d recalls", found, len(recalls.Recalls))
	}
	if got := ours(listIDs(t, cus, "--recalled"), g); !sameSet(got, ids) {
		t.Errorf("recalled items: %v, want %v", got, ids)
	}

	// The event, from the recall's block on, filtered to this GTIN.
	r = c.OK(t, cus, "", "events", "watch", "--from-block", itoa(rc.Block), "--gtin", g, "--type", "RECALLED", "--limit", "1", "-o", "json")
	var line struct { // prov events watch -o json
		Block uint64           `json:"block"`
		TxID  string           `json:"txId"`
		Time  string           `json:"time"`
		Org   string           `json:"org"`
		Type  domain.EventType `json:"type"`
		Items []string         `json:"items"`
		Scope string           `json:"scope"`
	}
	if err := json.Unmarshal([]byte(strings.TrimSpace(r.Stdout)), &line); err != nil {
		t.Fatalf("events watch line: %v: %s", err, r)
	}
	if line.Scope != "01/"+g+"/10/"+lot || line.Org != mfr.MSP || line.Time == "" || line.TxID != rc.TxID || line.Block != rc.Block || len(line.Items) != 0 {
		t.Errorf("lot recall event line %+v (recall tx %s block %d)", line, rc.TxID, rc.Block)
	}
	r = c.OK(t, cus, "", "events", "watch", "--from-block", itoa(rc.Block), "--gtin", g, "--limit", "1")
	if !strings.Contains(r.Stdout, "RECALLED  scope 01/"+g+"/10/"+lot) || !strings.Contains(r.Stdout, mfr.MSP) {
		t.Errorf("events watch text: %s", r)
	}
}

// TestShowLastEventTime (issue 16 bug): a hold writes no item key; item show
// gives the hold's own time for the last event, not the registration's.
func TestShowLastEventTime(t *testing.T) {
	integration(t)
	c := cli(t)
	id := registerLot(t, gtin("00103"), "LS"+runTag, 1)[0]
	c.OK(t, cus, "", "customs", "hold", id, "--reason", "papers")
	var it domain.Item
	c.JSON(t, &it, dist, "", "item", "show", id)
	var h struct{ Events []domain.CustodyEvent }
	c.JSON(t, &h, dist, "", "item", "history", id)
	hist := h.Events
	if len(hist) != 2 || it.Seq != 2 || it.LastEventAt != hist[1].Timestamp || it.UpdatedAt != hist[0].Timestamp {
		t.Fatalf("item %+v, history %+v", it, hist)
	}
	r := c.OK(t, dist, "", "item", "show", id)
	if !strings.Contains(r.Stdout, "Last event:   #2 at "+hist[1].Timestamp) {
		t.Errorf("item show:\n%s", r.Stdout)
	}
}
