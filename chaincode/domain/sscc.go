package domain

import (
	"strconv"
	"strings"
)

// A logistic unit (case, pallet) is identified by its SSCC (GS1 AI 00): 18
// digits, an extension digit, the GS1 company prefix (6 to 12 digits) and a
// serial reference making 16 digits together, and a mod-10 check digit.
//
// On the ledger a unit is a custody subject like an item: its ItemID has the
// AI "00" where an item's GTIN goes and the SSCC as its serial, so every key
// of the custody layout (item record, counter, events, offers, holds) and
// Decide itself serve units unchanged; a GTIN always has 14 digits, so no
// unit key can collide with an item's. Its canonical spelling is
// "00/{sscc}".

// UnitAI is the GTIN slot of a unit's ItemID (GS1 AI 00, SSCC).
const UnitAI = "00"

// MaxUnitDepth bounds nesting: an item in a case (depth 1) in a pallet
// (depth 2) ... up to this many levels of units.
const MaxUnitDepth = 4

// UnitID returns the custody ID of a unit from its (checked) SSCC.
func UnitID(sscc string) ItemID { return ItemID{GTIN: UnitAI, Serial: sscc} }

// IsUnit reports whether id names a logistic unit rather than an item.
func (id ItemID) IsUnit() bool { return id.GTIN == UnitAI }

// SSCC returns a unit's SSCC ("" for an item).
func (id ItemID) SSCC() string {
	if id.IsUnit() {
		return id.Serial
	}
	return ""
}

// CheckSSCC checks an 18-digit SSCC (length, digits, check digit).
func CheckSSCC(s string) error { return checkDigits("SSCC", s, 18) }

// SSCCPrefixCandidates returns the company prefixes an SSCC may belong to,
// longest first: digits 2 to 7..13 (after the extension digit).
func SSCCPrefixCandidates(sscc string) []string {
	var out []string
	for n := MaxCompanyPrefixLen; n >= MinCompanyPrefixLen; n-- {
		out = append(out, sscc[1:1+n])
	}
	return out
}

// ParseSSCC reads every accepted spelling of an SSCC and returns the 18
// digits:
//
//   - canonical "00/{sscc}" or the 18 digits alone;
//   - GS1 element string "(00){sscc}";
//   - GS1 Digital Link URI, http or https, any host, optional custom path
//     prefix: https://id.example.com/00/{sscc} (query and fragment ignored);
//   - EPC pure identity URI urn:epc:id:sscc:{companyPrefix}.{extension}{serialReference}
//     (company prefix 6 to 12 digits, 17 digits together; the check digit
//     is computed).
//
// Surrounding spaces are ignored; every refusal is INVALID_ID naming the part.
func ParseSSCC(s string) (string, error) {
	t := strings.Trim(s, " \t\r\n")
	var digits, what string
	switch {
	case t == "":
		return "", Errorf(CodeInvalidID, "SSCC is empty")
	case strings.HasPrefix(t, "00/"):
		digits, what = t[3:], "SSCC key"
	case strings.HasPrefix(t, "(00)"):
		digits, what = t[4:], "element string"
	case hasPrefixFold(t, "https://"), hasPrefixFold(t, "http://"):
		return parseSSCCLink(t)
	case hasPrefixFold(t, "urn:epc:"):
		return parseSSCCEPC(t)
	default:
		if i, _ := firstNonDigit(t); i >= 0 {
			return "", Errorf(CodeInvalidID, "SSCC %s has an unknown format; want 00/{sscc}, 18 digits, (00){sscc}, "+
				"a Digital Link https://{host}/00/{sscc} or urn:epc:id:sscc:{prefix}.{serial}", quote(t))
		}
		digits, what = t, "SSCC"
	}
	if err := CheckSSCC(digits); err != nil {
		return "", within(what, err)
	}
	return digits, nil
}

