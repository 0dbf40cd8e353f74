package domain

import (
	"strings"
	"testing"
)

// fuzzSeeds are real GS1 examples in every accepted spelling, plus near
// misses, for FuzzParseIdentifier (more live in testdata/fuzz).
var fuzzSeeds = []string{
	"01/09506000134352/21/XYZ",
	"01/9506000134352/10/ABC123/21/ABC/1",
	"01/04006381333931/21/1",
	"01/036000291452/21/12345678901234567890",
	"01/96385074/21/!\"%&'()*+,-./:;<=>?_",
	"https://id.gs1.org/01/09506000134352/10/ABC123/21/XYZ?17=201225",
	"https://id.example.com/gs1/01/04006381333931/21/A%2F1%25?linkType=all&17=240229#x",
	"http://[::1]:8080/01/00036000291452/21/%41",
	"HTTPS://EXAMPLE.COM/01/10614141000415/21/S",
	"(01)09506000134352(17)201225(10)ABC123(21)XYZ",
	"(21)XYZ(01)04006381333931",
	"(01)00000096385074(10)L(21)((",
	"urn:epc:id:sgtin:0614141.812345.6789",
	"urn:epc:id:sgtin:9506000.013435.ABC%2F1",
	"urn:epc:id:sgtin:950600013435.0.Z",
	"01/09506000134353/21/XYZ",
	"01/09506000134352/21/XYZА",
	"https://id.example.com/01/09506000134352/21/X%2",
	"(01)09506000134352(11)201225(21)X",
	"urn:epc:id:sgtin:06141.8123456.6789",
	"0950600013435",
}

func FuzzParseIdentifier(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseIdentifier(s)
		id2, err2 := ParseIdentifier(s)
		if id != id2 || (err == nil) != (err2 == nil) || (err != nil && err.Error() != err2.Error()) {
			t.Fatalf("not deterministic for %q", s)
		}
		if err != nil {
			if CodeOf(err) != CodeInvalidID || !strings.HasPrefix(err.Error(), "INVALID_ID: ") {
				t.Fatalf("%q: refusal %q is not INVALID_ID", s, err)
			}
			if len(err.Error()) > 1200 {
				t.Fatalf("%q: message of %d bytes", s, len(err.Error()))
			}
			return
		}
		checkCanonical(t, s, id)

		// The canonical key reads back as the same item.
		back, err := ParseIdentifier(id.Key())
		if err != nil {
			t.Fatalf("%q -> key %q does not parse: %v", s, id.Key(), err)
		}
		if back.ItemID != id.ItemID || back.Lot != "" || back.Expiry != "" {
			t.Fatalf("%q -> key %q -> %+v, want %+v", s, id.Key(), back, id.ItemID)
		}
		// So do the other spellings we produce.
		if back, err := ParseIdentifier(id.DigitalLink("https://id.example.com")); err != nil || back != id {
			t.Fatalf("%q -> digital link %q -> %+v, %v", s, id.DigitalLink("https://id.example.com"), back, err)
		}
		if !strings.Contains(id.Serial+id.Lot, "(") {
			if back, err := ParseIdentifier(id.ElementString()); err != nil || back != id {
				t.Fatalf("%q -> element string %q -> %+v, %v", s, id.ElementString(), back, err)
			}
		}
		for l := MinCompanyPrefixLen; l <= MaxCompanyPrefixLen; l++ {
			epc, err := id.EPCURI(l)
			if err != nil {
				t.Fatalf("%q: EPC URI with prefix length %d: %v", s, l, err)
			}
			if back, err := ParseIdentifier(epc); err != nil || back.ItemID != id.ItemID {
				t.Fatalf("%q -> EPC %q -> %+v, %v", s, epc, back, err)
			}
		}
		if it, err := ParseItem(id.GTIN, id.Serial); err != nil || it.ItemID != id.ItemID {
			t.Fatalf("%q: ParseItem(%q, %q) = %+v, %v", s, id.GTIN, id.Serial, it, err)
		}
	})
}

// checkCanonical asserts that a parsed identifier is valid on its own terms.
func checkCanonical(t *testing.T, s string, id Identifier) {
	t.Helper()
	if len(id.GTIN) != 14 {
		t.Fatalf("%q: GTIN %q is not 14 digits", s, id.GTIN)
	}
	if g, err := ParseGTIN(id.GTIN); err != nil || g != id.GTIN {
		t.Fatalf("%q: GTIN %q does not check: %v", s, id.GTIN, err)
	}
	if err := ValidateSerial(id.Serial); err != nil {
		t.Fatalf("%q: serial: %v", s, err)
	}
	if id.Lot != "" {
		if err := ValidateLot(id.Lot); err != nil {
			t.Fatalf("%q: lot: %v", s, err)
		}
	}
	if id.Expiry != "" {
		if err := ValidateExpiry(id.Expiry); err != nil {
			t.Fatalf("%q: expiry: %v", s, err)
		}
	}
	if len(CompanyPrefixCandidates(id.GTIN)) != 7 {
		t.Fatalf("%q: prefix candidates of %q", s, id.GTIN)
	}
}
