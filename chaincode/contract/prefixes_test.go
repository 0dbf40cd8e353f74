package contract_test

import (
	"strings"
	"testing"

	"github.com/provledger/provenance/chaincode/domain"
)

func TestClaimAndApprovePrefix(t *testing.T) {
	f := newFixture(t)
	f.initRoles(standardRoles)

	var p domain.Prefix
	f.decode(f.ok(f.h.Submit(f.admin(mfr), "ClaimPrefix", prefix, "GS1-123")), &p)
	if p.Status != domain.PrefixPending || p.Owner != mfr || !equalJSON(t, p.Approvals, []string{mfr}) || p.Licence != "GS1-123" || p.ClaimTx == "" {
		t.Fatalf("claim = %+v", p)
	}
	// Registering under a pending prefix is refused.
	g := gtin(t, prefix, "00001")
	f.refused(domain.CodePrefixNotActive, "no active company prefix", f.user(mfr), "RegisterItems", mustJSON(t, []domain.ItemInput{{ID: itemID(g, "A")}}))

	f.refused(domain.CodeAlreadyVoted, mfr, f.admin(mfr), "ApprovePrefix", prefix)
	f.refused(domain.CodeAlreadyVoted, mfr, f.admin(mfr), "RejectPrefix", prefix)
	f.refused(domain.CodeNotAdmin, "admin", f.user(dist), "ApprovePrefix", prefix)
	f.refused(domain.CodeNotFound, "9999999", f.admin(dist), "ApprovePrefix", "9999999")
	f.refused(domain.CodeInvalidID, "company prefix", f.admin(dist), "ApprovePrefix", "12a")
	f.refused(domain.CodeInvalidTransition, "RevokePrefix needs ACTIVE", f.admin(dist), "RevokePrefix", prefix)

	// 2 of 3 role orgs: active.
	f.decode(f.ok(f.h.Submit(f.admin(dist), "ApprovePrefix", prefix)), &p)
	if p.Status != domain.PrefixActive || !equalJSON(t, p.Approvals, []string{dist, mfr}) {
		t.Fatalf("after approval = %+v", p)
	}
	f.refused(domain.CodeInvalidTransition, "ApprovePrefix needs PENDING", f.admin(cust), "ApprovePrefix", prefix)
	f.refused(domain.CodeInvalidTransition, "RejectPrefix needs PENDING", f.admin(cust), "RejectPrefix", prefix)
	if vp := f.h.Stub.ValidationParameter(compositeKey(t, "prefix", prefix)); vp != nil {
		t.Fatal("prefix keys must not carry a key-level policy: a majority governs them")
	}
	// Now registration works.
	f.register(itemID(g, "A"))
}

func TestClaimPrefixRefusals(t *testing.T) {
	f := newFixture(t)
	f.initRoles(fourRoles)
	f.refused(domain.CodeWrongRole, "manufacturer", f.admin(dist), "ClaimPrefix", prefix, "lic")
	f.refused(domain.CodeNotAdmin, "admin", f.user(mfr), "ClaimPrefix", prefix, "lic")
	f.refused(domain.CodeInvalidID, "company prefix", f.admin(mfr), "ClaimPrefix", "12345", "lic")
	f.refused(domain.CodeInvalidID, "non-digit", f.admin(mfr), "ClaimPrefix", "95060A0", "lic")
	f.refused(domain.CodeInvalidArgument, "licence", f.admin(mfr), "ClaimPrefix", prefix, " ")
	f.refused(domain.CodeInvalidArgument, "licence", f.admin(mfr), "ClaimPrefix", prefix, strings.Repeat("x", domain.MaxLicenceLen+1))
	f.refused(domain.CodeInvalidArgument, "control", f.admin(mfr), "ClaimPrefix", prefix, "a\nb")

	f.ok(f.h.Submit(f.admin(mfr), "ClaimPrefix", prefix, "lic"))
	f.refused(domain.CodeAlreadyExists, prefix, f.admin(mfr), "ClaimPrefix", prefix, "lic")
	// The rival cannot claim it, nor a prefix overlapping it either way.
	f.refused(domain.CodePrefixTaken, "PENDING for "+mfr, f.admin(mfr2), "ClaimPrefix", prefix, "lic")
	f.refused(domain.CodePrefixTaken, "overlaps prefix "+prefix, f.admin(mfr2), "ClaimPrefix", prefix+"12", "lic")
	f.refused(domain.CodePrefixTaken, "overlaps prefix "+prefix, f.admin(mfr2), "ClaimPrefix", prefix[:6], "lic")
	// The owner may hold a longer prefix inside its own.
	f.ok(f.h.Submit(f.admin(mfr), "ClaimPrefix", prefix+"1", "lic"))
	// A non-overlapping claim by the rival is fine.
	f.ok(f.h.Submit(f.admin(mfr2), "ClaimPrefix", rival, "lic"))
}

