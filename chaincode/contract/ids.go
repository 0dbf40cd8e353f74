package contract

import (
	"sort"
	"strings"

	"github.com/provledger/provenance/chaincode/domain"
)

// This file is the contract's only dependency on the identifier rules of
// chaincode/domain/identifier.go.

// parseID parses one item spelling; a refusal keeps the domain's code and
// names the input.
func parseID(s string) (domain.Identifier, error) {
	id, err := domain.ParseIdentifier(s)
	if err != nil {
		return domain.Identifier{}, asIDError(err, "item %q", s)
	}
	return id, nil
}

// parseCustodyID parses an item or a logistic unit (SSCC) spelling: the IDs
// custody acts and reads take.
func parseCustodyID(s string) (domain.Identifier, error) {
	id, err := domain.ParseCustodyID(s)
	if err != nil {
		return domain.Identifier{}, asIDError(err, "ID %q", s)
	}
	return id, nil
}

// parseUnitID parses an SSCC spelling.
func parseUnitID(s string) (domain.ItemID, error) {
	sscc, err := domain.ParseSSCC(s)
	if err != nil {
		return domain.ItemID{}, asIDError(err, "unit %q", s)
	}
	return domain.UnitID(sscc), nil
}

func parseGTIN(s string) (string, error) {
	g, err := domain.ParseGTIN(s)
	if err != nil {
		return "", asIDError(err, "GTIN %q", s)
	}
	return g, nil
}

// asIDError gives identifier errors without a code the INVALID_ID code.
func asIDError(err error, format string, args ...any) error {
	if domain.CodeOf(err) == "" {
		err = domain.Errorf(domain.CodeInvalidID, "%v", err)
	}
	return withContext(err, format, args...)
}

// parseIDList reads an idsJSON argument: a JSON array of item spellings, or
// a single spelling. It refuses an empty list, more than MaxBatch items and
// an item named twice.
func parseIDList(idsJSON string) ([]domain.ItemID, error) {
	if len(idsJSON) > domain.MaxListBytes {
		return nil, domain.Errorf(domain.CodeBatchTooLarge, "ids argument is %d bytes, at most %d allowed (at most %d items)", len(idsJSON), domain.MaxListBytes, domain.MaxBatch)
	}
	var raw []string
	if t := strings.TrimSpace(idsJSON); strings.HasPrefix(t, "[") {
		if err := strictUnmarshal(t, &raw); err != nil {
			return nil, domain.Errorf(domain.CodeInvalidArgument, "ids must be a JSON array of item IDs: %v", err)
		}
	} else if t != "" {
		raw = []string{t}
	}
	if len(raw) == 0 {
		return nil, domain.Errorf(domain.CodeInvalidArgument, "no item IDs given")
	}
	if len(raw) > domain.MaxBatch {
		return nil, domain.Errorf(domain.CodeBatchTooLarge, "%d items given, at most %d per transaction", len(raw), domain.MaxBatch)
	}
	ids := make([]domain.ItemID, len(raw))
	seen := make(map[string]int, len(raw))
	for i, s := range raw {
		id, err := parseCustodyID(s)
		if err != nil {
			return nil, err
		}
		if j, dup := seen[id.Key()]; dup {
			return nil, domain.Errorf(domain.CodeInvalidArgument, "item %s is listed twice (entries %d and %d)", id.Key(), j+1, i+1)
		}
		seen[id.Key()] = i
		ids[i] = id.ItemID
	}
	return ids, nil
}

// prefixCandidates returns the company prefixes a GTIN may belong to,
// longest first (the longest active one wins).
func prefixCandidates(gtin string) []string {
	if len(gtin) == 18 { // an SSCC (resolvePrefixes serves units' creation too)
		return domain.SSCCPrefixCandidates(gtin)
	}
	c := append([]string(nil), domain.CompanyPrefixCandidates(gtin)...)
	sort.SliceStable(c, func(i, j int) bool { return len(c[i]) > len(c[j]) })
	return c
}
