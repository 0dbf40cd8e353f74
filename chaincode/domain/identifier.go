package domain

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// ItemID identifies one serialized item: a GTIN normalized to 14 digits and a
// GS1 AI 21 serial.
type ItemID struct {
	GTIN   string
	Serial string
}

// Key is the canonical spelling used as the ledger key and in messages:
// "01/{gtin14}/21/{serial}", or "00/{sscc}" for a logistic unit.
func (id ItemID) Key() string {
	if id.IsUnit() {
		return UnitAI + "/" + id.Serial
	}
	return "01/" + id.GTIN + "/21/" + id.Serial
}

// Identifier is a parsed item spelling: the item plus the optional lot (AI 10)
// and expiry (AI 17, YYMMDD) that a Digital Link or element string may carry.
type Identifier struct {
	ItemID
	Lot    string
	Expiry string
}

// ParseItem checks a GTIN and a serial given apart and returns the item with
// its GTIN normalized to 14 digits.
func ParseItem(gtin, serial string) (Identifier, error) {
	g, err := ParseGTIN(gtin)
	if err != nil {
		return Identifier{}, err
	}
	if err := ValidateSerial(serial); err != nil {
		return Identifier{}, err
	}
	return Identifier{ItemID: ItemID{GTIN: g, Serial: serial}}, nil
}

// ParseIdentifier reads any accepted spelling of a serialized item. All of
// these yield GTIN 09506000134352, serial ABC/1 (Key "01/09506000134352/21/ABC/1"):
//
//   - canonical key: 01/09506000134352/21/ABC/1, or with a lot
//     01/09506000134352/10/L1/21/ABC/1. Values are raw (no percent-decoding);
//     the serial is everything after the first "/21/" that follows the GTIN or
//     lot, so it may contain '/'. The GTIN may be 8, 12, 13 or 14 digits.
//   - GS1 Digital Link URI, http or https, any host:
//     https://id.example.com/01/09506000134352/10/L1/21/ABC%2F1?17=261231.
//     Path segments and query values are percent-decoded (a malformed escape
//     is refused, named). The path must end with /01/{gtin}[/10/{lot}]/21/{serial};
//     non-empty segments before /01/ are a custom path prefix, which the
//     Digital Link standard allows (e.g. https://example.com/gs1/01/...).
//     The query may carry 17 (expiry); AIs 10 and 21 must be path qualifiers;
//     other query parameters (linkType, other attributes) and a fragment are ignored.
//     Qualifier /22/ (consumer product variant) is refused.
//   - GS1 element string (human-readable form):
//     (01)09506000134352(17)261231(10)L1(21)ABC/1, AIs in any order, (01) with
//     14 digits and (21) required, (10) and (17) optional, each at most once,
//     other AIs refused. A value ends at the next '(', so a lot or serial
//     containing '(' cannot be written this way.
//   - EPC pure identity URI: urn:epc:id:sgtin:9506000.013435.ABC%2F1 (EPC
//     Tag Data Standard: company prefix 6 to 12 digits, indicator digit plus
//     item reference making 13 digits together, serial percent-encoded where
//     the TDS requires it: " % & / < > ?). The GTIN check digit is computed.
//
// Surrounding spaces, tabs and line ends (as scanners append) are ignored.
// Every refusal is a CodeInvalidID *Error naming the part that is wrong.
func ParseIdentifier(s string) (Identifier, error) {
	t := strings.Trim(s, " \t\r\n")
	switch {
	case t == "":
		return Identifier{}, Errorf(CodeInvalidID, "identifier is empty")
	case strings.HasPrefix(t, "01/"):
		return parseCanonical(t)
	case strings.HasPrefix(t, "("):
		return parseElementString(t)
	case hasPrefixFold(t, "https://"), hasPrefixFold(t, "http://"):
		return parseDigitalLink(t)
	case hasPrefixFold(t, "urn:epc:"):
		return parseEPC(t)
	}
	hint := ""
	if i, _ := firstNonDigit(t); i < 0 {
		hint = " (digits only: a GTIN without a serial?)"
	}
	return Identifier{}, Errorf(CodeInvalidID, "identifier %s has an unknown format%s; want 01/{gtin}/21/{serial}, "+
		"a GS1 Digital Link URI https://{host}/01/{gtin}/21/{serial}, a GS1 element string (01){gtin}(21){serial} "+
		"or an EPC URI urn:epc:id:sgtin:{prefix}.{item}.{serial}", quote(t), hint)
}

