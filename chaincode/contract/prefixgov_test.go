package contract_test

import (
	"strings"
	"testing"
	"time"

	"github.com/provledger/provenance/chaincode/domain"
)

const ttl = domain.PrefixClaimTTLSeconds * time.Second

func (f *fixture) prefixRecord(p string) domain.Prefix {
	f.t.Helper()
	var got domain.Prefix
	f.decode(f.h.Evaluate(nil, "GetPrefix", p), &got)
	return got
}

func digitsKey(t *testing.T, p string) string {
	return compositeKey(t, "prefix~digits", strings.Split(p, "")...)
}

func pendingKey(t *testing.T, owner, p string) string {
	return compositeKey(t, "pending~prefix", owner, p)
}

func TestClaimPrefixReservedRanges(t *testing.T) {
	f := newFixture(t)
	f.initRoles(standardRoles)
	for p, want := range map[string]string{
		"0000000":      "GTIN-8",
		"000001234567": "GTIN-8",
		"0212345":      "restricted circulation numbers within a geographic region (GS1 Prefix 020-029)",
		"0412345":      "restricted circulation numbers within a company (GS1 Prefix 040-049)",
		"0512345":      "coupons (GS1 Prefix 050-059",
		"2512345":      "GS1 Prefix 200-299",
		"9612345":      "GTIN-8 allocations",
		"9771234":      "ISSN",
		"9781234":      "ISBN",
		"9801234":      "refund receipts",
		"9821234":      "coupons for common currency areas",
		"9912345":      "coupons (GS1 Prefix 99)",
	} {
		f.refused(domain.CodeInvalidID, "company prefix "+p+" lies in ", f.admin(mfr), "ClaimPrefix", p, "lic")
		f.refused(domain.CodeInvalidID, want, f.admin(mfr), "ClaimPrefix", p, "lic")
	}
	// Neighbours of the ranges are claimable.
	for _, p := range []string{"0001234", "0312345", "1912345", "9701234", "9851234"} {
		f.ok(f.h.Submit(f.admin(mfr), "ClaimPrefix", p, "lic"))
	}
}

func TestClaimIndexes(t *testing.T) {
	f := newFixture(t)
	f.initRoles(standardRoles)
	var p domain.Prefix
	at := f.h.Now
	f.decode(f.ok(f.h.Submit(f.admin(mfr), "ClaimPrefix", prefix, "lic")), &p)
	// Expires 30 days after the claim's timestamp.
	if p.ExpiresAt != at.Add(ttl).UTC().Format(time.RFC3339) {
		t.Fatalf("ExpiresAt = %q", p.ExpiresAt)
	}
	if string(f.h.Stub.State(digitsKey(t, prefix))) != "\x00" {
		t.Fatal("no digit index key for the claim")
	}
	if got := string(f.h.Stub.State(pendingKey(t, mfr, prefix))); got != p.ExpiresAt {
		t.Fatalf("pending index = %q", got)
	}
	f.ok(f.h.Submit(f.admin(dist), "ApprovePrefix", prefix))
	if f.h.Stub.State(pendingKey(t, mfr, prefix)) != nil {
		t.Fatal("an ACTIVE claim must leave the pending index")
	}
	if got := f.prefixRecord(prefix); got.ExpiresAt != "" || got.Status != domain.PrefixActive {
		t.Fatalf("active = %+v", got)
	}
	// The digit index finds longer prefixes inside a claim: the owner's
	// longer prefix blocks a rival's shorter claim around it.
	f.h.Stub.SetCommitted(digitsKey(t, "95060009"), []byte{0}) // index entry without a record: ignored
	f.ok(f.h.Submit(f.admin(mfr), "ClaimPrefix", "950600012", "lic"))
	f2 := newFixture(t)
	f2.initRoles(fourRoles)
	at2 := f2.h.Now
	f2.ok(f2.h.Submit(f2.admin(mfr), "ClaimPrefix", "950600012", "lic"))
	f2.refused(domain.CodePrefixTaken, "overlaps prefix 950600012, PENDING for "+mfr+" until "+at2.Add(ttl).UTC().Format(time.RFC3339), f2.admin(mfr2), "ClaimPrefix", "950600", "lic")
	f2.refused(domain.CodePrefixTaken, "overlaps prefix 950600012", f2.admin(mfr2), "ClaimPrefix", "95060001", "lic")
	f2.ok(f2.h.Submit(f2.admin(mfr2), "ClaimPrefix", "95060002", "lic"))
}

