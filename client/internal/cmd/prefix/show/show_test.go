package show

import (
	"bytes"
	"strings"
	"testing"

	"github.com/provledger/provenance/chaincode/domain"
	"github.com/provledger/provenance/client/internal/cmdtest"
	"github.com/provledger/provenance/client/internal/ledger/ledgertest"
)

func TestShow(t *testing.T) {
	l := ledgertest.New("M").Returns("GetPrefix", domain.Prefix{Prefix: "9506000", Status: domain.PrefixRevoked, Revocations: []string{"A", "B"}})
	f, ios := cmdtest.Factory(l)
	if err := cmdtest.Exec(NewCmd(f, nil), "9506000"); err != nil {
		t.Fatal(err)
	}
	if out := ios.Out.(*bytes.Buffer).String(); !strings.Contains(out, "Status:      REVOKED\n") || !strings.Contains(out, "Revocations: A, B\n") {
		t.Errorf("out %q", out)
	}
}