func parseCanonical(s string) (Identifier, error) {
	rest := s[len("01/"):]
	slash := strings.IndexByte(rest, '/')
	if slash < 0 {
		return Identifier{}, Errorf(CodeInvalidID, "key %s has no /21/{serial} after the GTIN", quote(s))
	}
	gtin, rest := rest[:slash], rest[slash+1:]
	g, err := ParseGTIN(gtin)
	if err != nil {
		return Identifier{}, err
	}
	id := Identifier{ItemID: ItemID{GTIN: g}}
	switch {
	case strings.HasPrefix(rest, "21/"):
		id.Serial = rest[3:]
	case strings.HasPrefix(rest, "10/"):
		j := strings.Index(rest[3:], "/21/")
		if j < 0 {
			return Identifier{}, Errorf(CodeInvalidID, "key %s has no /21/{serial} after the lot", quote(s))
		}
		id.Lot, id.Serial = rest[3:3+j], rest[3+j+4:]
		if err := ValidateLot(id.Lot); err != nil {
			return Identifier{}, err
		}
	default:
		return Identifier{}, Errorf(CodeInvalidID, "key %s: after the GTIN want /21/{serial} or /10/{lot}/21/{serial}", quote(s))
	}
	if err := ValidateSerial(id.Serial); err != nil {
		return Identifier{}, err
	}
	return id, nil
}

func parseElementString(s string) (Identifier, error) {
	var id Identifier
	var have01, have10, have17, have21 bool
	rest := s
	for rest != "" {
		// rest starts with '(': s does (see ParseIdentifier) and each value
		// ends at the next '('.
		pos := utf8.RuneCountInString(s[:len(s)-len(rest)]) + 1
		end := strings.IndexByte(rest, ')')
		if end < 0 {
			return Identifier{}, Errorf(CodeInvalidID, "element string %s: '(' at position %d is not closed", quote(s), pos)
		}
		ai := rest[1:end]
		rest = rest[end+1:]
		next := strings.IndexByte(rest, '(')
		if next < 0 {
			next = len(rest)
		}
		val := rest[:next]
		rest = rest[next:]
		var seen *bool
		var err error
		switch ai {
		case "01":
			seen = &have01
			if err = checkDigits("GTIN", val, 14); err == nil {
				id.GTIN = val
			}
		case "10":
			seen, id.Lot, err = &have10, val, ValidateLot(val)
		case "17":
			seen, id.Expiry, err = &have17, val, ValidateExpiry(val)
		case "21":
			seen, id.Serial, err = &have21, val, ValidateSerial(val)
		default:
			if i, _ := firstNonDigit(ai); i < 0 && len(ai) >= 2 && len(ai) <= 4 {
				return Identifier{}, Errorf(CodeInvalidID, "element string %s: AI (%s) is not supported; want (01) and (21), optionally (10) and (17)", quote(s), ai)
			}
			return Identifier{}, Errorf(CodeInvalidID, "element string %s: %s at position %d is not a GS1 application identifier", quote(s), quote("("+ai+")"), pos)
		}
		if *seen {
			return Identifier{}, Errorf(CodeInvalidID, "element string %s: AI (%s) appears twice", quote(s), ai)
		}
		*seen = true
		if err != nil {
			return Identifier{}, within("element string AI ("+ai+")", err)
		}
	}
	switch {
	case !have01:
		return Identifier{}, Errorf(CodeInvalidID, "element string %s has no GTIN (01)", quote(s))
	case !have21:
		return Identifier{}, Errorf(CodeInvalidID, "element string %s has no serial (21)", quote(s))
	}
	return id, nil
}

