package contract

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/chaincode/shimtest"
)

// TestCheckPeerSingleOrg exercises the endorsing-peer check on a policy that
// names only the submitter's org (none of this chaincode's transitions has
// one today: they all need the chaincode-level MAJORITY too).
func TestCheckPeerSingleOrg(t *testing.T) {
	s := &submitter{MSP: "ManufacturerMSP"}
	single := domain.Policy{AllOf: []string{"ManufacturerMSP"}}
	for _, tc := range []struct {
		peer string
		err  error
		code domain.Code
	}{
		{"ManufacturerMSP", nil, ""},
		{"DistributorMSP", nil, domain.CodeWrongPeer},
		{"", errors.New("'CORE_PEER_LOCALMSPID' is not set"), domain.CodeWrongPeer},
	} {
		c := New(WithPeerMSP(func() (string, error) { return tc.peer, tc.err }))
		if got := domain.CodeOf(c.checkPeer(s, single)); got != tc.code {
			t.Errorf("peer %q: code %q, want %q", tc.peer, got, tc.code)
		}
		// Policies needing several orgs never consult the peer.
		if err := c.checkPeer(s, domain.Policy{AllOf: []string{"ManufacturerMSP"}, Majority: true}); err != nil {
			t.Errorf("peer %q refused a majority policy: %v", tc.peer, err)
		}
		if err := c.checkPeer(s, domain.Policy{AllOf: []string{"CustomsMSP"}}); err != nil {
			t.Errorf("peer %q refused another org's single-org policy: %v", tc.peer, err)
		}
	}
}

func TestWithContext(t *testing.T) {
	if withContext(nil, "x") != nil {
		t.Fatal("nil")
	}
	if err := withContext(errors.New("NOT_FOUND: gone"), "item %d", 3); domain.CodeOf(err) != domain.CodeNotFound || err.Error() != "NOT_FOUND: item 3: gone" {
		t.Fatalf("coded text: %v", err)
	}
	if err := withContext(errors.New("boom"), "ctx"); domain.CodeOf(err) != "" || err.Error() != "ctx: boom" {
		t.Fatalf("plain: %v", err)
	}
	if err := asIDError(errors.New("bad"), "GTIN %q", "1"); domain.CodeOf(err) != domain.CodeInvalidID {
		t.Fatalf("asIDError: %v", err)
	}
}

// TestResolvePrefixesRevoked: for a GTIN, the resolution names the active
// prefix and its owner and the candidates revoked from an org (what recall
// rights after a revocation build on).
func TestResolvePrefixesRevoked(t *testing.T) {
	stub := shimtest.New()
	put := func(p domain.Prefix) {
		k, err := prefixKey(stub, p.Prefix)
		if err != nil {
			t.Fatal(err)
		}
		b, err := marshal(&p)
		if err != nil {
			t.Fatal(err)
		}
		stub.SetCommitted(k, b)
	}
	put(domain.Prefix{Prefix: "9506000", Owner: "B", Status: domain.PrefixActive,
		History: []domain.PrefixClaim{{Owner: "A", Status: domain.PrefixRevoked}}})
	put(domain.Prefix{Prefix: "95060001", Owner: "A", Status: domain.PrefixRevoked, RevokedWith: "9506000"})
	put(domain.Prefix{Prefix: "950600", Owner: "C", Status: domain.PrefixRejected})
	stub.BeginTx("tx1", time.Unix(0, 0))
	res, err := resolvePrefixes(stub, []string{"09506000223450", "09506000123453"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 2 {
		t.Fatalf("%d resolutions", len(res))
	}
	names := func(ps []*domain.Prefix) string {
		var out []string
		for _, p := range ps {
			out = append(out, p.Prefix)
		}
		return strings.Join(out, ",")
	}
	if res[0].active == nil || res[0].active.Owner != "B" || names(res[0].revokedFrom("A")) != "9506000" || names(res[0].revokedFrom("B")) != "" {
		t.Fatalf("GTIN under 9506000: active %+v, revoked from A %s", res[0].active, names(res[0].revokedFrom("A")))
	}
	// Under 95060001 (revoked from A with 9506000) the active prefix is the
	// shorter 9506000, now B's.
	if res[1].active == nil || res[1].active.Prefix != "9506000" || names(res[1].revokedFrom("A")) != "95060001,9506000" || names(res[1].revokedFrom("C")) != "" {
		t.Fatalf("GTIN under 95060001: active %+v, revoked from A %s", res[1].active, names(res[1].revokedFrom("A")))
	}
}