func TestRejectedClaimantBarred(t *testing.T) {
	f := newFixture(t)
	f.initRoles(fourRoles) // majority: 3 of 4
	f.ok(f.h.Submit(f.admin(mfr2), "ClaimPrefix", prefix, "stolen-brand"))
	for _, v := range []string{mfr, dist, cust} {
		f.ok(f.h.Submit(f.admin(v), "RejectPrefix", prefix))
	}
	p := f.prefixRecord(prefix)
	if p.Status != domain.PrefixRejected || !equalJSON(t, p.Barred, []string{mfr2}) || p.ExpiresAt != "" {
		t.Fatalf("rejected = %+v", p)
	}
	if f.h.Stub.State(pendingKey(t, mfr2, prefix)) != nil {
		t.Fatal("a REJECTED claim must leave the pending index")
	}
	// The squatter may claim neither the prefix nor one overlapping it.
	f.refused(domain.CodePrefixBarred, "prefix "+prefix+" was REJECTED for "+mfr2, f.admin(mfr2), "ClaimPrefix", prefix, "again")
	f.refused(domain.CodePrefixBarred, "overlaps prefix "+prefix+", REJECTED for "+mfr2, f.admin(mfr2), "ClaimPrefix", prefix+"1", "again")
	f.refused(domain.CodePrefixBarred, "overlaps prefix "+prefix+", REJECTED for "+mfr2, f.admin(mfr2), "ClaimPrefix", prefix[:6], "again")
	// Even after the rightful owner's claim took the record's place.
	f.ok(f.h.Submit(f.admin(mfr), "ClaimPrefix", prefix, "GS1-real"))
	p = f.prefixRecord(prefix)
	if p.Owner != mfr || p.Status != domain.PrefixPending || len(p.History) != 1 || p.History[0].Owner != mfr2 ||
		p.History[0].Status != domain.PrefixRejected || !equalJSON(t, p.History[0].Rejections, []string{cust, dist, mfr}) || !equalJSON(t, p.Barred, []string{mfr2}) {
		t.Fatalf("after the rightful claim = %+v", p)
	}
	f.refused(domain.CodePrefixBarred, "REJECTED for "+mfr2, f.admin(mfr2), "ClaimPrefix", prefix, "again")

	// Reopening takes a majority of admins, one vote each.
	f.refused(domain.CodeNotAdmin, "admin", f.user(dist), "ReopenPrefix", prefix, mfr2)
	f.refused(domain.CodeInvalidTransition, mfr+" is not barred from prefix "+prefix, f.admin(dist), "ReopenPrefix", prefix, mfr)
	f.refused(domain.CodeNotFound, "9512999", f.admin(dist), "ReopenPrefix", "9512999", mfr2)
	f.refused(domain.CodeInvalidArgument, "msp", f.admin(dist), "ReopenPrefix", prefix, "")
	f.refused(domain.CodeInvalidID, "company prefix", f.admin(dist), "ReopenPrefix", "95x", mfr2)
	f.ok(f.h.Submit(f.admin(dist), "ReopenPrefix", prefix, mfr2))
	f.refused(domain.CodeAlreadyVoted, dist+" already voted to reopen prefix "+prefix+" for "+mfr2, f.admin(dist), "ReopenPrefix", prefix, mfr2)
	f.ok(f.h.Submit(f.admin(mfr2), "ReopenPrefix", prefix, mfr2))
	p = f.prefixRecord(prefix)
	if !equalJSON(t, p.Reopens, []domain.PrefixReopen{{MSP: mfr2, Votes: []string{dist, mfr2}}}) || !p.BarredFor(mfr2) {
		t.Fatalf("two of four reopen votes = %+v", p)
	}
	f.refused(domain.CodePrefixBarred, "ReopenPrefix "+prefix+" "+mfr2, f.admin(mfr2), "ClaimPrefix", prefix+"1", "again")
	f.ok(f.h.Submit(f.admin(cust), "ReopenPrefix", prefix, mfr2))
	p = f.prefixRecord(prefix)
	if len(p.Barred) != 0 || len(p.Reopens) != 0 || p.Owner != mfr || p.Status != domain.PrefixPending {
		t.Fatalf("reopened = %+v", p)
	}
	// Unbarred, it meets the ordinary rules: the prefix is pending for mfr.
	f.refused(domain.CodePrefixTaken, "PENDING for "+mfr, f.admin(mfr2), "ClaimPrefix", prefix, "again")
}