func parseDigitalLink(s string) (Identifier, error) {
	rest := s[strings.Index(s, "://")+3:]
	if j := strings.IndexByte(rest, '#'); j >= 0 {
		rest = rest[:j]
	}
	query, hasQuery := "", false
	if j := strings.IndexByte(rest, '?'); j >= 0 {
		query, hasQuery, rest = rest[j+1:], true, rest[:j]
	}
	slash := strings.IndexByte(rest, '/')
	if slash < 0 {
		slash = len(rest)
	}
	host, path := rest[:slash], strings.TrimPrefix(rest[slash:], "/")
	if err := validateHost(host); err != nil {
		return Identifier{}, err
	}
	segs := strings.Split(path, "/")
	n := len(segs)
	var start int
	var gtinSeg, lotSeg, serialSeg string
	switch {
	case n >= 6 && segs[n-6] == "01" && segs[n-4] == "10" && segs[n-2] == "21":
		start, gtinSeg, lotSeg, serialSeg = n-6, segs[n-5], segs[n-3], segs[n-1]
	case n >= 4 && segs[n-4] == "01" && segs[n-2] == "21":
		start, gtinSeg, serialSeg = n-4, segs[n-3], segs[n-1]
	default:
		return Identifier{}, diagnoseDigitalLinkPath(s, segs)
	}
	for _, p := range segs[:start] {
		if p == "" {
			return Identifier{}, Errorf(CodeInvalidID, "Digital Link %s has an empty path segment before /01/", quote(s))
		}
	}
	gtin, err := pctDecode("Digital Link GTIN", gtinSeg)
	if err != nil {
		return Identifier{}, err
	}
	if gtin, err = ParseGTIN(gtin); err != nil {
		return Identifier{}, within("Digital Link", err)
	}
	id := Identifier{ItemID: ItemID{GTIN: gtin}}
	if start == n-6 {
		if id.Lot, err = pctDecode("Digital Link lot", lotSeg); err != nil {
			return Identifier{}, err
		}
		if err := ValidateLot(id.Lot); err != nil {
			return Identifier{}, within("Digital Link", err)
		}
	}
	if id.Serial, err = pctDecode("Digital Link serial", serialSeg); err != nil {
		return Identifier{}, err
	}
	if err := ValidateSerial(id.Serial); err != nil {
		return Identifier{}, within("Digital Link", err)
	}
	if hasQuery {
		if id.Expiry, err = digitalLinkQuery(query); err != nil {
			return Identifier{}, err
		}
	}
	return id, nil
}

// digitalLinkQuery reads the query of a Digital Link: the expiry (17), if
// any; other parameters are ignored.
func digitalLinkQuery(q string) (string, error) {
	expiry := ""
	for _, kv := range strings.Split(q, "&") {
		k, v, _ := strings.Cut(kv, "=")
		k, err := pctDecode("Digital Link query key", k)
		if err != nil {
			return "", err
		}
		switch k {
		case "17":
			v, err := pctDecode("Digital Link expiry (17)", v)
			if err != nil {
				return "", err
			}
			if err := ValidateExpiry(v); err != nil {
				return "", within("Digital Link query", err)
			}
			if expiry != "" && expiry != v {
				return "", Errorf(CodeInvalidID, "Digital Link query has two expiries (17) %s and %s", quote(expiry), quote(v))
			}
			expiry = v
		case "01", "10", "21":
			return "", Errorf(CodeInvalidID, "Digital Link query has AI %s; GTIN, lot and serial belong in the path /01/{gtin}[/10/{lot}]/21/{serial}", k)
		}
	}
	return expiry, nil
}