func TestRejectAndReclaimPrefix(t *testing.T) {
	f := newFixture(t)
	f.initRoles(fourRoles) // majority: 3 of 4
	f.ok(f.h.Submit(f.admin(mfr2), "ClaimPrefix", prefix, "stolen-brand"))
	var p domain.Prefix
	f.decode(f.ok(f.h.Submit(f.admin(mfr), "RejectPrefix", prefix)), &p)
	if p.Status != domain.PrefixPending || !equalJSON(t, p.Rejections, []string{mfr}) {
		t.Fatalf("after one rejection: %+v", p)
	}
	f.refused(domain.CodeAlreadyVoted, mfr, f.admin(mfr), "ApprovePrefix", prefix)
	f.ok(f.h.Submit(f.admin(dist), "RejectPrefix", prefix))
	f.decode(f.ok(f.h.Submit(f.admin(cust), "RejectPrefix", prefix)), &p)
	if p.Status != domain.PrefixRejected || !equalJSON(t, p.Rejections, []string{cust, dist, mfr}) {
		t.Fatalf("after three rejections: %+v", p)
	}
	f.refused(domain.CodeInvalidTransition, "REJECTED", f.admin(dist), "ApprovePrefix", prefix)
	// A rejected claim leaves the prefix free for its rightful owner.
	p = domain.Prefix{}
	f.decode(f.ok(f.h.Submit(f.admin(mfr), "ClaimPrefix", prefix, "GS1-real")), &p)
	if p.Status != domain.PrefixPending || p.Owner != mfr || len(p.Rejections) != 0 {
		t.Fatalf("re-claim = %+v", p)
	}
}

func TestRevokePrefix(t *testing.T) {
	f := ready(t)
	g := gtin(t, prefix, "00001")
	f.register(itemID(g, "A"))
	f.refused(domain.CodeNotAdmin, "admin", f.user(cust), "RevokePrefix", prefix)
	var p domain.Prefix
	f.decode(f.ok(f.h.Submit(f.admin(cust), "RevokePrefix", prefix)), &p)
	if p.Status != domain.PrefixActive || !equalJSON(t, p.Revocations, []string{cust}) {
		t.Fatalf("after one revocation: %+v", p)
	}
	f.refused(domain.CodeAlreadyVoted, cust, f.admin(cust), "RevokePrefix", prefix)
	f.decode(f.ok(f.h.Submit(f.admin(dist), "RevokePrefix", prefix)), &p)
	if p.Status != domain.PrefixRevoked {
		t.Fatalf("after two revocations: %+v", p)
	}
	f.refused(domain.CodePrefixNotActive, g, f.user(mfr), "RegisterItems", mustJSON(t, []domain.ItemInput{{ID: itemID(g, "B")}}))
	// Registered items stay; recalls need an active prefix.
	if it := f.item(itemID(g, "A")); it.Status != domain.StatusActive {
		t.Fatalf("item after revocation: %+v", it)
	}
	f.refused(domain.CodePrefixNotActive, g, f.user(mfr), "RecallItem", itemID(g, "A"), "bad batch")
}

func TestGetAndListPrefixes(t *testing.T) {
	f := newFixture(t)
	f.initRoles(fourRoles)
	for _, p := range []string{"950600", "9512345", "9520000", "9530000"} {
		owner := mfr
		if p == "9512345" {
			owner = mfr2
		}
		f.ok(f.h.Submit(f.admin(owner), "ClaimPrefix", p, "lic-"+p))
	}
	f.ok(f.h.Submit(f.admin(dist), "ApprovePrefix", "950600"))
	f.ok(f.h.Submit(f.admin(cust), "ApprovePrefix", "950600"))

	var p domain.Prefix
	f.decode(f.h.Evaluate(nil, "GetPrefix", "950600"), &p)
	if p.Status != domain.PrefixActive || len(p.Approvals) != 3 {
		t.Fatalf("GetPrefix = %+v", p)
	}
	if err := f.h.Evaluate(nil, "GetPrefix", "9999999").Err(); domain.CodeOf(err) != domain.CodeNotFound {
		t.Fatalf("GetPrefix unknown: %v", err)
	}
	if err := f.h.Evaluate(nil, "GetPrefix", "x").Err(); domain.CodeOf(err) != domain.CodeInvalidID {
		t.Fatalf("GetPrefix bad: %v", err)
	}

	var page domain.PrefixPage
	var all []string
	bookmark := ""
	for i := 0; ; i++ {
		f.decode(f.h.Evaluate(nil, "ListPrefixes", "", "3", bookmark), &page)
		for _, p := range page.Prefixes {
			all = append(all, p.Prefix)
		}
		if page.Bookmark == "" {
			break
		}
		bookmark = page.Bookmark
		if i > 3 {
			t.Fatal("pagination does not end")
		}
	}
	if strings.Join(all, ",") != "950600,9512345,9520000,9530000" {
		t.Fatalf("ListPrefixes pages: %v", all)
	}
	f.decode(f.h.Evaluate(nil, "ListPrefixes", "ACTIVE", "", ""), &page)
	if len(page.Prefixes) != 1 || page.Prefixes[0].Prefix != "950600" {
		t.Fatalf("ListPrefixes ACTIVE: %+v", page)
	}
	for _, bad := range [][]string{{"DONE", "", ""}, {"", "0", ""}, {"", "501", ""}, {"", "x", ""}} {
		if err := f.h.Evaluate(nil, "ListPrefixes", bad...).Err(); domain.CodeOf(err) != domain.CodeInvalidArgument {
			t.Fatalf("ListPrefixes %v: %v", bad, err)
		}
	}
}
