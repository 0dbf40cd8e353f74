package cmdutil

import (
	"github.com/provledger/provenance/chaincode/domain"
)

// ParseID validates an item or unit (SSCC) ID in any spelling the chaincode accepts
// (Digital Link, element string, EPC URI, canonical key) before anything is
// sent, so a typo costs no transaction. The error is the chaincode's own
// INVALID_ID refusal (exit 1).
func ParseID(s string) (domain.Identifier, error) {
	return domain.ParseCustodyID(s)
}

// CanonicalIDs parses every argument and returns the canonical keys.
func CanonicalIDs(args []string) ([]string, error) {
	out := make([]string, 0, len(args))
	for _, a := range args {
		id, err := ParseID(a)
		if err != nil {
			return nil, err
		}
		out = append(out, id.Key())
	}
	return out, nil
}

// ParseGTIN validates and normalizes a GTIN to 14 digits.
func ParseGTIN(s string) (string, error) { return domain.ParseGTIN(s) }