func diagnoseDigitalLinkPath(s string, segs []string) error {
	has := func(ai string) bool {
		for _, p := range segs {
			if p == ai {
				return true
			}
		}
		return false
	}
	const want = "want [/{prefix}]/01/{gtin}[/10/{lot}]/21/{serial}"
	if ai := unsupportedQualifier(segs); ai != "" {
		return Errorf(CodeInvalidID, "Digital Link %s has AI %s as a path qualifier, which the ledger does not support; %s", quote(s), ai, want)
	}
	switch {
	case !has("01"):
		return Errorf(CodeInvalidID, "Digital Link %s has no /01/{gtin} in its path; %s", quote(s), want)
	case has("22"):
		return Errorf(CodeInvalidID, "Digital Link %s has qualifier /22/ (consumer product variant), which the ledger does not support; %s", quote(s), want)
	case !has("21"):
		return Errorf(CodeInvalidID, "Digital Link %s has no serial /21/{serial}; the ledger records serialized items only", quote(s))
	}
	return Errorf(CodeInvalidID, "Digital Link %s: path does not match; %s (encode '/' in values as %%2F)", quote(s), want)
}

// unsupportedQualifier names the first AI-shaped segment (2 to 4 digits) in
// a qualifier position after /01/{gtin} that is neither 10, 21 nor 22 (22
// has its own message).
func unsupportedQualifier(segs []string) string {
	i := 0
	for i < len(segs) && segs[i] != "01" {
		i++
	}
	for j := i + 2; j < len(segs); j += 2 {
		switch a := segs[j]; {
		case a == "21":
			return ""
		case a == "10" || a == "22":
		case len(a) >= 2 && len(a) <= 4 && strings.Trim(a, "0123456789") == "":
			return a
		default:
			return ""
		}
	}
	return ""
}

// validateHost accepts a DNS name, IPv4 address or bracketed IPv6 address,
// with an optional port; no user info.
func validateHost(h string) error {
	if h == "" {
		return Errorf(CodeInvalidID, "Digital Link has no host")
	}
	for i, r := range h {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
			r == '.' || r == '-' || r == ':' || r == '[' || r == ']'
		if !ok {
			return Errorf(CodeInvalidID, "Digital Link host %s has character %s at position %d", quote(h), describeRune(r), utf8.RuneCountInString(h[:i])+1)
		}
	}
	return nil
}

func parseEPC(s string) (Identifier, error) {
	const pfx = "urn:epc:id:sgtin:"
	const form = "urn:epc:id:sgtin:{companyPrefix}.{indicator}{itemReference}.{serial}"
	if !hasPrefixFold(s, pfx) {
		return Identifier{}, Errorf(CodeInvalidID, "EPC URI %s is not an SGTIN pure identity URI; want %s", quote(s), form)
	}
	parts := strings.SplitN(s[len(pfx):], ".", 3)
	if len(parts) != 3 {
		return Identifier{}, Errorf(CodeInvalidID, "EPC URI %s does not have three dot-separated parts; want %s", quote(s), form)
	}
	cp, ir, raw := parts[0], parts[1], parts[2]
	if err := ValidateCompanyPrefix(cp); err != nil {
		return Identifier{}, within("EPC URI", err)
	}
	if i, r := firstNonDigit(ir); i >= 0 {
		return Identifier{}, Errorf(CodeInvalidID, "EPC URI: indicator and item reference %s has non-digit character %s at position %d", quote(ir), describeRune(r), i+1)
	}
	if len(cp)+len(ir) != 13 {
		return Identifier{}, Errorf(CodeInvalidID, "EPC URI: company prefix %s (%d digits) and indicator and item reference %s (%d digits) make %d digits; want 13",
			quote(cp), len(cp), quote(ir), len(ir), len(cp)+len(ir))
	}
	data := ir[:1] + cp + ir[1:]
	cd, _ := CheckDigit(data) // 13 digits: cannot fail
	pos := 0
	for _, r := range raw {
		pos++
		if strings.ContainsRune(`"&/<>?`, r) {
			return Identifier{}, Errorf(CodeInvalidID, "EPC URI: serial %s has character %s at position %d, which must be percent-encoded (%%%02X)", quote(raw), describeRune(r), pos, r)
		}
	}
	serial, err := pctDecode("EPC URI serial", raw)
	if err != nil {
		return Identifier{}, err
	}
	if err := ValidateSerial(serial); err != nil {
		return Identifier{}, within("EPC URI", err)
	}
	return Identifier{ItemID: ItemID{GTIN: data + strconv.Itoa(cd), Serial: serial}}, nil
}

