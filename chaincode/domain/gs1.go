package domain

import "strconv"

// CheckDigit returns the GS1 mod-10 check digit for digits, the data digits of
// a GTIN, GLN or SSCC without their check digit: weights 3 and 1 alternate
// from the rightmost data digit (which weighs 3).
func CheckDigit(digits string) (int, error) {
	if digits == "" {
		return 0, Errorf(CodeInvalidID, "check digit of an empty digit string")
	}
	if i, r := firstNonDigit(digits); i >= 0 {
		return 0, Errorf(CodeInvalidID, "check digit: non-digit character %s at position %d of %s", describeRune(r), i+1, quote(digits))
	}
	sum := 0
	for i := 0; i < len(digits); i++ {
		d := int(digits[len(digits)-1-i] - '0')
		if i%2 == 0 {
			d *= 3
		}
		sum += d
	}
	return (10 - sum%10) % 10, nil
}

// ParseGTIN checks a GTIN-8, -12, -13 or -14 (length, digits, check digit)
// and returns it normalized to 14 digits by left zero padding.
func ParseGTIN(s string) (string, error) {
	if err := checkDigits("GTIN", s, 8, 12, 13, 14); err != nil {
		return "", err
	}
	return zeroPad(s, 14), nil
}

// ParseGLN checks a 13-digit GS1 Global Location Number (length, digits,
// check digit), e.g. an inspection location.
func ParseGLN(s string) (string, error) {
	if err := checkDigits("GLN", s, 13); err != nil {
		return "", err
	}
	return s, nil
}

// Company prefix lengths GS1 allocates.
const (
	MinCompanyPrefixLen = 6
	MaxCompanyPrefixLen = 12
)

// ValidateCompanyPrefix checks that p looks like a GS1 company prefix: 6 to
// 12 digits. (Whether GS1 licensed it is a governance question, not syntax.)
func ValidateCompanyPrefix(p string) error {
	if i, r := firstNonDigit(p); i >= 0 {
		return Errorf(CodeInvalidID, "company prefix %s has non-digit character %s at position %d", quote(p), describeRune(r), i+1)
	}
	if n := len(p); n < MinCompanyPrefixLen || n > MaxCompanyPrefixLen {
		return Errorf(CodeInvalidID, "company prefix %s has %d digits; want %d to %d", quote(p), n, MinCompanyPrefixLen, MaxCompanyPrefixLen)
	}
	return nil
}

// CompanyPrefixCandidates returns the company prefixes a GTIN-14 may belong
// to, longest first: gtin14[1:1+L] for L = 12 down to 6 (digit 0 is the
// indicator or padding). GS1 prefixes do not overlap, so at most one of them
// can be an allocated (claimed) prefix. It returns nil unless gtin14 is 14
// digits.
func CompanyPrefixCandidates(gtin14 string) []string {
	if len(gtin14) != 14 {
		return nil
	}
	if i, _ := firstNonDigit(gtin14); i >= 0 {
		return nil
	}
	out := make([]string, 0, MaxCompanyPrefixLen-MinCompanyPrefixLen+1)
	for l := MaxCompanyPrefixLen; l >= MinCompanyPrefixLen; l-- {
		out = append(out, gtin14[1:1+l])
	}
	return out
}

// checkDigits validates a GS1 key of one of the given lengths whose last
// digit is a mod-10 check digit; what names the key in messages.
func checkDigits(what, s string, lengths ...int) error {
	if s == "" {
		return Errorf(CodeInvalidID, "%s is empty", what)
	}
	if i, r := firstNonDigit(s); i >= 0 {
		return Errorf(CodeInvalidID, "%s %s has non-digit character %s at position %d", what, quote(s), describeRune(r), i+1)
	}
	ok := false
	for _, l := range lengths {
		ok = ok || len(s) == l
	}
	if !ok {
		return Errorf(CodeInvalidID, "%s %s has %d digits; want %s", what, quote(s), len(s), orList(lengths))
	}
	want, _ := CheckDigit(s[:len(s)-1]) // digits only, non-empty: cannot fail
	if got := int(s[len(s)-1] - '0'); got != want {
		return Errorf(CodeInvalidID, "%s %s has %d digits but check digit %d should be %d", what, quote(s), len(s), got, want)
	}
	return nil
}

// firstNonDigit returns the character index (0-based, in runes) and rune of
// the first character of s that is not an ASCII digit, or -1.
func firstNonDigit(s string) (int, rune) {
	i := 0
	for _, r := range s {
		if r < '0' || r > '9' {
			return i, r
		}
		i++
	}
	return -1, 0
}

func zeroPad(s string, n int) string {
	for len(s) < n {
		s = "0" + s
	}
	return s
}

// orList spells 8, 12, 13 or 14.
func orList(ns []int) string {
	s := ""
	for i, n := range ns {
		switch {
		case i == 0:
		case i == len(ns)-1:
			s += " or "
		default:
			s += ", "
		}
		s += strconv.Itoa(n)
	}
	return s
}
