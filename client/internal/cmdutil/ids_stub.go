package cmdutil

import (
	"strings"

	"github.com/provledger/provenance/chaincode/domain"
)

// parseIdentifier is a stand-in until domain.ParseIdentifier lands: it
// accepts only the canonical key 01/{gtin}/21/{serial}.
func parseIdentifier(s string) (domain.Identifier, error) {
	p := strings.Split(s, "/")
	if len(p) != 4 || p[0] != "01" || p[2] != "21" {
		return domain.Identifier{}, domain.Errorf(domain.CodeInvalidID, "%q is not an item identifier", s)
	}
	gtin, err := domain.ParseGTIN(p[1])
	if err != nil {
		return domain.Identifier{}, err
	}
	if err := domain.ValidateSerial(p[3]); err != nil {
		return domain.Identifier{}, err
	}
	return domain.Identifier{ItemID: domain.ItemID{GTIN: gtin, Serial: p[3]}}, nil
}