// pctDecode decodes %XX escapes; what names the part in errors.
func pctDecode(what, s string) (string, error) {
	if strings.IndexByte(s, '%') < 0 {
		return s, nil
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b = append(b, s[i])
			continue
		}
		if i+2 >= len(s) || unhex(s[i+1]) < 0 || unhex(s[i+2]) < 0 {
			esc := s[i:min(i+3, len(s))]
			return "", Errorf(CodeInvalidID, "%s %s has malformed percent-escape %s at position %d", what, quote(s), quote(esc), utf8.RuneCountInString(s[:i])+1)
		}
		b = append(b, byte(unhex(s[i+1])<<4|unhex(s[i+2])))
		i += 2
	}
	return string(b), nil
}

func unhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// pctEncode escapes everything but A-Z a-z 0-9 - . _ (RFC 3986 unreserved,
// less '~', which is not in set 82), as Digital Link and EPC URIs expect.
func pctEncode(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}

// within prefixes a refusal's message with where it was found, keeping its code.
func within(ctx string, err error) error {
	if e, ok := err.(*Error); ok {
		return &Error{Code: e.Code, Msg: ctx + ": " + e.Msg}
	}
	return err
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// ClassDigitalLink spells a product class as a GS1 Digital Link URI under
// base: a lot ("/01/{gtin}/10/{lot}", the lot percent-encoded as in an
// item's link) or, with lot "", the whole GTIN ("/01/{gtin}").
func ClassDigitalLink(base, gtin, lot string) string {
	s := strings.TrimRight(base, "/") + "/01/" + gtin
	if lot != "" {
		s += "/10/" + pctEncode(lot)
	}
	return s
}

// DigitalLink spells the identifier as a GS1 Digital Link URI under base
// (scheme and host, optionally a path prefix, e.g. "https://id.gs1.org"),
// percent-encoding lot and serial and carrying the expiry as ?17=.
func (id Identifier) DigitalLink(base string) string {
	s := strings.TrimRight(base, "/") + "/01/" + id.GTIN
	if id.Lot != "" {
		s += "/10/" + pctEncode(id.Lot)
	}
	s += "/21/" + pctEncode(id.Serial)
	if id.Expiry != "" {
		s += "?17=" + id.Expiry
	}
	return s
}

// ElementString spells the identifier as a GS1 element string in
// human-readable form: (01)…(17)…(10)…(21)…. A lot or serial containing '('
// does not read back (see ParseIdentifier).
func (id Identifier) ElementString() string {
	s := "(01)" + id.GTIN
	if id.Expiry != "" {
		s += "(17)" + id.Expiry
	}
	if id.Lot != "" {
		s += "(10)" + id.Lot
	}
	return s + "(21)" + id.Serial
}

// EPCURI spells the item as an EPC pure identity URI; the GTIN's company
// prefix length (6 to 12) must be given, as the GTIN does not encode it.
// Lot and expiry have no place in it.
func (id ItemID) EPCURI(companyPrefixLen int) (string, error) {
	if companyPrefixLen < MinCompanyPrefixLen || companyPrefixLen > MaxCompanyPrefixLen {
		return "", Errorf(CodeInvalidID, "company prefix length %d; want %d to %d", companyPrefixLen, MinCompanyPrefixLen, MaxCompanyPrefixLen)
	}
	if err := checkDigits("GTIN", id.GTIN, 14); err != nil {
		return "", err
	}
	cp := id.GTIN[1 : 1+companyPrefixLen]
	ir := id.GTIN[:1] + id.GTIN[1+companyPrefixLen:13]
	return "urn:epc:id:sgtin:" + cp + "." + ir + "." + pctEncode(id.Serial), nil
}
