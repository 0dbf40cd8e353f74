package ledger

import (
	"context"
	"fmt"
	"testing"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/internal/ledger/ledgertest"
)

func TestChunks(t *testing.T) {
	ids := []string{"a", "b", "c", "d", "e"}
	tests := []struct {
		n    int
		want string
	}{{2, "[[a b] [c d] [e]]"}, {5, "[[a b c d e]]"}, {10, "[[a b c d e]]"}, {0, "[[a b c d e]]"}}
	for _, tt := range tests {
		if got := fmt.Sprint(Chunks(ids, tt.n)); got != tt.want {
			t.Errorf("Chunks(%d) = %s", tt.n, got)
		}
	}
	if len(Chunks[string](nil, 3)) != 0 {
		t.Error("no chunks of nothing")
	}
}

func TestResolveMSP(t *testing.T) {
	roles := []domain.OrgRole{{MSP: "CustomsMSP", Role: "customs"}, {MSP: "DistributorMSP", Role: "distributor"}, {MSP: "PharmaCoMSP", Role: "manufacturer"}}
	l := ledgertest.New("PharmaCoMSP").Returns("GetOrgRoles", roles)
	tests := map[string]string{
		"distributor": "DistributorMSP", "Distributor": "DistributorMSP", "DistributorOrg": "DistributorMSP",
		"DistributorMSP": "DistributorMSP", "manufacturer": "PharmaCoMSP", "pharmaco": "PharmaCoMSP", "acme": "AcmeMSP",
	}
	for in, want := range tests {
		got, err := ResolveMSP(context.Background(), l, in)
		if err != nil || got != want {
			t.Errorf("ResolveMSP(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	// without the ledger's answer, the conventional name
	got, err := ResolveMSP(context.Background(), ledgertest.New("X"), "customs")
	if err != nil || got != "CustomsMSP" {
		t.Errorf("fallback = %q %v", got, err)
	}
}