func TestRevocationBarsAndCoversLongerPrefixes(t *testing.T) {
	f := newFixture(t)
	f.initRoles(fourRoles)
	f.activatePrefix(mfr, prefix, dist, cust)
	f.activatePrefix(mfr, prefix+"1", dist, cust)                    // longer, ACTIVE
	f.ok(f.h.Submit(f.admin(mfr), "ClaimPrefix", prefix+"2", "lic")) // longer, PENDING
	f.activatePrefix(mfr2, rival, dist, cust)                        // another org's, untouched
	g := gtin(t, prefix, "10001")                                    // under 95060001
	f.register(itemID(g, "A"))
	f.ok(f.h.Submit(f.admin(mfr), "ClaimPrefix", prefix+"4", "lic")) // longer, rejected on its own
	for _, v := range []string{cust, dist, mfr2} {
		f.ok(f.h.Submit(f.admin(v), "RejectPrefix", prefix+"4"))
	}

	for _, v := range []string{cust, dist} {
		f.ok(f.h.Submit(f.admin(v), "RevokePrefix", prefix))
	}
	before := f.snapshot()
	var p domain.Prefix
	f.decode(f.ok(f.h.Submit(f.admin(mfr2), "RevokePrefix", prefix)), &p)
	if p.Status != domain.PrefixRevoked || !equalJSON(t, p.Barred, []string{mfr}) {
		t.Fatalf("revoked = %+v", p)
	}
	if f.snapshot() == before {
		t.Fatal("nothing written")
	}
	for _, q := range []string{prefix + "1", prefix + "2"} {
		r := f.prefixRecord(q)
		if r.Status != domain.PrefixRevoked || r.RevokedWith != prefix || !equalJSON(t, r.Revocations, []string{cust, dist, mfr2}) ||
			!equalJSON(t, r.Barred, []string{mfr}) || r.ExpiresAt != "" || !r.RevokedFrom(mfr) {
			t.Fatalf("%s after revoking %s = %+v", q, prefix, r)
		}
	}
	if f.h.Stub.State(pendingKey(t, mfr, prefix+"2")) != nil {
		t.Fatal("the revoked pending claim must leave the pending index")
	}
	if r := f.prefixRecord(rival); r.Status != domain.PrefixActive {
		t.Fatalf("another org's prefix = %+v", r)
	}
	// No registration under the longer prefix any more; the item stays.
	f.refused(domain.CodePrefixNotActive, g, f.user(mfr), "RegisterItems", mustJSON(t, []domain.ItemInput{{ID: itemID(g, "B")}}))
	if it := f.item(itemID(g, "A")); it.Status != domain.StatusActive {
		t.Fatalf("item = %+v", it)
	}
	// The revoked owner may not re-claim it, nor any prefix overlapping it.
	f.refused(domain.CodePrefixBarred, "prefix "+prefix+" was REVOKED for "+mfr, f.admin(mfr), "ClaimPrefix", prefix, "again")
	f.refused(domain.CodePrefixBarred, "was REVOKED for "+mfr, f.admin(mfr), "ClaimPrefix", prefix+"1", "again")
	f.refused(domain.CodePrefixBarred, "overlaps prefix", f.admin(mfr), "ClaimPrefix", prefix+"3", "again")
	f.refused(domain.CodePrefixBarred, "overlaps prefix", f.admin(mfr), "ClaimPrefix", prefix[:6], "again")
	// Another org may claim it; the revocation stays on record with its owner.
	f.decode(f.ok(f.h.Submit(f.admin(mfr2), "ClaimPrefix", prefix, "GS1-new")), &p)
	if p.Owner != mfr2 || len(p.History) != 1 || p.History[0].Owner != mfr || p.History[0].Status != domain.PrefixRevoked || !p.RevokedFrom(mfr) || p.RevokedFrom(mfr2) {
		t.Fatalf("new claim over a revoked prefix = %+v", p)
	}

	// Reopening the revoked prefix for mfr lifts its bars on the longer
	// prefixes revoked with it, not on the one rejected on its own.
	for _, v := range []string{cust, dist, mfr2} {
		f.ok(f.h.Submit(f.admin(v), "ReopenPrefix", prefix, mfr))
	}
	for _, q := range []string{prefix, prefix + "1", prefix + "2"} {
		if r := f.prefixRecord(q); r.BarredFor(mfr) || len(r.Reopens) != 0 {
			t.Fatalf("%s after reopening %s = %+v", q, prefix, r)
		}
	}
	if r := f.prefixRecord(prefix + "4"); !r.BarredFor(mfr) || r.Status != domain.PrefixRejected {
		t.Fatalf("%s after reopening %s = %+v", prefix+"4", prefix, r)
	}
	f.refused(domain.CodePrefixBarred, "overlaps prefix "+prefix+"4, REJECTED for "+mfr, f.admin(mfr), "ClaimPrefix", prefix, "again")
	for _, v := range []string{cust, dist, mfr2} {
		f.ok(f.h.Submit(f.admin(v), "ReopenPrefix", prefix+"4", mfr))
	}
	// Unbarred, the ordinary rules apply: mfr2's pending claim blocks the
	// prefix and the longer ones inside it.
	f.refused(domain.CodePrefixTaken, "PENDING for "+mfr2, f.admin(mfr), "ClaimPrefix", prefix, "again")
	f.refused(domain.CodePrefixTaken, "overlaps prefix "+prefix+", PENDING for "+mfr2, f.admin(mfr), "ClaimPrefix", prefix+"1", "again")
}

