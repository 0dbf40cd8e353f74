package domain

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// wantInvalid checks that err is a CodeInvalidID *Error whose message holds
// every fragment.
func wantInvalid(t *testing.T, what string, err error, fragments ...string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error, want INVALID_ID with %q", what, fragments)
		return
	}
	var e *Error
	if !errors.As(err, &e) || e.Code != CodeInvalidID {
		t.Errorf("%s: error %v is not an INVALID_ID *Error", what, err)
		return
	}
	if !strings.HasPrefix(err.Error(), "INVALID_ID: ") {
		t.Errorf("%s: message %q lacks the code prefix", what, err)
	}
	for _, f := range fragments {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("%s: message %q lacks %q", what, err, f)
		}
	}
}

func TestCheckDigit(t *testing.T) {
	for _, tc := range []struct {
		data string
		want int
	}{
		{"0950600013435", 2}, // GS1 example GTIN 09506000134352
		{"400638133393", 1},  // GTIN-13 4006381333931
		{"03600029145", 2},   // UPC-A 036000291452
		{"9638507", 4},       // GTIN-8 96385074
		{"061414112345", 2},  // GLN 0614141123452
		{"0", 0},
		{"1", 7},
	} {
		got, err := CheckDigit(tc.data)
		if err != nil || got != tc.want {
			t.Errorf("CheckDigit(%q) = %d, %v; want %d", tc.data, got, err, tc.want)
		}
	}
	_, err := CheckDigit("")
	wantInvalid(t, "empty", err, "empty")
	_, err = CheckDigit("12a4")
	wantInvalid(t, "letter", err, "'a'", "position 3")
}

