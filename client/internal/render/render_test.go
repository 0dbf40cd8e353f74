package render

import (
	"bytes"
	"strings"
	"testing"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/gateway"
)

func TestFormatExpiry(t *testing.T) {
	for in, want := range map[string]string{"261231": "2026-12-31", "270200": "2027-02-00", "991231": "1999-12-31", "": "", "26123": "26123", "ab1231": "ab1231"} {
		if got := FormatExpiry(in); got != want {
			t.Errorf("FormatExpiry(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestItem(t *testing.T) {
	it := &domain.Item{ID: "01/09506000134352/21/A", GTIN: "09506000134352", Serial: "A", Lot: "L1", Expiry: "261231",
		Manufacturer: "ManufacturerMSP", Owner: "DistributorMSP", Status: domain.StatusActive, Seq: 3, UpdatedTx: "tx3", UpdatedAt: "2026-11-24T23:00:00Z",
		Hold: &domain.Hold{By: "CustomsMSP", Reason: "papers", At: "2026-11-24T23:01:00Z"}}
	var b bytes.Buffer
	if err := Item(&b, it); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"ID:           01/09506000134352/21/A\n", "Expiry:       2026-12-31\n", "Status:       ACTIVE, ON HOLD\n",
		"Hold:         by CustomsMSP since 2026-11-24T23:01:00Z: papers\n", "Last event:   #3 (record updated at 2026-11-24T23:00:00Z)\n"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("missing %q in\n%s", want, b.String())
		}
	}
	if strings.Contains(b.String(), "Recall:") || strings.Contains(b.String(), "Offered to:") {
		t.Errorf("empty fields printed:\n%s", b.String())
	}
	// Issue 16 bug: the hold (#3) wrote no item key; the last event's time is
	// its own, not the record's (registration's) time.
	it.LastEventAt = "2026-11-24T23:01:00Z"
	b.Reset()
	if err := Item(&b, it); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "Last event:   #3 at 2026-11-24T23:01:00Z\n") {
		t.Errorf("last event not at its own time:\n%s", b.String())
	}
}

func TestPrefix(t *testing.T) {
	var b bytes.Buffer
	p := &domain.Prefix{Prefix: "9506000", Status: domain.PrefixPending, Owner: "M", Approvals: []string{"M"}, ExpiresAt: "2026-01-31T00:00:00Z",
		Barred: []string{"R"}, Reopens: []domain.PrefixReopen{{MSP: "R", Votes: []string{"C", "D"}}},
		History: []domain.PrefixClaim{{Owner: "R", Status: domain.PrefixRevoked, UpdatedAt: "t1", ClaimTx: "x1", RevokedWith: "950600"}}}
	if err := Prefix(&b, p); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Expires:      2026-01-31T00:00:00Z\n", "Barred:       R\n", "Reopen votes: R by C, D\n",
		"Earlier:      REVOKED for R at t1 (claim tx x1) with 950600\n"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("missing %q in\n%s", want, b.String())
		}
	}
	if strings.Contains(b.String(), "Revoked with:") {
		t.Errorf("empty field printed:\n%s", b.String())
	}
}

func TestTables(t *testing.T) {
	var b bytes.Buffer
	Items(&b, []domain.Item{{ID: "01/1/21/A", Status: domain.StatusInTransit, Owner: "MMSP", UpdatedAt: "t"}})
	if b.String() != "ID         STATUS      OWNER  LOT  EXPIRY  UPDATED\n01/1/21/A  IN_TRANSIT  MMSP   -    -       t\n" {
		t.Errorf("items:\n%s", b.String())
	}
	b.Reset()
	History(&b, []domain.CustodyEvent{{Seq: 1, Type: domain.EventOffered, From: "M", To: "D", SubmitterMSP: "M", Timestamp: "t", TxID: "x"}})
	if b.String() != "SEQ  EVENT    FROM  TO  BY  TIME  TRANSACTION  DETAILS\n1    OFFERED  M     D   M   t     x            -\n" {
		t.Errorf("history:\n%s", b.String())
	}
	b.Reset()
	Prefixes(&b, []domain.Prefix{{Prefix: "9506000", Status: domain.PrefixActive, Owner: "M", Licence: "L", Approvals: []string{"A", "B"}, UpdatedAt: "t"}})
	if b.String() != "PREFIX   STATUS  OWNER  LICENCE  APPROVALS  EXPIRES  UPDATED\n9506000  ACTIVE  M      L        A,B        -        t\n" {
		t.Errorf("prefixes:\n%s", b.String())
	}
	b.Reset()
	Changed(&b, "Offered", &gateway.Result{TxID: "t", Block: 4}, []string{"a", "b"})
	if b.String() != "Offered 2 items (transaction t, block 4)\n  a\n  b\n" {
		t.Errorf("changed %q", b.String())
	}
}
