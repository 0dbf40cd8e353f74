package epcis

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/provledger/provenance/chaincode/domain"
)

// CanonicalDL converts an EPC pure identity URI (sgtin, sscc, sgln, pgln,
// gdti, grai, giai), an LGTIN class or SGTIN pattern of a whole GTIN, or a GS1 Digital Link on any host into the constrained
// canonical Digital Link the event hash uses: https://id.gs1.org, no query,
// only the finest key and qualifier. ok is false for anything else.
func CanonicalDL(v string) (string, bool) {
	if strings.HasPrefix(v, "urn:epc:class:lgtin:") || strings.HasPrefix(v, "urn:epc:idpat:sgtin:") {
		// EPC classes as the event hash spells them: a lot or a GTIN.
		g, lot, err := ParseEPCClass(v)
		if err != nil {
			return "", false
		}
		return ClassDL(g, lot), true
	}
	if strings.HasPrefix(v, "urn:epc:id:") {
		return epcToDL(v)
	}
	if strings.HasPrefix(v, "https://") || strings.HasPrefix(v, "http://") {
		return normaliseDL(v)
	}
	return "", false
}

func withCheck(digits string) (string, bool) {
	c, err := domain.CheckDigit(digits)
	if err != nil {
		return "", false
	}
	return digits + strconv.Itoa(c), true
}

func epcToDL(v string) (string, bool) {
	rest := strings.TrimPrefix(v, "urn:epc:id:")
	scheme, body, ok := strings.Cut(rest, ":")
	if !ok {
		return "", false
	}
	p := strings.Split(body, ".")
	digits := func(parts ...string) bool {
		for _, s := range parts {
			for _, r := range s {
				if r < '0' || r > '9' {
					return false
				}
			}
		}
		return true
	}
	switch {
	case scheme == "sgtin" && len(p) == 3 && len(p[1]) > 0 && digits(p[0], p[1]):
		g, ok := withCheck(p[1][:1] + p[0] + p[1][1:])
		return DLBase + "/01/" + g + "/21/" + p[2], ok && len(g) == 14
	case scheme == "sscc" && len(p) == 2 && len(p[1]) > 0 && digits(p...):
		s, ok := withCheck(p[1][:1] + p[0] + p[1][1:])
		return DLBase + "/00/" + s, ok && len(s) == 18
	case scheme == "sgln" && len(p) == 3 && digits(p[0], p[1]):
		g, ok := withCheck(p[0] + p[1])
		if p[2] != "0" && p[2] != "" {
			return DLBase + "/414/" + g + "/254/" + p[2], ok
		}
		return DLBase + "/414/" + g, ok
	case scheme == "pgln" && len(p) == 2 && digits(p...):
		g, ok := withCheck(p[0] + p[1])
		return DLBase + "/417/" + g, ok
	case scheme == "gdti" && len(p) == 3 && digits(p[0], p[1]):
		g, ok := withCheck(p[0] + p[1])
		return DLBase + "/253/" + g + p[2], ok
	case scheme == "grai" && len(p) == 3 && digits(p[0], p[1]):
		g, ok := withCheck("0" + p[0] + p[1])
		return DLBase + "/8003/" + g + p[2], ok
	case scheme == "giai" && len(p) == 2 && digits(p[0]):
		return DLBase + "/8004/" + p[0] + p[1], true
	}
	return "", false
}

// Primary keys and the qualifiers kept with them (finest first).
var dlKeys = map[string][]string{
	"00": nil, "01": {"21", "10", "235"}, "253": nil, "255": nil, "401": nil, "402": nil,
	"414": {"254"}, "417": nil, "8003": nil, "8004": nil, "8006": {"21", "10"}, "8010": {"8011"},
	"8017": nil, "8018": nil,
}

func normaliseDL(v string) (string, bool) {
	u, err := url.Parse(v)
	if err != nil {
		return "", false
	}
	segs := strings.Split(strings.Trim(u.EscapedPath(), "/"), "/")
	for i := 0; i+1 < len(segs); i++ {
		quals, ok := dlKeys[segs[i]]
		if !ok {
			continue
		}
		key, val := segs[i], segs[i+1]
		if key == "01" {
			if g, err := domain.ParseGTIN(val); err == nil {
				val = g
			}
		}
		pairs := map[string]string{}
		for j := i + 2; j+1 < len(segs); j += 2 {
			pairs[segs[j]] = segs[j+1]
		}
		out := DLBase + "/" + key + "/" + val
		for _, q := range quals {
			if qv, ok := pairs[q]; ok {
				out += "/" + q + "/" + qv
				break
			}
		}
		return out, true
	}
	return "", false
}