func TestParseGTIN(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"09506000134352", "09506000134352"},
		{"9506000134352", "09506000134352"},
		{"4006381333931", "04006381333931"},
		{"036000291452", "00036000291452"},
		{"96385074", "00000096385074"},
		{"10614141000415", "10614141000415"}, // GTIN-14 with indicator 1
		{"00000000000000", "00000000000000"},
	} {
		got, err := ParseGTIN(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseGTIN(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, tc := range []struct {
		in   string
		frag []string
	}{
		{"0950600013435", []string{`GTIN "0950600013435" has 13 digits but check digit 5 should be 9`}},
		{"09506000134353", []string{"14 digits", "check digit 3 should be 2"}},
		{"96385075", []string{"8 digits", "check digit 5 should be 4"}},
		{"", []string{"GTIN is empty"}},
		{"12345", []string{"5 digits; want 8, 12, 13 or 14"}},
		{"123456789012345", []string{"15 digits"}},
		{"0950600013435x", []string{"non-digit character 'x' at position 14"}},
		{"9506000 134352", []string{"space (U+0020) at position 8"}},
		{"９506000134352", []string{"'９' (U+FF19, looks like '9') at position 1"}},
		{"-9506000134352", []string{"'-' at position 1"}},
	} {
		_, err := ParseGTIN(tc.in)
		wantInvalid(t, "ParseGTIN("+tc.in+")", err, tc.frag...)
	}
}

func TestParseGLN(t *testing.T) {
	if got, err := ParseGLN("0614141123452"); err != nil || got != "0614141123452" {
		t.Fatalf("GLN: %q %v", got, err)
	}
	if got, err := ParseGLN("9506000134352"); err != nil || got != "9506000134352" {
		t.Fatalf("GLN: %q %v", got, err)
	}
	_, err := ParseGLN("0614141123453")
	wantInvalid(t, "check", err, `GLN "0614141123453"`, "check digit 3 should be 2")
	_, err = ParseGLN("614141123452")
	wantInvalid(t, "length", err, "12 digits; want 13")
	_, err = ParseGLN("061414112345A")
	wantInvalid(t, "char", err, "'A' at position 13")
	_, err = ParseGLN("")
	wantInvalid(t, "empty", err, "GLN is empty")
}

func TestCompanyPrefix(t *testing.T) {
	for _, ok := range []string{"950600", "9506000", "061414112345"} {
		if err := ValidateCompanyPrefix(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	wantInvalid(t, "short", ValidateCompanyPrefix("95060"), "5 digits; want 6 to 12")
	wantInvalid(t, "long", ValidateCompanyPrefix("0614141123456"), "13 digits")
	wantInvalid(t, "empty", ValidateCompanyPrefix(""), "0 digits")
	wantInvalid(t, "char", ValidateCompanyPrefix("95O600"), "'O' at position 3")

	got := CompanyPrefixCandidates("09506000134352")
	want := []string{"950600013435", "95060001343", "9506000134", "950600013", "95060001", "9506000", "950600"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("candidates = %q", got)
	}
	for _, bad := range []string{"9506000134352", "0950600013435x", ""} {
		if c := CompanyPrefixCandidates(bad); c != nil {
			t.Errorf("candidates(%q) = %q", bad, c)
		}
	}
}

func TestValidateSerialAndLot(t *testing.T) {
	for _, ok := range []string{"1", "ABC123", "12345678901234567890", `!"%&'()*+,-./:;<=>?_`, "a/b", "XYZ"} {
		if err := ValidateSerial(ok); err != nil {
			t.Errorf("serial %q: %v", ok, err)
		}
		if err := ValidateLot(ok); err != nil {
			t.Errorf("lot %q: %v", ok, err)
		}
	}
	for _, tc := range []struct {
		in   string
		frag []string
	}{
		{"", []string{"serial is empty; GS1 AI 21 needs 1 to 20 characters"}},
		{"123456789012345678901", []string{"21 characters; GS1 AI 21 allows at most 20"}},
		{"AB C", []string{"space (U+0020) at position 3", "not in GS1 character set 82", Set82}},
		{"XYZА", []string{"'А' (U+0410, looks like 'A') at position 4", "not in GS1 character set 82"}}, // Cyrillic A
		{"１23", []string{"'１' (U+FF11, looks like '1') at position 1"}},                                 // fullwidth 1
		{"ΟK", []string{"U+039F, looks like 'O'"}},                                                      // Greek Omicron
		{"A–B", []string{"U+2013, looks like '-'"}},                                                     // en dash
		{"A#", []string{"'#' at position 2"}},
		{"A~", []string{"'~' at position 2"}},
		{"A\tB", []string{"'\\t' (U+0009) at position 2"}},
		{"A\u200bB", []string{"U+200B"}}, // zero-width space
		{"A\xffB", []string{"invalid UTF-8 byte 0xff at position 2"}},
		{"é", []string{"'é' (U+00E9) at position 1"}},
	} {
		wantInvalid(t, "serial "+tc.in, ValidateSerial(tc.in), tc.frag...)
	}
	wantInvalid(t, "lot empty", ValidateLot(""), "lot is empty; GS1 AI 10")
	wantInvalid(t, "lot long", ValidateLot(strings.Repeat("L", 21)), "GS1 AI 10 allows at most 20")
	// A long hostile value is shortened in the message.
	err := ValidateSerial(strings.Repeat("A", 5000) + "#")
	wantInvalid(t, "long", err, "position 5001", "…")
	if len(err.Error()) > 300 {
		t.Errorf("message is %d bytes long", len(err.Error()))
	}
}

func TestInSet82(t *testing.T) {
	n := 0
	for r := rune(0); r < 0x80; r++ {
		if InSet82(r) {
			n++
		}
	}
	if n != 82 {
		t.Fatalf("set 82 has %d ASCII characters", n)
	}
	for _, r := range ` #$@[\]^{|}~` + "`" {
		if InSet82(r) {
			t.Errorf("%q in set 82", r)
		}
	}
}

func TestValidateExpiry(t *testing.T) {
	for _, ok := range []string{"201225", "240229", "000229", "250200", "251231", "991130", "260430"} {
		if err := ValidateExpiry(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, tc := range []struct {
		in   string
		frag []string
	}{
		{"250229", []string{"day 29 but 2025-02 has 28 days"}},
		{"200230", []string{"day 30 but 2020-02 has 29 days"}},
		{"250431", []string{"2025-04 has 30 days"}},
		{"251232", []string{"day 32"}},
		{"251301", []string{"month 13; want 01 to 12"}},
		{"250001", []string{"month 00"}},
		{"2512", []string{"4 digits; GS1 AI 17 wants 6 digits YYMMDD"}},
		{"", []string{"0 digits"}},
		{"25-12-01", []string{"'-' at position 3"}},
		{"2512３1", []string{"U+FF13"}},
	} {
		wantInvalid(t, "expiry "+tc.in, ValidateExpiry(tc.in), tc.frag...)
	}
}

func TestParseIdentifierSpellings(t *testing.T) {
	item := func(gtin, serial, lot, exp string) Identifier {
		return Identifier{ItemID: ItemID{GTIN: gtin, Serial: serial}, Lot: lot, Expiry: exp}
	}
	const g = "09506000134352"
	for _, tc := range []struct {
		in   string
		want Identifier
	}{
		// canonical
		{"01/09506000134352/21/XYZ", item(g, "XYZ", "", "")},
		{"01/9506000134352/21/XYZ", item(g, "XYZ", "", "")},
		{"01/96385074/21/1", item("00000096385074", "1", "", "")},
		{"01/09506000134352/21/ABC/1", item(g, "ABC/1", "", "")},
		{"01/09506000134352/10/ABC123/21/XYZ", item(g, "XYZ", "ABC123", "")},
		{"01/09506000134352/21/A%20B", item(g, "A%20B", "", "")}, // canonical is raw
		{"  01/09506000134352/21/XYZ\r\n", item(g, "XYZ", "", "")},
		// Digital Link
		{"https://id.gs1.org/01/09506000134352/21/XYZ", item(g, "XYZ", "", "")},
		{"http://example.com/01/09506000134352/10/ABC123/21/XYZ", item(g, "XYZ", "ABC123", "")},
		{"HTTPS://ID.EXAMPLE.COM/01/9506000134352/21/XYZ", item(g, "XYZ", "", "")},
		{"https://id.example.com:8443/01/09506000134352/21/XYZ?17=201225", item(g, "XYZ", "", "201225")},
		{"https://example.com/gs1/dl/01/09506000134352/21/XYZ?linkType=gs1:pip&17=201225#top", item(g, "XYZ", "", "201225")},
		{"https://id.example.com/01/09506000134352/21/ABC%2F1", item(g, "ABC/1", "", "")},
		{"https://id.example.com/01/09506000134352/10/L%2a1/21/%41%62c", item(g, "Abc", "L*1", "")},
		{"https://id.example.com/01/09506000134352/21/XYZ?17=201225&17=201225", item(g, "XYZ", "", "201225")},
		{"https://id.example.com/01/09506000134352/21/XYZ?", item(g, "XYZ", "", "")},
		{"https://[::1]/01/09506000134352/21/XYZ", item(g, "XYZ", "", "")},
		{"https://127.0.0.1/01/09506000134352/21/XYZ?3103=000189", item(g, "XYZ", "", "")},
		// element string
		{"(01)09506000134352(17)201225(10)ABC123(21)XYZ", item(g, "XYZ", "ABC123", "201225")},
		{"(21)XYZ(10)ABC123(01)09506000134352", item(g, "XYZ", "ABC123", "")},
		{"(01)09506000134352(21)ABC/1", item(g, "ABC/1", "", "")},
		// EPC URI (TDS examples)
		{"urn:epc:id:sgtin:0614141.812345.6789", item("80614141123458", "6789", "", "")},
		{"urn:epc:id:sgtin:9506000.013435.XYZ", item(g, "XYZ", "", "")},
		{"urn:epc:id:sgtin:950600013435.0.XYZ", item(g, "XYZ", "", "")},
		{"urn:epc:id:sgtin:950600.0134352.XYZ", item("09506001343524", "XYZ", "", "")},
		{"URN:EPC:ID:SGTIN:9506000.013435.ABC%2F1", item(g, "ABC/1", "", "")},
		{"urn:epc:id:sgtin:0614141.812345.a.b", item("80614141123458", "a.b", "", "")},
	} {
		got, err := ParseIdentifier(tc.in)
		if err != nil {
			t.Errorf("ParseIdentifier(%q): %v", tc.in, err)
			continue
		}
		if got != tc.want {
			t.Errorf("ParseIdentifier(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

func TestParseIdentifierRejections(t *testing.T) {
	for _, tc := range []struct {
		in   string
		frag []string
	}{
		{"", []string{"identifier is empty"}},
		{"  \n", []string{"identifier is empty"}},
		{"0950600013435", []string{"unknown format", "GTIN without a serial"}},
		{"XYZ", []string{"unknown format", "Digital Link", "urn:epc:id:sgtin"}},
		{"ftp://id.example.com/01/09506000134352/21/XYZ", []string{"unknown format"}},
		// canonical
		{"01/09506000134352", []string{"no /21/{serial} after the GTIN"}},
		{"01/09506000134353/21/XYZ", []string{"check digit 3 should be 2"}},
		{"01/09506000134352/22/XYZ", []string{"want /21/{serial} or /10/{lot}/21/{serial}"}},
		{"01/09506000134352/10/LOT", []string{"no /21/{serial} after the lot"}},
		{"01/09506000134352/10//21/XYZ", []string{"lot is empty"}},
		{"01/09506000134352/21/", []string{"serial is empty"}},
		{"01/09506000134352/21/XYZА", []string{"'А' (U+0410, looks like 'A') at position 4", "not in GS1 character set 82"}},
		{"01/09506000134352/21/" + strings.Repeat("9", 21), []string{"21 characters"}},
		// Digital Link
		{"https://id.example.com/01/09506000134352/21/X%2", []string{`malformed percent-escape "%2" at position 2`, "serial"}},
		{"https://id.example.com/01/09506000134352/21/X%G1", []string{`malformed percent-escape "%G1"`}},
		{"https://id.example.com/01/0950600013435%/21/X", []string{"GTIN", "malformed percent-escape"}},
		{"https://id.example.com/01/09506000134352/10/%zz/21/X", []string{"lot", "malformed percent-escape"}},
		{"https://id.example.com/01/09506000134352/21/XYZ?17=201232", []string{"Digital Link query", "day 32"}},
		{"https://id.example.com/01/09506000134352/21/XYZ?17=20%2", []string{"expiry (17)", "malformed"}},
		{"https://id.example.com/01/09506000134352/21/XYZ?1%7=201225", []string{"query key", "malformed"}},
		{"https://id.example.com/01/09506000134352/21/XYZ?17=201225&17=201226", []string{"two expiries"}},
		{"https://id.example.com/01/09506000134352/21/XYZ?10=LOT", []string{"AI 10", "belong in the path"}},
		{"https://id.example.com/01/09506000134353/21/XYZ", []string{"Digital Link: GTIN", "check digit"}},
		{"https://id.example.com/01/09506000134352/21/%D0%90", []string{"Digital Link: serial", "U+0410"}},
		{"https://id.example.com/01/09506000134352/21/A%23", []string{"'#' at position 2"}},
		{"https://id.example.com/01/09506000134352/10/A%20/21/X", []string{"Digital Link: lot", "space"}},
		{"https://id.example.com/01/09506000134352", []string{"no serial /21/{serial}"}},
		{"https://id.example.com/gtin/09506000134352/21/X", []string{"no /01/{gtin} in its path"}},
		{"https://id.example.com/01/09506000134352/22/V1/21/X", []string{"/22/", "not support"}},
		{"https://id.example.com/01/09506000134352/21/A/B", []string{"path does not match", "%2F"}},
		{"https://id.example.com/01/09506000134352/99/X/21/S", []string{"AI 99 as a path qualifier", "not support"}},
		{"https://id.example.com/01/09506000134352/10/L1/235/X/21/S", []string{"AI 235 as a path qualifier"}},
		{"https://id.example.com//01/09506000134352/21/X", []string{"empty path segment"}},
		{"https://id.example.com/01/09506000134352/21/XYZ/", []string{"path does not match"}},
		{"https:///01/09506000134352/21/X", []string{"no host"}},
		{"https://user@host/01/09506000134352/21/X", []string{"host", "'@' at position 5"}},
		{"https://", []string{"no host"}},
		{"https://id.example.com", []string{"no /01/{gtin}"}},
		// element string
		{"(01)09506000134352", []string{"no serial (21)"}},
		{"(21)XYZ", []string{"no GTIN (01)"}},
		{"(01)9506000134352(21)X", []string{"element string AI (01)", "13 digits; want 14"}},
		{"(01)09506000134353(21)X", []string{"check digit 3 should be 2"}},
		{"(01)09506000134352(21)X(21)Y", []string{"AI (21) appears twice"}},
		{"(01)09506000134352(11)201225(21)X", []string{"AI (11) is not supported"}},
		{"(01)09506000134352(ab)X(21)X", []string{`"(ab)" at position 19 is not a GS1 application identifier`}},
		{"(01)09506000134352(21", []string{"'(' at position 19 is not closed"}},
		{"(01)09506000134352(17)251301(21)X", []string{"element string AI (17)", "month 13"}},
		{"(01)09506000134352(10)(21)X", []string{"element string AI (10)", "lot is empty"}},
		{"(01)09506000134352(21)X Y", []string{"element string AI (21)", "space"}},
		{"(01)09506000134352(21)", []string{"serial is empty"}},
		// EPC
		{"urn:epc:id:sgtin:0614141.812345", []string{"three dot-separated parts"}},
		{"urn:epc:id:sscc:0614141.1234567890", []string{"not an SGTIN pure identity URI"}},
		{"urn:epc:tag:sgtin-96:3.0614141.812345.6789", []string{"not an SGTIN pure identity URI"}},
		{"urn:epc:id:sgtin:06141.8123456.6789", []string{"EPC URI: company prefix", "5 digits; want 6 to 12"}},
		{"urn:epc:id:sgtin:0614141X.81234.6789", []string{"company prefix", "'X'"}},
		{"urn:epc:id:sgtin:0614141.81234.6789", []string{"make 12 digits; want 13"}},
		{"urn:epc:id:sgtin:0614141123456..6789", []string{"company prefix", "13 digits; want 6 to 12"}},
		{"urn:epc:id:sgtin:061414112345..6789", []string{"make 12 digits; want 13"}},
		{"urn:epc:id:sgtin:0614141.81234a.6789", []string{"indicator and item reference", "'a' at position 6"}},
		{"urn:epc:id:sgtin:0614141.812345.A/B", []string{"'/' at position 2", "must be percent-encoded (%2F)"}},
		{"urn:epc:id:sgtin:0614141.812345.A?", []string{"'?'", "(%3F)"}},
		{"urn:epc:id:sgtin:0614141.812345.A%2", []string{"EPC URI serial", "malformed percent-escape"}},
		{"urn:epc:id:sgtin:0614141.812345.A%23", []string{"EPC URI: serial", "'#'"}},
		{"urn:epc:id:sgtin:0614141.812345.", []string{"serial is empty"}},
	} {
		_, err := ParseIdentifier(tc.in)
		wantInvalid(t, "ParseIdentifier("+tc.in+")", err, tc.frag...)
	}
}

func TestParseItem(t *testing.T) {
	id, err := ParseItem("9506000134352", "XYZ")
	if err != nil || id.Key() != "01/09506000134352/21/XYZ" || id.Lot != "" {
		t.Fatalf("%+v %v", id, err)
	}
	_, err = ParseItem("9506000134353", "XYZ")
	wantInvalid(t, "gtin", err, "GTIN", "check digit")
	_, err = ParseItem("9506000134352", "XY Z")
	wantInvalid(t, "serial", err, "serial", "space")
}

func TestOtherSpellingsRoundTrip(t *testing.T) {
	in := Identifier{ItemID: ItemID{GTIN: "09506000134352", Serial: `A/1%"&<>?`}, Lot: "L 1"[:1] + "/x", Expiry: "201225"}
	dl := in.DigitalLink("https://id.example.com/")
	if dl != "https://id.example.com/01/09506000134352/10/L%2Fx/21/A%2F1%25%22%26%3C%3E%3F?17=201225" {
		t.Fatalf("digital link %s", dl)
	}
	if got, err := ParseIdentifier(dl); err != nil || got != in {
		t.Fatalf("digital link back: %+v %v", got, err)
	}
	es := in.ElementString()
	if es != `(01)09506000134352(17)201225(10)L/x(21)A/1%"&<>?` {
		t.Fatalf("element string %s", es)
	}
	if got, err := ParseIdentifier(es); err != nil || got != in {
		t.Fatalf("element string back: %+v %v", got, err)
	}
	epc, err := in.EPCURI(7)
	if err != nil || epc != "urn:epc:id:sgtin:9506000.013435.A%2F1%25%22%26%3C%3E%3F" {
		t.Fatalf("epc %s %v", epc, err)
	}
	if got, err := ParseIdentifier(epc); err != nil || got.ItemID != in.ItemID {
		t.Fatalf("epc back: %+v %v", got, err)
	}
	bare := Identifier{ItemID: ItemID{GTIN: "80614141123458", Serial: "6789"}}
	if got := bare.DigitalLink("https://id.gs1.org"); got != "https://id.gs1.org/01/80614141123458/21/6789" {
		t.Fatalf("bare link %s", got)
	}
	if got := bare.ElementString(); got != "(01)80614141123458(21)6789" {
		t.Fatalf("bare element string %s", got)
	}
	if got, _ := bare.EPCURI(7); got != "urn:epc:id:sgtin:0614141.812345.6789" {
		t.Fatalf("TDS example %s", got)
	}
	_, err = bare.EPCURI(5)
	wantInvalid(t, "prefix length", err, "company prefix length 5")
	_, err = ItemID{GTIN: "123", Serial: "X"}.EPCURI(7)
	wantInvalid(t, "gtin", err, "3 digits")
}

func TestWithinKeepsOtherErrors(t *testing.T) {
	plain := errors.New("plain")
	if within("ctx", plain) != plain {
		t.Fatal("within changed a non-refusal error")
	}
}

func TestLookalikes(t *testing.T) {
	for _, tc := range []struct {
		r    rune
		want rune
	}{
		{'А', 'A'}, {'Α', 'A'}, {'В', 'B'}, {'Β', 'B'}, {'С', 'C'}, {'Е', 'E'}, {'Ε', 'E'},
		{'Н', 'H'}, {'Η', 'H'}, {'І', 'I'}, {'Ι', 'I'}, {'Ӏ', 'I'}, {'Ј', 'J'}, {'К', 'K'},
		{'Κ', 'K'}, {'М', 'M'}, {'Μ', 'M'}, {'Ν', 'N'}, {'О', 'O'}, {'Ο', 'O'}, {'Р', 'P'},
		{'Ρ', 'P'}, {'Ѕ', 'S'}, {'Т', 'T'}, {'Τ', 'T'}, {'Х', 'X'}, {'Χ', 'X'}, {'Υ', 'Y'},
		{'Ү', 'Y'}, {'Ζ', 'Z'}, {'а', 'a'}, {'с', 'c'}, {'е', 'e'}, {'і', 'i'}, {'ј', 'j'},
		{'о', 'o'}, {'ο', 'o'}, {'р', 'p'}, {'ρ', 'p'}, {'ѕ', 's'}, {'х', 'x'}, {'у', 'y'},
		{'‐', '-'}, {'‑', '-'}, {'‒', '-'}, {'–', '-'}, {'—', '-'}, {'−', '-'},
		{'‘', '\''}, {'’', '\''}, {'“', '"'}, {'”', '"'}, {'\u00a0', ' '},
		{'！', '!'}, {'０', '0'}, {'Ｚ', 'Z'}, {'～', '~'}, {'é', 0}, {'ж', 0},
	} {
		if got := lookalike(tc.r); got != tc.want {
			t.Errorf("lookalike(%q) = %q, want %q", tc.r, got, tc.want)
		}
		err := ValidateSerial("A" + string(tc.r))
		wantInvalid(t, "serial with "+string(tc.r), err, "position 2", "not in GS1 character set 82")
	}
}

func TestQuote(t *testing.T) {
	if got := quote("abc"); got != `"abc"` {
		t.Fatal(got)
	}
	long := strings.Repeat("я", 60)
	if got := quote(long); got != `"`+strings.Repeat("я", 48)+`"…` {
		t.Fatal(got)
	}
}

func TestCodeOf(t *testing.T) {
	_, err := ParseGTIN("1")
	if CodeOf(err) != CodeInvalidID {
		t.Fatalf("CodeOf(%v) = %q", err, CodeOf(err))
	}
	wrapped := errors.New("rpc error: code = Aborted desc = failed to endorse: chaincode response 500, INVALID_ID: GTIN \"1\" has 1 digits")
	if CodeOf(wrapped) != CodeInvalidID {
		t.Fatalf("CodeOf(gateway text) = %q", CodeOf(wrapped))
	}
	if CodeOf(nil) != "" || CodeOf(errors.New("NOT_A_CODE: x")) != "" || CodeOf(errors.New("plain")) != "" {
		t.Fatal("CodeOf invents codes")
	}
}