func parseSSCCLink(s string) (string, error) {
	rest := s[strings.Index(s, "://")+3:]
	if j := strings.IndexAny(rest, "?#"); j >= 0 {
		rest = rest[:j]
	}
	slash := strings.IndexByte(rest, '/')
	if slash < 0 {
		slash = len(rest)
	}
	if err := validateHost(rest[:slash]); err != nil {
		return "", err
	}
	segs := strings.Split(strings.TrimPrefix(rest[slash:], "/"), "/")
	n := len(segs)
	if n < 2 || segs[n-2] != "00" {
		return "", Errorf(CodeInvalidID, "Digital Link %s: path does not end with /00/{sscc}", quote(s))
	}
	for _, p := range segs[:n-2] {
		if p == "" {
			return "", Errorf(CodeInvalidID, "Digital Link %s has an empty path segment before /00/", quote(s))
		}
	}
	if err := CheckSSCC(segs[n-1]); err != nil {
		return "", within("Digital Link", err)
	}
	return segs[n-1], nil
}

func parseSSCCEPC(s string) (string, error) {
	const pfx = "urn:epc:id:sscc:"
	const form = "urn:epc:id:sscc:{companyPrefix}.{extension}{serialReference}"
	if !hasPrefixFold(s, pfx) {
		return "", Errorf(CodeInvalidID, "EPC URI %s is not an SSCC pure identity URI; want %s", quote(s), form)
	}
	cp, sr, ok := strings.Cut(s[len(pfx):], ".")
	if !ok {
		return "", Errorf(CodeInvalidID, "EPC URI %s does not have two dot-separated parts; want %s", quote(s), form)
	}
	if err := ValidateCompanyPrefix(cp); err != nil {
		return "", within("EPC URI", err)
	}
	if i, r := firstNonDigit(sr); i >= 0 {
		return "", Errorf(CodeInvalidID, "EPC URI: extension and serial reference %s has non-digit character %s at position %d", quote(sr), describeRune(r), i+1)
	}
	if len(cp)+len(sr) != 17 {
		return "", Errorf(CodeInvalidID, "EPC URI: company prefix %s (%d digits) and extension and serial reference %s (%d digits) make %d digits; want 17",
			quote(cp), len(cp), quote(sr), len(sr), len(cp)+len(sr))
	}
	data := sr[:1] + cp + sr[1:]
	cd, _ := CheckDigit(data) // 17 digits: cannot fail
	return data + strconv.Itoa(cd), nil
}

// SSCCEPCURI spells an SSCC as an EPC pure identity URI, given the length of
// its company prefix.
func SSCCEPCURI(sscc string, companyPrefixLen int) (string, error) {
	if err := CheckSSCC(sscc); err != nil {
		return "", err
	}
	if companyPrefixLen < MinCompanyPrefixLen || companyPrefixLen > MaxCompanyPrefixLen {
		return "", Errorf(CodeInvalidID, "company prefix length %d: want %d to %d", companyPrefixLen, MinCompanyPrefixLen, MaxCompanyPrefixLen)
	}
	return "urn:epc:id:sscc:" + sscc[1:1+companyPrefixLen] + "." + sscc[:1] + sscc[1+companyPrefixLen:17], nil
}

// ParseCustodyID reads an item (any ParseIdentifier spelling) or a unit (any
// ParseSSCC spelling): the IDs custody acts take.
func ParseCustodyID(s string) (Identifier, error) {
	t := strings.Trim(s, " \t\r\n")
	if looksLikeSSCC(t) {
		sscc, err := ParseSSCC(t)
		if err != nil {
			return Identifier{}, err
		}
		return Identifier{ItemID: UnitID(sscc)}, nil
	}
	return ParseIdentifier(t)
}

// looksLikeSSCC: a spelling that can only name an SSCC.
func looksLikeSSCC(t string) bool {
	if strings.HasPrefix(t, "00/") || strings.HasPrefix(t, "(00)") || hasPrefixFold(t, "urn:epc:id:sscc:") {
		return true
	}
	if hasPrefixFold(t, "https://") || hasPrefixFold(t, "http://") {
		p := t
		if j := strings.IndexAny(p, "?#"); j >= 0 {
			p = p[:j]
		}
		segs := strings.Split(p, "/")
		return len(segs) >= 2 && segs[len(segs)-2] == "00"
	}
	if t == "" {
		return false
	}
	i, _ := firstNonDigit(t)
	return i < 0
}