func TestPendingClaimExpiry(t *testing.T) {
	f := newFixture(t)
	f.initRoles(fourRoles)
	at := f.h.Now
	f.ok(f.h.Submit(f.admin(mfr2), "ClaimPrefix", prefix, "squat"))
	f.ok(f.h.Submit(f.admin(cust), "RejectPrefix", prefix))
	exp := at.Add(ttl).UTC().Format(time.RFC3339)
	f.refused(domain.CodePrefixTaken, "PENDING for "+mfr2+" until "+exp, f.admin(mfr), "ClaimPrefix", prefix, "lic")
	f.refused(domain.CodePrefixTaken, "overlaps prefix "+prefix, f.admin(mfr), "ClaimPrefix", prefix+"5", "lic")

	f.h.Now = at.Add(ttl - time.Nanosecond) // a nanosecond before: still pending
	f.refused(domain.CodePrefixTaken, "PENDING for "+mfr2, f.admin(mfr), "ClaimPrefix", prefix, "lic")
	f.h.Now = at.Add(ttl) // the second the claim expires
	f.refused(domain.CodeInvalidTransition, "the claim by "+mfr2+" expired at "+exp, f.admin(dist), "ApprovePrefix", prefix)
	f.refused(domain.CodeInvalidTransition, "expired", f.admin(dist), "RejectPrefix", prefix)
	// Expired, it no longer blocks: a longer prefix inside it, then the
	// prefix itself by another org (the expired claim is dropped: it decided nothing).
	f.ok(f.h.Submit(f.admin(mfr), "ClaimPrefix", prefix+"5", "lic"))
	var p domain.Prefix
	at = f.h.Now
	f.decode(f.ok(f.h.Submit(f.admin(mfr), "ClaimPrefix", prefix, "lic")), &p)
	if p.Owner != mfr || p.Status != domain.PrefixPending || len(p.History) != 0 || len(p.Rejections) != 0 || p.ExpiresAt != at.Add(ttl).Format(time.RFC3339) {
		t.Fatalf("claim over an expired one = %+v", p)
	}
	if f.h.Stub.State(pendingKey(t, mfr2, prefix)) != nil {
		t.Fatal("the expired claim's pending index entry must go")
	}
	// The expired claimant may claim again once a claim of its own expired.
	f.ok(f.h.Submit(f.admin(mfr2), "ClaimPrefix", rival, "lic"))
	f.h.Now = f.h.Now.Add(ttl)
	f.decode(f.ok(f.h.Submit(f.admin(mfr2), "ClaimPrefix", rival, "lic again")), &p)
	if p.Licence != "lic again" || p.Status != domain.PrefixPending {
		t.Fatalf("own re-claim after expiry = %+v", p)
	}
}

func TestPendingClaimBound(t *testing.T) {
	f := newFixture(t)
	f.initRoles(fourRoles)
	claims := []string{"9500001", "9500002", "9500003", "9500004", "9500005"}
	for _, c := range claims[:domain.MaxPendingClaims] {
		f.ok(f.h.Submit(f.admin(mfr), "ClaimPrefix", c, "lic"))
	}
	f.refused(domain.CodeTooManyPending, mfr+" already has 5 pending prefix claims, at most 5", f.admin(mfr), "ClaimPrefix", "9500006", "lic")
	// Another org is not limited by mfr's claims.
	f.ok(f.h.Submit(f.admin(mfr2), "ClaimPrefix", "9500007", "lic"))
	// A decided claim frees a place.
	f.ok(f.h.Submit(f.admin(dist), "ApprovePrefix", claims[0]))
	f.ok(f.h.Submit(f.admin(cust), "ApprovePrefix", claims[0]))
	f.ok(f.h.Submit(f.admin(mfr), "ClaimPrefix", "9500006", "lic"))
	f.refused(domain.CodeTooManyPending, "", f.admin(mfr), "ClaimPrefix", "9500008", "lic")
	// Expired claims free theirs, and the next claim removes their index entries.
	f.h.Now = f.h.Now.Add(ttl)
	f.ok(f.h.Submit(f.admin(mfr), "ClaimPrefix", "9500008", "lic"))
	for _, c := range append(claims[1:], "9500006") {
		if f.h.Stub.State(pendingKey(t, mfr, c)) != nil {
			t.Fatalf("expired claim %s still in the pending index", c)
		}
	}
	if f.h.Stub.State(pendingKey(t, mfr, "9500008")) == nil || f.h.Stub.State(pendingKey(t, mfr2, "9500007")) == nil {
		t.Fatal("live pending claims must stay indexed")
	}
}
