package domain

import "strings"

// reservedGS1Range is a range of GS1 Prefixes (the leading digits of a
// GTIN-13, i.e. of a GTIN-14 after its indicator digit) from which GS1
// issues no company prefix.
type reservedGS1Range struct {
	from, to string // inclusive, same length: the leading digits
	what     string
}

// reservedGS1Ranges lists them, from the GS1 General Specifications,
// section 1.4.2 "GS1 Prefix" (the table of GS1 Prefixes), and GS1's
// published prefix list (https://www.gs1.org/standards/id-keys/company-prefix,
// "GS1 Prefixes" / "Special applications"). The function returns a fresh
// slice: no package-level mutable state.
//
// Deliberately absent: the GS1 US ranges 000-019 except 00000 (U.P.C.
// company prefixes, 0-padded), 950 (GS1 Global Office) and 952 (GS1's
// demonstration and example prefixes, which the test suites use), and the
// ranges GS1 keeps for future member organizations (e.g. 140-199): a new
// member organization may be given one of them.
func reservedGS1Ranges() []reservedGS1Range {
	return []reservedGS1Range{
		// A GTIN-8 written as 13 digits has five leading zeros, so a company
		// prefix starting 00000 would collide with GTIN-8s; 0000000 is where
		// restricted circulation numbers within a company (RCN-8 "0") sit.
		{"00000", "00000", "the GTIN-8 range (00000: GTIN-8s and their restricted circulation numbers written as 13 digits)"},
		{"020", "029", "restricted circulation numbers within a geographic region (GS1 Prefix 020-029)"},
		{"040", "049", "restricted circulation numbers within a company (GS1 Prefix 040-049)"},
		{"050", "059", "coupons (GS1 Prefix 050-059, reserved by GS1 US)"},
		{"200", "299", "restricted circulation numbers within a geographic region (GS1 Prefix 200-299, e.g. variable-measure items)"},
		{"960", "969", "GTIN-8 allocations by GS1 Global Office (GS1 Prefix 960-969)"},
		{"977", "977", "serial publications, ISSN (GS1 Prefix 977)"},
		{"978", "979", "books and music, ISBN/ISMN (GS1 Prefix 978-979)"},
		{"980", "980", "refund receipts (GS1 Prefix 980)"},
		{"981", "984", "coupons for common currency areas (GS1 Prefix 981-984)"},
		{"99", "99", "coupons (GS1 Prefix 99)"},
	}
}

// CheckCompanyPrefixIssuable refuses a company prefix that GS1 cannot have
// issued to a company because its GS1 Prefix is reserved (restricted
// circulation, coupons, ISSN/ISBN, refund receipts, the GTIN-8 range). The
// INVALID_ID message names the range. p must already be syntactically valid
// (ValidateCompanyPrefix); shorter input is checked against the ranges it
// can reach. This is a claim rule, not syntax: GS1 keys under these ranges
// exist (a coupon GTIN is a valid GTIN), they just never belong to a brand.
func CheckCompanyPrefixIssuable(p string) error {
	for _, r := range reservedGS1Ranges() {
		n := len(r.from)
		if len(p) < n {
			continue
		}
		if lead := p[:n]; lead >= r.from && lead <= r.to {
			return Errorf(CodeInvalidID, "company prefix %s lies in %s: GS1 issues no company prefix there", p, r.what)
		}
	}
	return nil
}

// Prefix governance limits.
const (
	// PrefixClaimTTLSeconds is how long a PENDING claim waits for its
	// majority: once a later transaction's timestamp reaches the claim's
	// ExpiresAt (claim time + 30 days) the claim is expired: it no longer
	// blocks overlapping claims, takes no votes, and anyone may claim the
	// prefix (the claimant too, as a fresh claim).
	PrefixClaimTTLSeconds = 30 * 24 * 60 * 60
	// MaxPendingClaims is how many unexpired PENDING claims one organization
	// may have at a time.
	MaxPendingClaims = 5
)

// Expired reports whether a PENDING claim has expired at now. Both times are
// whole-second RFC 3339 UTC strings ("2026-01-31T00:00:00Z", the form
// ExpiresAt is written in), which compare correctly as strings. A claim
// without ExpiresAt (written before expiry existed) never expires.
func (p *Prefix) Expired(now string) bool {
	return p.Status == PrefixPending && p.ExpiresAt != "" && now >= p.ExpiresAt
}

// Live reports whether the claim holds the prefix at now: ACTIVE, or PENDING
// and not expired. Only live claims block other organizations' claims.
func (p *Prefix) Live(now string) bool {
	return p.Status == PrefixActive || (p.Status == PrefixPending && !p.Expired(now))
}

// BarredFor reports whether msp lost a claim on this prefix (REJECTED, or
// REVOKED while it owned it) and no majority has reopened it for msp since:
// msp may then claim neither this prefix nor one overlapping it.
func (p *Prefix) BarredFor(msp string) bool {
	for _, b := range p.Barred {
		if b == msp {
			return true
		}
	}
	return false
}

// RevokedFrom reports whether this prefix was ever revoked from msp (the
// current claim or an earlier one). Recall rights over items msp registered
// under the prefix before the revocation build on this.
func (p *Prefix) RevokedFrom(msp string) bool {
	if p.Status == PrefixRevoked && p.Owner == msp {
		return true
	}
	for _, h := range p.History {
		if h.Status == PrefixRevoked && h.Owner == msp {
			return true
		}
	}
	return false
}

// PrefixOverlaps reports whether two company prefixes overlap: one is a
// prefix of the other (equal prefixes overlap).
func PrefixOverlaps(a, b string) bool {
	return strings.HasPrefix(a, b) || strings.HasPrefix(b, a)
}
