package domain

import (
	"strings"
	"testing"
)

func TestCheckCompanyPrefixIssuable(t *testing.T) {
	for _, tc := range []struct {
		p    string
		want string // "" = issuable; else a fragment of the refusal naming the range
	}{
		{"0000000", "GTIN-8"},
		{"000000", "GTIN-8"},
		{"000001234567", "GTIN-8"},
		{"0000123", ""}, // GS1 US U.P.C. prefix 00001-00009
		{"0001234", ""},
		{"0123456", ""},
		{"0199999", ""},
		{"0200000", "restricted circulation numbers within a geographic region (GS1 Prefix 020-029)"},
		{"0299999", "020-029"},
		{"0300000", ""},
		{"0400000", "within a company (GS1 Prefix 040-049)"},
		{"0499999", "040-049"},
		{"0500000", "coupons (GS1 Prefix 050-059"},
		{"0599999", "050-059"},
		{"0600000", ""},
		{"1999999", ""},
		{"2000000", "GS1 Prefix 200-299"},
		{"2501234", "200-299"},
		{"2999999", "200-299"},
		{"3000000", ""},
		{"4012345", ""},
		{"9506000", ""},
		{"9512345", ""},
		{"9520000", ""},
		{"9599999", ""},
		{"9600000", "GTIN-8 allocations"},
		{"9699999", "960-969"},
		{"9700000", ""},
		{"9771234", "ISSN"},
		{"9781234", "ISBN"},
		{"9791234", "978-979"},
		{"9801234", "refund receipts"},
		{"9811234", "common currency"},
		{"9841234", "981-984"},
		{"9851234", ""},
		{"9901234", "coupons (GS1 Prefix 99)"},
		{"999999999999", "GS1 Prefix 99"},
		{"97", ""}, // shorter than most ranges: only those it can reach apply
		{"99", "GS1 Prefix 99"},
	} {
		err := CheckCompanyPrefixIssuable(tc.p)
		if tc.want == "" {
			if err != nil {
				t.Errorf("%s: %v, want issuable", tc.p, err)
			}
			continue
		}
		if CodeOf(err) != CodeInvalidID || !strings.HasPrefix(err.Error(), "INVALID_ID: company prefix "+tc.p+" lies in ") || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want INVALID_ID naming %q", tc.p, err, tc.want)
		}
	}
}

func TestPrefixClaimState(t *testing.T) {
	const now, later = "2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z"
	pending := &Prefix{Status: PrefixPending, ExpiresAt: "2026-01-31T00:00:00Z"}
	if pending.Expired(now) || !pending.Live(now) {
		t.Error("fresh pending claim must be live")
	}
	if !pending.Expired("2026-01-31T00:00:00Z") || pending.Live(later) {
		t.Error("pending claim at or after ExpiresAt must be expired")
	}
	if (&Prefix{Status: PrefixPending}).Expired(later) {
		t.Error("a claim without ExpiresAt never expires")
	}
	for _, st := range []PrefixStatus{PrefixRejected, PrefixRevoked} {
		p := &Prefix{Status: st, ExpiresAt: "2025-01-01T00:00:00Z"}
		if p.Live(now) || p.Expired(now) {
			t.Errorf("%s claim must be neither live nor expired", st)
		}
	}
	if !(&Prefix{Status: PrefixActive, ExpiresAt: "2025-01-01T00:00:00Z"}).Live(later) {
		t.Error("active prefix is live whatever its old ExpiresAt")
	}

	p := &Prefix{Owner: "B", Status: PrefixActive, Barred: []string{"A", "C"},
		History: []PrefixClaim{{Owner: "A", Status: PrefixRevoked}, {Owner: "C", Status: PrefixRejected}}}
	if !p.BarredFor("A") || !p.BarredFor("C") || p.BarredFor("B") {
		t.Error("BarredFor")
	}
	if !p.RevokedFrom("A") || p.RevokedFrom("C") || p.RevokedFrom("B") {
		t.Error("RevokedFrom history")
	}
	p.Status = PrefixRevoked
	if !p.RevokedFrom("B") {
		t.Error("RevokedFrom current")
	}

	for _, tc := range []struct {
		a, b string
		want bool
	}{{"950600", "9506001", true}, {"9506001", "950600", true}, {"950600", "950600", true}, {"950600", "950601", false}, {"9506001", "9506002", false}} {
		if got := PrefixOverlaps(tc.a, tc.b); got != tc.want {
			t.Errorf("PrefixOverlaps(%s, %s) = %v", tc.a, tc.b, got)
		}
	}
}
