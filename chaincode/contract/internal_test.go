package contract

import (
	"errors"
	"testing"

	"github.com/provledger/provenance/chaincode/domain"
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
