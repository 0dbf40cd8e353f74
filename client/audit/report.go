package audit

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/provledger/provenance/chaincode/domain"
)

// ReadReport reads a report as `prov audit -o json` writes it. A document
// that is not one (no generation time, no results array) is refused, so
// that another JSON file is not taken for an empty audit.
func ReadReport(r io.Reader) (*Report, error) {
	var raw struct {
		Report
		Results *[]Result `json:"results"`
	}
	dec := json.NewDecoder(r)
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("not a prov audit -o json report: %w", err)
	}
	if raw.Generated == "" || raw.Results == nil {
		return nil, fmt.Errorf("not a prov audit -o json report: no %q time or %q list", "generated", "results")
	}
	rep := raw.Report
	rep.Results = *raw.Results
	return &rep, nil
}

// ParseVerdicts reads a comma-separated list of verdict names (any case).
func ParseVerdicts(s string) ([]Verdict, error) {
	var out []Verdict
	for _, part := range strings.Split(s, ",") {
		v := Verdict(strings.ToUpper(strings.TrimSpace(part)))
		if v == "" {
			continue
		}
		if rank(v) == len(Severity) {
			names := make([]string, len(Severity))
			for i, s := range Severity {
				names[i] = string(s)
			}
			return nil, fmt.Errorf("unknown verdict %q: want one of %s", part, strings.Join(names, ", "))
		}
		out = append(out, v)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no verdict named")
	}
	return out, nil
}

// Skipped is a report line that names no item to look up.
type Skipped struct {
	Line   int
	Input  string
	Reason string
}

// FindingItems returns the canonical keys of the report's items whose line
// has one of the verdicts, as its verdict or as any finding (none given:
// every suspect line), each once in report order; and the matching lines
// that name no item (an unparsable ID).
func (rep *Report) FindingItems(verdicts []Verdict) ([]string, []Skipped) {
	want := map[Verdict]bool{}
	for _, v := range verdicts {
		want[v] = true
	}
	match := func(r Result) bool {
		if len(want) == 0 {
			return r.Verdict.Suspect()
		}
		if want[r.Verdict] {
			return true
		}
		for _, f := range r.Findings {
			if want[f.Verdict] {
				return true
			}
		}
		return false
	}
	var keys []string
	var skipped []Skipped
	seen := map[string]bool{}
	for _, r := range rep.Results {
		if !match(r) {
			continue
		}
		id, err := domain.ParseItemKey(r.Item)
		if r.Item == "" || err != nil {
			skipped = append(skipped, Skipped{Line: r.Line, Input: r.Input, Reason: string(r.Verdict) + ": no item identifier"})
			continue
		}
		if k := id.Key(); !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	return keys, skipped
}
