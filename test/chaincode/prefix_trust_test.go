package chaincodetest

import (
	"encoding/json"
	"testing"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"

	"github.com/provledger/provenance/chaincode/domain"
)

// prefixJSON reads a prefix record as the ledger serves it ("" when there is
// none: NOT_FOUND), to assert that a refusal changed nothing.
func prefixJSON(t *testing.T, p string) string {
	t.Helper()
	var raw json.RawMessage
	err := evaluate(cust, "user1", &raw, "GetPrefix", p)
	if domain.CodeOf(err) == domain.CodeNotFound {
		return ""
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

func getPrefix(t *testing.T, p string) domain.Prefix {
	t.Helper()
	var pr domain.Prefix
	if err := evaluate(dist, "user1", &pr, "GetPrefix", p); err != nil {
		t.Fatal(err)
	}
	return pr
}

// refusedUnchanged expects a refusal with code want that leaves the records
// of the given prefixes as they were.
func refusedUnchanged(t *testing.T, want domain.Code, prefixes []string, org, user, fn string, args ...string) {
	t.Helper()
	before := make([]string, len(prefixes))
	for i, p := range prefixes {
		before[i] = prefixJSON(t, p)
	}
	refusedCode(t, want, org, user, fn, args...)
	for i, p := range prefixes {
		if after := prefixJSON(t, p); after != before[i] {
			t.Fatalf("%s refused with %s but prefix %s changed:\n%s\n%s", fn, want, p, before[i], after)
		}
	}
}

func mustSubmit(t *testing.T, org, user, fn string, args ...string) {
	t.Helper()
	if _, err := submit(org, user, fn, args...); err != nil {
		t.Fatal(err)
	}
}

// TestPrefixReservedRanges: company prefixes GS1 never issues to a brand are
// refused at endorsement, and nothing is written.
func TestPrefixReservedRanges(t *testing.T) {
	integration(t)
	for _, p := range []string{"0000000", "0212345", "0412345", "2012345", "9771234", "9781234", "9801234", "9812345", "9912345", "9612345"} {
		refusedUnchanged(t, domain.CodeInvalidID, []string{p}, mfr, "admin", "ClaimPrefix", p, "GS1-RESERVED")
		if got := prefixJSON(t, p); got != "" {
			t.Fatalf("reserved prefix %s on the ledger: %s", p, got)
		}
	}
}

// TestPrefixSquatterReclaim: an organization whose claim the others rejected,
// or whose prefix they revoked, cannot claim it again (nor a prefix
// overlapping it) until a majority reopens it; revocation also revokes its
// longer prefixes inside the revoked one.
func TestPrefixSquatterReclaim(t *testing.T) {
	integration(t)
	// Rejected claim.
	r := "91" + runTag[1:]
	mustSubmit(t, mfr, "admin", "ClaimPrefix", r, "squat")
	mustSubmit(t, dist, "admin", "RejectPrefix", r)
	mustSubmit(t, cust, "admin", "RejectPrefix", r)
	if pr := getPrefix(t, r); pr.Status != domain.PrefixRejected || !pr.BarredFor(mfrMSP) {
		t.Fatalf("after rejection: %+v", pr)
	}
	refusedUnchanged(t, domain.CodePrefixBarred, []string{r}, mfr, "admin", "ClaimPrefix", r, "squat again")
	refusedUnchanged(t, domain.CodePrefixBarred, []string{r, r + "1"}, mfr, "admin", "ClaimPrefix", r+"1", "squat inside")

	// Revoked prefix, with a longer one of the same owner inside it.
	v := "90" + runTag[1:]
	for _, p := range []string{v, v + "1"} {
		mustSubmit(t, mfr, "admin", "ClaimPrefix", p, "GS1-"+p)
		mustSubmit(t, dist, "admin", "ApprovePrefix", p)
	}
	mustSubmit(t, dist, "admin", "RevokePrefix", v)
	mustSubmit(t, cust, "admin", "RevokePrefix", v)
	for _, p := range []string{v, v + "1"} {
		if pr := getPrefix(t, p); pr.Status != domain.PrefixRevoked || !pr.BarredFor(mfrMSP) || !pr.RevokedFrom(mfrMSP) {
			t.Fatalf("%s after revoking %s: %+v", p, v, pr)
		}
	}
	if pr := getPrefix(t, v+"1"); pr.RevokedWith != v {
		t.Fatalf("longer prefix not revoked with %s: %+v", v, pr)
	}
	refusedUnchanged(t, domain.CodePrefixBarred, []string{v, v + "1"}, mfr, "admin", "ClaimPrefix", v, "re-claim")
	refusedUnchanged(t, domain.CodePrefixBarred, []string{v, v + "2"}, mfr, "admin", "ClaimPrefix", v+"2", "re-claim inside")

	// A majority reopens it: the re-claim is a fresh PENDING claim that
	// keeps the revocation on record.
	mustSubmit(t, dist, "admin", "ReopenPrefix", v, mfrMSP)
	refusedUnchanged(t, domain.CodePrefixBarred, []string{v}, mfr, "admin", "ClaimPrefix", v, "re-claim")
	mustSubmit(t, cust, "admin", "ReopenPrefix", v, mfrMSP)
	mustSubmit(t, mfr, "admin", "ClaimPrefix", v, "re-claim")
	pr := getPrefix(t, v)
	if pr.Status != domain.PrefixPending || pr.ExpiresAt == "" || len(pr.History) != 1 || pr.History[0].Status != domain.PrefixRevoked || pr.BarredFor(mfrMSP) {
		t.Fatalf("re-claim after reopening: %+v", pr)
	}
	// Leave no pending claim behind (a reused network keeps them).
	mustSubmit(t, dist, "admin", "RejectPrefix", v)
	mustSubmit(t, cust, "admin", "RejectPrefix", v)
}

// TestPrefixOverlapPhantomGuard: two overlapping claims endorsed against the
// same state and committed one after the other: the later one's range read
// of the digit index (and of the pending-claims index) no longer returns
// what it did at endorsement, so Fabric invalidates it with
// PHANTOM_READ_CONFLICT; only one is written.
func TestPrefixOverlapPhantomGuard(t *testing.T) {
	integration(t)
	c, err := contract(mfr, "admin")
	if err != nil {
		t.Fatal(err)
	}
	w := "95" + runTag[1:]
	endorse := func(p string) *client.Transaction {
		t.Helper()
		prop, err := c.NewProposal("ClaimPrefix", client.WithArguments(p, "GS1-"+p))
		if err != nil {
			t.Fatal(err)
		}
		tx, err := prop.Endorse()
		if err != nil {
			t.Fatal(err)
		}
		return tx
	}
	status := func(tx *client.Transaction) *client.Status {
		t.Helper()
		commit, err := tx.Submit()
		if err != nil {
			t.Fatal(err)
		}
		st, err := commit.Status()
		if err != nil {
			t.Fatal(err)
		}
		if err := waitPeers(st.BlockNumber + 1); err != nil {
			t.Fatal(err)
		}
		return st
	}
	longer, shorter := endorse(w+"1"), endorse(w)
	first, second := status(longer), status(shorter)
	if first.Code != peer.TxValidationCode_VALID || second.Code != peer.TxValidationCode_PHANTOM_READ_CONFLICT {
		t.Fatalf("codes %s, %s; want VALID, PHANTOM_READ_CONFLICT", first.Code, second.Code)
	}
	if got := prefixJSON(t, w); got != "" {
		t.Fatalf("the invalidated claim was written: %s", got)
	}
	mustSubmit(t, dist, "admin", "RejectPrefix", w+"1")
	mustSubmit(t, cust, "admin", "RejectPrefix", w+"1")
}
